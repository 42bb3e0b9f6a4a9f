-- Full-text and partial-word search over an incident's type, message, top frame file and
-- function. pg_trgm ships with PostgreSQL's contrib modules (the embedded server includes it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE incidents ADD COLUMN search_text text GENERATED ALWAYS AS (
    error_type || ' ' || message || ' ' || coalesce(frame_path, '') || ' '
    || coalesce(top_frame ->> 'function', '')
) STORED;
-- Stored, so a full-text match over many rows does not recompute each row's vector (a
-- generated column cannot read another, hence the repeated expression).
ALTER TABLE incidents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple',
    error_type || ' ' || message || ' ' || coalesce(frame_path, '') || ' '
    || coalesce(top_frame ->> 'function', ''))
) STORED;

CREATE INDEX incidents_search_fts_idx ON incidents USING gin (search_vector);
CREATE INDEX incidents_search_trgm_idx ON incidents USING gin (search_text gin_trgm_ops);
CREATE INDEX incidents_project_first_seen_idx ON incidents (project_id, first_seen DESC, id DESC);
CREATE INDEX incidents_project_events_idx ON incidents (project_id, event_count DESC, id DESC);
