DROP INDEX incidents_project_events_idx;
DROP INDEX incidents_project_first_seen_idx;
DROP INDEX incidents_search_trgm_idx;
DROP INDEX incidents_search_fts_idx;
ALTER TABLE incidents DROP COLUMN search_vector;
ALTER TABLE incidents DROP COLUMN search_text;
-- The extension stays: other objects may use it, and it costs nothing unused.
