DROP FUNCTION railguard_ensure_event_partitions(date, integer);
DROP TABLE event_receipts;
DROP TABLE events;
