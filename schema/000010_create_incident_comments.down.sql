DROP TABLE incident_activity;
DROP TABLE incident_comments;
ALTER TABLE incidents DROP COLUMN assignee_id;
