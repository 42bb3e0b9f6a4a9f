-- name: event_page
-- An incident's events (with those of incidents merged into it), newest first, before a
-- received_at cursor. Each incident is its own index scan that stops at :limit rows, so a big
-- incident's page never sorts all its events.
SELECT e.* FROM (SELECT :incident_id::bigint AS id UNION ALL
                 SELECT id FROM incidents WHERE merged_into = :incident_id) g,
LATERAL (
    SELECT event_id, received_at, occurred_at, level, message, commit_sha, commit_source,
           environment, release, tags
    FROM events
    WHERE incident_id = g.id AND (:before::timestamptz IS NULL OR received_at < :before)
    ORDER BY received_at DESC
    LIMIT :limit
) e
ORDER BY e.received_at DESC
LIMIT :limit;

-- name: event_payload^
-- One event of an incident with its scrubbed payload.
SELECT event_id, received_at, occurred_at, level, message, commit_sha, commit_source,
       environment, release, tags, payload
FROM events WHERE event_id = :event_id
  AND incident_id IN (SELECT :incident_id::bigint UNION ALL
                      SELECT id FROM incidents WHERE merged_into = :incident_id);
