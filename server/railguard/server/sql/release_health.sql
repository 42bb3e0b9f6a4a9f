-- name: add_session_counts!
INSERT INTO session_counts AS c (project_id, release, environment, hour, started, exited, errored,
                                 crashed, abnormal)
SELECT :project_id, * FROM unnest(:releases::text[], :environments::text[], :hours::timestamptz[],
                                  :started::bigint[], :exited::bigint[], :errored::bigint[],
                                  :crashed::bigint[], :abnormal::bigint[])
ON CONFLICT (project_id, release, environment, hour) DO UPDATE SET
    started = c.started + EXCLUDED.started, exited = c.exited + EXCLUDED.exited,
    errored = c.errored + EXCLUDED.errored, crashed = c.crashed + EXCLUDED.crashed,
    abnormal = c.abnormal + EXCLUDED.abnormal;

-- name: add_session_users!
INSERT INTO session_users AS u (project_id, release, environment, distinct_id, crashed, errored,
                                last_seen)
SELECT :project_id, r, e, d, bool_or(c), bool_or(x), :seen
FROM unnest(:releases::text[], :environments::text[], :distinct_ids::text[],
            :crashed::boolean[], :errored::boolean[]) AS t(r, e, d, c, x)
GROUP BY r, e, d
ORDER BY r, e, d
ON CONFLICT (project_id, release, environment, distinct_id) DO UPDATE SET
    crashed = u.crashed OR EXCLUDED.crashed, errored = u.errored OR EXCLUDED.errored,
    last_seen = greatest(u.last_seen, EXCLUDED.last_seen);

-- name: release_health
-- Per release and environment over the last :days days: counts, and distinct users.
SELECT c.release, c.environment, c.started, c.exited, c.errored, c.crashed, c.abnormal,
       c.last_hour, coalesce(u.users, 0) AS users, coalesce(u.crashed_users, 0) AS crashed_users
FROM (
    SELECT release, environment, sum(started)::bigint AS started, sum(exited)::bigint AS exited,
           sum(errored)::bigint AS errored, sum(crashed)::bigint AS crashed,
           sum(abnormal)::bigint AS abnormal, max(hour) AS last_hour
    FROM session_counts
    WHERE project_id = :project_id AND hour >= now() - make_interval(days => :days)
    GROUP BY release, environment
) c
LEFT JOIN (
    SELECT release, environment, count(*) AS users, count(*) FILTER (WHERE crashed) AS crashed_users
    FROM session_users
    WHERE project_id = :project_id AND last_seen >= now() - make_interval(days => :days)
    GROUP BY release, environment
) u USING (release, environment)
ORDER BY c.last_hour DESC, c.release, c.environment
LIMIT :limit;

-- name: release_health_hours
SELECT hour, environment, started, exited, errored, crashed, abnormal
FROM session_counts
WHERE project_id = :project_id AND release = :release
  AND hour >= now() - make_interval(days => :days)
ORDER BY hour, environment;
