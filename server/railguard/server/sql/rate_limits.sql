-- name: reserve_events$
-- Grant up to :wanted events of the key's :per_minute in window :window_no, atomically; the
-- value is how many were granted (SET sees the row before the update, so last_grant is exact).
INSERT INTO key_rate_windows AS w (key_id, window_no, used, last_grant)
VALUES (:key_id::bigint, :window_no::bigint, least(:wanted::int, :per_minute::int),
        least(:wanted::int, :per_minute::int))
ON CONFLICT (key_id, window_no) DO UPDATE SET
    used = least(w.used + :wanted::int, greatest(w.used, :per_minute::int)),
    last_grant = least(w.used + :wanted::int, greatest(w.used, :per_minute::int)) - w.used
RETURNING last_grant;

-- name: prune_rate_windows!
DELETE FROM key_rate_windows WHERE window_no < :before;
