DROP TABLE alert_jobs;
DROP TABLE alert_deliveries;
DROP TABLE alert_outbox;
DROP TABLE alert_preferences;
DROP TABLE alert_channels;
DROP TABLE alert_rules;
