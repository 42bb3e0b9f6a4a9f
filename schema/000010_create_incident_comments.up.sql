-- Triage by people: who an incident is assigned to, what they said about it, and every status
-- change a person made (the incident row keeps only the latest).
ALTER TABLE incidents ADD COLUMN assignee_id bigint REFERENCES users (id) ON DELETE SET NULL;

CREATE TABLE incident_comments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    author_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_comments_incident_idx ON incident_comments (incident_id, id);

CREATE TABLE incident_activity (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    actor_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    -- resolved | acknowledged | ignored | reopened | assigned | unassigned
    kind         text NOT NULL,
    detail       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_activity_incident_idx ON incident_activity (incident_id, id);
