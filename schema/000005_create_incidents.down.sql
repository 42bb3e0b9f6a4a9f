DROP TABLE releases;
DROP TABLE incidents;
DROP SEQUENCE incident_change_seq;
