-- Per-key, per-minute event counters for ingest rate limits, shared by every server process
-- and every server on this database. Unlogged: losing the counters in a crash only resets the
-- current minute's limits.
CREATE UNLOGGED TABLE key_rate_windows (
    key_id      bigint NOT NULL,
    window_no   bigint NOT NULL,   -- minutes since the Unix epoch
    used        integer NOT NULL,
    last_grant  integer NOT NULL,  -- events granted by the latest reservation
    PRIMARY KEY (key_id, window_no)
);
