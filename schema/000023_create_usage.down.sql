ALTER TABLE organizations DROP COLUMN event_quota;
DROP TABLE usage;
