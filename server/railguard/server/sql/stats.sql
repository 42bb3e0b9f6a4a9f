-- name: daily_event_counts
-- Events per UTC day (age 0 = today) of each incident, over the last :days days.
SELECT incident_id,
       ((now() AT TIME ZONE 'UTC')::date - (received_at AT TIME ZONE 'UTC')::date) AS age,
       count(*) AS n
  FROM events
 WHERE incident_id = ANY (:incident_ids::bigint[])
   AND received_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                      - make_interval(days => :days - 1)
 GROUP BY 1, 2;

-- name: hourly_event_counts
-- Events per hour (age 0 = the current hour) of one incident, over the last :hours hours.
SELECT floor(extract(epoch FROM date_trunc('hour', now()) - date_trunc('hour', received_at))
             / 3600)::int AS age,
       count(*) AS n
  FROM events
 WHERE incident_id IN (SELECT :incident_id::bigint UNION ALL
                       SELECT id FROM incidents WHERE merged_into = :incident_id)
   AND received_at >= date_trunc('hour', now()) - make_interval(hours => :hours - 1)
 GROUP BY 1;

-- name: environment_breakdown
-- An incident's events by environment, largest first.
SELECT coalesce(environment, '') AS k, count(*) AS n
  FROM events
 WHERE incident_id IN (SELECT :incident_id::bigint UNION ALL
                       SELECT id FROM incidents WHERE merged_into = :incident_id)
 GROUP BY 1 ORDER BY n DESC, k LIMIT :top;

-- name: release_breakdown
-- An incident's events by release, largest first.
SELECT coalesce(release, '') AS k, count(*) AS n
  FROM events
 WHERE incident_id IN (SELECT :incident_id::bigint UNION ALL
                       SELECT id FROM incidents WHERE merged_into = :incident_id)
 GROUP BY 1 ORDER BY n DESC, k LIMIT :top;
