DROP TABLE discarded_items;
DROP FUNCTION logs_drop_partitions(date);
DROP FUNCTION logs_ensure_partitions(date, integer);
DROP TABLE logs;
DROP SEQUENCE log_id_seq;
