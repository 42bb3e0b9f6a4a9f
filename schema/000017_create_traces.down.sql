DROP FUNCTION traces_drop_partitions(date);
DROP FUNCTION traces_ensure_partitions(date, integer);
DROP FUNCTION traces_hist_merge(bigint[], bigint[]);
DROP INDEX events_trace_idx;
DROP TABLE span_stats;
DROP TABLE route_stats;
DROP TABLE spans;
DROP TABLE transactions;
