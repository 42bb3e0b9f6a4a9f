DROP FUNCTION uptime_drop_heartbeat_partitions(date);
DROP FUNCTION uptime_ensure_heartbeat_partitions(date, integer);
DROP TABLE heartbeats;
