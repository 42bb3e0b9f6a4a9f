-- name: lock_incidents!
-- Serialise merges touching these incidents (rows locked in id order: no deadlock).
SELECT 1 FROM incidents WHERE id = ANY (:ids::bigint[]) ORDER BY id FOR UPDATE;

-- name: merge_state
-- What a merge needs to know of each incident, with whether others are merged into it.
SELECT i.id, i.project_id, i.merged_into, i.deleted_at,
       EXISTS (SELECT 1 FROM incidents s WHERE s.merged_into = i.id) AS is_target
FROM incidents i WHERE i.id = ANY (:ids::bigint[]);

-- name: merge_into!
-- Fold each source into the target: the target remembers its own first/last seen, takes the
-- sources' counts and environments, and the sources are hidden behind it.
WITH src AS (
    SELECT * FROM incidents WHERE id = ANY (:source_ids::bigint[])
), remembered AS (
    INSERT INTO incident_merges (source_id, target_id, merged_by, target_first_seen,
                                 target_last_seen)
    SELECT s.id, t.id, :user_id, t.first_seen, t.last_seen
    FROM src s, incidents t WHERE t.id = :target_id
), hidden AS (
    UPDATE incidents i SET merged_into = :target_id, change_seq = nextval('incident_change_seq'),
           change_kind = 'updated', updated_at = now()
    FROM src WHERE i.id = src.id
)
UPDATE incidents t SET
    event_count = t.event_count + (SELECT sum(event_count) FROM src),
    first_seen = least(t.first_seen, (SELECT min(first_seen) FROM src)),
    last_seen = greatest(t.last_seen, (SELECT max(last_seen) FROM src)),
    environments = ARRAY(SELECT DISTINCT e FROM (
        SELECT unnest(t.environments) UNION SELECT unnest(environments) FROM src) x(e)
        ORDER BY e),
    change_seq = nextval('incident_change_seq'), change_kind = 'updated', updated_at = now()
WHERE t.id = :target_id;

-- name: unmerge^
-- Give a merged incident back its independence; the target drops its counts and takes back
-- its own first/last seen (widened by the incidents still merged into it, and its own newest
-- event). Returns the former target's id.
WITH m AS (
    DELETE FROM incident_merges WHERE source_id = :source_id RETURNING *
), src AS (
    UPDATE incidents i SET merged_into = NULL, change_seq = nextval('incident_change_seq'),
           change_kind = 'updated', updated_at = now()
    FROM m WHERE i.id = m.source_id
    RETURNING i.event_count
)
UPDATE incidents t SET
    event_count = greatest(t.event_count - (SELECT event_count FROM src), 0),
    first_seen = (SELECT least(m.target_first_seen, min(s.first_seen))
                  FROM incidents s WHERE s.merged_into = t.id AND s.id <> m.source_id),
    last_seen = (SELECT greatest(m.target_last_seen, max(s.last_seen),
                                 (SELECT e.occurred_at FROM events e WHERE e.incident_id = t.id
                                  ORDER BY e.received_at DESC LIMIT 1))
                 FROM incidents s WHERE s.merged_into = t.id AND s.id <> m.source_id),
    change_seq = nextval('incident_change_seq'), change_kind = 'updated', updated_at = now()
FROM m WHERE t.id = m.target_id
RETURNING t.id;

-- name: recount_users!
-- Distinct users of each incident's group (itself and the incidents merged into it).
UPDATE incidents t SET user_count = (
    SELECT count(DISTINCT u.user_key) FROM incident_users u
    WHERE u.incident_id = t.id
       OR u.incident_id IN (SELECT s.id FROM incidents s WHERE s.merged_into = t.id))
WHERE t.id = ANY (:ids::bigint[]);

-- name: merged_sources
-- The incidents merged into this one, newest merge first.
SELECT i.id, i.error_type, i.message, i.event_count, m.merged_at,
       coalesce(u.email, '') AS merged_by_email
FROM incident_merges m JOIN incidents i ON i.id = m.source_id
LEFT JOIN users u ON u.id = m.merged_by
WHERE m.target_id = :incident_id
ORDER BY m.merged_at DESC, i.id;

-- name: record_incident_users!
-- Remember each event's user for its own incident and count, on the incident shown (the
-- target of a merge or the incident itself), only users its group had not seen.
WITH fresh AS (
    INSERT INTO incident_users (incident_id, user_key)
    SELECT DISTINCT * FROM unnest(:incident_ids::bigint[], :user_keys::bytea[])
    ON CONFLICT DO NOTHING
    RETURNING incident_id, user_key
), owned AS (
    SELECT coalesce(i.merged_into, i.id) AS owner, f.user_key
    FROM fresh f JOIN incidents i ON i.id = f.incident_id
), counted AS (
    SELECT o.owner, count(DISTINCT o.user_key) AS n FROM owned o
    WHERE NOT EXISTS (
        SELECT 1 FROM incident_users u
        WHERE u.user_key = o.user_key
          AND (u.incident_id = o.owner
               OR u.incident_id IN (SELECT s.id FROM incidents s WHERE s.merged_into = o.owner)))
    GROUP BY o.owner
)
UPDATE incidents i SET user_count = i.user_count + c.n FROM counted c WHERE i.id = c.owner;

-- name: fold_into_targets
-- A batch's events of merged incidents also count on their targets.
UPDATE incidents t SET
    event_count = t.event_count + b.n,
    first_seen = least(t.first_seen, b.first_seen),
    last_seen = greatest(t.last_seen, b.last_seen),
    environments = ARRAY(SELECT DISTINCT e FROM unnest(t.environments
                         || string_to_array(b.environments, E'\n')) e ORDER BY e),
    change_seq = nextval('incident_change_seq'), change_kind = 'updated', updated_at = now()
FROM unnest(:target_ids::bigint[], :counts::bigint[], :first_seens::timestamptz[],
            :last_seens::timestamptz[], :environments::text[])
     AS b(id, n, first_seen, last_seen, environments)
WHERE t.id = b.id
RETURNING t.change_seq;

-- name: set_similarity_vectors!
UPDATE incidents i SET similarity_vector = v.vec
FROM unnest(:ids::bigint[], :vectors::bytea[]) AS v(id, vec)
WHERE i.id = v.id;

-- name: similar_candidates
-- Incidents of the same project sharing a word with the text (full-text OR of its words), or
-- many of its character trigrams (pg_trgm `%`), for re-ranking by vector. At most 2,000
-- matches are ranked, so a word every incident has costs a bounded scan.
SELECT c.* FROM (
    SELECT i.id, i.error_type, i.message, i.frame_path, i.top_frame ->> 'function' AS function,
           i.event_count, i.status, i.last_seen, i.similarity_vector,
           ts_rank(i.search_vector, to_tsquery('simple', :words)) AS rank
    FROM incidents i
    WHERE i.project_id = :project_id AND i.id <> :incident_id
      AND i.merged_into IS NULL AND i.deleted_at IS NULL
      AND (i.search_vector @@ to_tsquery('simple', :words) OR i.search_text % :text)
    LIMIT 2000
) c
ORDER BY c.rank DESC, c.last_seen DESC
LIMIT :limit;

-- name: trash_incident^
UPDATE incidents SET deleted_at = now(), deleted_by = :user_id,
       change_seq = nextval('incident_change_seq'), change_kind = 'updated', updated_at = now()
WHERE id = :incident_id AND deleted_at IS NULL
RETURNING id, change_seq;

-- name: restore_incident^
-- Restore a deleted incident of a live project the user belongs to (no row: 404).
UPDATE incidents i SET deleted_at = NULL, deleted_by = NULL,
       change_seq = nextval('incident_change_seq'), change_kind = 'updated', updated_at = now()
FROM projects p, project_members m
WHERE i.id = :incident_id AND i.deleted_at IS NOT NULL
  AND p.id = i.project_id AND p.deleted_at IS NULL
  AND m.project_id = p.id AND m.user_id = :user_id
RETURNING i.id, i.change_seq;

-- name: restore_project^
-- Restore a deleted project the user owns (no row: 404).
UPDATE projects p SET deleted_at = NULL, updated_at = now()
FROM project_members m
WHERE p.id = :project_id AND p.deleted_at IS NOT NULL
  AND m.project_id = p.id AND m.user_id = :user_id AND m.role IN ('owner', 'admin')
RETURNING p.id;

-- name: trashed_projects
SELECT p.id, p.id AS project_id, p.name AS title, p.deleted_at
FROM projects p JOIN project_members m ON m.project_id = p.id AND m.user_id = :user_id
WHERE p.deleted_at IS NOT NULL AND m.role IN ('owner', 'admin')
ORDER BY p.deleted_at DESC, p.id DESC LIMIT :limit;

-- name: trashed_incidents
SELECT i.id, i.project_id, i.error_type, i.message, i.deleted_at
FROM incidents i
JOIN projects p ON p.id = i.project_id AND p.deleted_at IS NULL
JOIN project_members m ON m.project_id = p.id AND m.user_id = :user_id
WHERE i.deleted_at IS NOT NULL
ORDER BY i.deleted_at DESC, i.id DESC LIMIT :limit;

-- name: purgeable_incidents
-- Incidents deleted before the cutoff, and the incidents merged into them.
SELECT id FROM incidents WHERE deleted_at < :cutoff
UNION
SELECT s.id FROM incidents s JOIN incidents t ON t.id = s.merged_into WHERE t.deleted_at < :cutoff
LIMIT :batch;

-- name: delete_incident_events!
DELETE FROM events WHERE incident_id = ANY (:ids::bigint[]);

-- name: delete_incidents!
DELETE FROM incidents WHERE id = ANY (:ids::bigint[]);

-- name: purgeable_projects
SELECT id FROM projects WHERE deleted_at < :cutoff ORDER BY id LIMIT :batch;

-- name: delete_project_receipts!
DELETE FROM event_receipts WHERE project_id = :project_id;

-- name: delete_project!
DELETE FROM projects WHERE id = :project_id AND deleted_at IS NOT NULL;

-- name: delete_project_events!
DELETE FROM events WHERE incident_id IN (SELECT id FROM incidents WHERE project_id = :project_id);

-- name: merged_ids
SELECT id FROM incidents WHERE merged_into = :incident_id ORDER BY id;
