DELETE FROM alert_outbox
WHERE trigger IN ('monitor_down', 'monitor_recovered', 'cert_expiring');
ALTER TABLE alert_outbox DROP CONSTRAINT alert_outbox_trigger_check;
ALTER TABLE alert_outbox ADD CONSTRAINT alert_outbox_trigger_check
    CHECK (trigger IN ('new', 'regressed', 'spike', 'escalation', 'test'));
