-- Uptime events (monitor down, recovered, certificate expiring) are decided into the alert
-- outbox in the transaction that changed the monitor, and delivered like incident alerts.
-- See docs/uptime.md and docs/alerts.md.
ALTER TABLE alert_outbox DROP CONSTRAINT alert_outbox_trigger_check;
ALTER TABLE alert_outbox ADD CONSTRAINT alert_outbox_trigger_check
    CHECK (trigger IN ('new', 'regressed', 'spike', 'escalation', 'test',
                       'monitor_down', 'monitor_recovered', 'cert_expiring'));
