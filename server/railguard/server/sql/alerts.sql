-- name: decide_incident_alerts!
-- Run by the ingest writer in the batch's own transaction, only when the batch created or
-- regressed incidents: one set-based insert of every matching rule's decision into the outbox,
-- throttled per rule and incident, and one wake-up for the dispatchers when anything was decided.
WITH decided AS (
    INSERT INTO alert_outbox (project_id, rule_id, incident_id, trigger, dedupe_key)
    SELECT i.project_id, r.id, i.id, i.change_kind, 'seq:' || i.change_seq
    FROM incidents i
    JOIN alert_rules r ON r.project_id = i.project_id AND r.enabled AND r.kind = i.change_kind
    WHERE i.id = ANY (:incident_ids::bigint[])
      AND i.change_kind IN ('new', 'regressed')
      -- Merged into another or in the trash: people chose not to see it (docs/WEB.md#merge).
      AND i.merged_into IS NULL AND i.deleted_at IS NULL
      AND (cardinality(r.environments) = 0 OR r.environments && i.environments)
      AND (cardinality(r.levels) = 0 OR i.level = ANY (r.levels))
      AND (r.path_prefix IS NULL OR starts_with(coalesce(i.frame_path, ''), r.path_prefix))
      -- Throttle. A new incident cannot have been alerted yet; testing only regressions also
      -- keeps this a per-row index probe instead of an anti-join over the rule's whole outbox.
      AND (i.change_kind = 'new' OR NOT EXISTS (
          SELECT 1 FROM alert_outbox o
          WHERE o.rule_id = r.id AND o.incident_id = i.id
            AND o.created_at > now() - make_interval(mins => r.throttle_minutes)))
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT pg_notify('railguard_alerts', '') FROM (SELECT count(*) AS n FROM decided) c WHERE c.n > 0;

-- name: evaluate_spikes$
-- Spike rules: an incident's events in the rule's window over a threshold, or over a multiple of
-- its usual rate (the 24 hours before the window, scaled to the window). Once per window bucket.
WITH decided AS (
    INSERT INTO alert_outbox (project_id, rule_id, incident_id, trigger, dedupe_key, detail)
    SELECT i.project_id, r.id, i.id, 'spike',
           'spike:' || floor(extract(epoch FROM now()) / (r.window_minutes * 60))::bigint,
           jsonb_build_object('count', w.n, 'window_minutes', r.window_minutes,
                              'usual', round((b.n * r.window_minutes / 1440.0)::numeric, 2))
    FROM alert_rules r
    JOIN incidents i ON i.project_id = r.project_id AND i.status <> 'ignored'
         AND i.last_seen > now() - make_interval(mins => r.window_minutes)
    CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM events e
        WHERE e.incident_id = i.id
          AND e.received_at > now() - make_interval(mins => r.window_minutes)) w
    CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM events e
        WHERE e.incident_id = i.id
          AND e.received_at > now() - make_interval(mins => r.window_minutes) - interval '24 hours'
          AND e.received_at <= now() - make_interval(mins => r.window_minutes)) b
    WHERE r.enabled AND r.kind = 'spike'
      AND (cardinality(r.environments) = 0 OR r.environments && i.environments)
      AND (cardinality(r.levels) = 0 OR i.level = ANY (r.levels))
      AND (r.path_prefix IS NULL OR starts_with(coalesce(i.frame_path, ''), r.path_prefix))
      AND ((r.threshold IS NOT NULL AND w.n > r.threshold)
           OR (r.rate_multiple IS NOT NULL
               AND w.n > r.rate_multiple * greatest(b.n * r.window_minutes / 1440.0, 1)))
      AND NOT EXISTS (
          SELECT 1 FROM alert_outbox o
          WHERE o.rule_id = r.id AND o.incident_id = i.id
            AND o.created_at > now() - make_interval(mins => r.throttle_minutes))
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM decided;

-- name: evaluate_escalations$
-- Escalation rules: an incident still open `after_hours` after it opened or regressed; once per
-- open episode.
WITH decided AS (
    INSERT INTO alert_outbox (project_id, rule_id, incident_id, trigger, dedupe_key, detail)
    SELECT i.project_id, r.id, i.id, 'escalation',
           'open:' || extract(epoch FROM coalesce(i.regressed_at, i.created_at))::text,
           jsonb_build_object('open_hours',
               round((extract(epoch FROM now() - coalesce(i.regressed_at, i.created_at)) / 3600)::numeric, 1))
    FROM alert_rules r
    JOIN incidents i ON i.project_id = r.project_id AND i.status = 'open'
         AND coalesce(i.regressed_at, i.created_at) < now() - make_interval(secs => r.after_hours * 3600)
    WHERE r.enabled AND r.kind = 'escalation' AND r.after_hours IS NOT NULL
      AND (cardinality(r.environments) = 0 OR r.environments && i.environments)
      AND (cardinality(r.levels) = 0 OR i.level = ANY (r.levels))
      AND (r.path_prefix IS NULL OR starts_with(coalesce(i.frame_path, ''), r.path_prefix))
      AND NOT EXISTS (
          SELECT 1 FROM alert_outbox o
          WHERE o.rule_id = r.id AND o.incident_id = i.id
            AND o.created_at > now() - make_interval(mins => r.throttle_minutes))
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM decided;

-- name: claim_job$
-- Take a periodic job if it is due and no other server holds it; it is not due again for
-- `every_seconds`. In the caller's transaction, so a crash before commit gives it back.
UPDATE alert_jobs SET next_run_at = now() + make_interval(secs => :every_seconds),
                      last_run_at = now()
WHERE name = (SELECT name FROM alert_jobs WHERE name = :name AND next_run_at <= now()
              FOR UPDATE SKIP LOCKED)
RETURNING name;

-- name: claim_outbox
-- Decided alerts not yet turned into deliveries; locked so one dispatcher expands each.
-- `live` is false when its rule, incident or project went away since (the outbox has no
-- foreign keys): such a decision is marked expanded and sends nothing.
SELECT o.id, o.project_id, o.rule_id, o.incident_id, o.trigger, o.detail,
       r.kind AS rule_kind, r.channel_ids,
       (r.id IS NOT NULL OR o.rule_id IS NULL) AND p.deleted_at IS NULL
       AND (o.incident_id IS NULL OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = o.incident_id))
       AS live
FROM alert_outbox o
LEFT JOIN alert_rules r ON r.id = o.rule_id
LEFT JOIN projects p ON p.id = o.project_id
WHERE o.expanded_at IS NULL
ORDER BY o.id
LIMIT :limit
FOR UPDATE OF o SKIP LOCKED;

-- name: mark_expanded!
UPDATE alert_outbox SET expanded_at = now() WHERE id = ANY (:ids::bigint[]);

-- name: project_channels
SELECT id, project_id, name, kind, enabled, recipients, url, secret
FROM alert_channels WHERE project_id = ANY (:project_ids::bigint[]) AND enabled
ORDER BY id;

-- name: member_recipients
-- Members of the projects with their preferences (defaults when they set none).
SELECT m.project_id, u.id AS user_id, u.email,
       coalesce(p.enabled, true) AS enabled, p.rule_kinds, p.channels,
       coalesce(p.quiet_until > now(), false) AS quiet,
       coalesce(p.digest, false) AS digest
FROM project_members m
JOIN users u ON u.id = m.user_id
LEFT JOIN alert_preferences p ON p.user_id = m.user_id AND p.project_id = m.project_id
WHERE m.project_id = ANY (:project_ids::bigint[])
ORDER BY m.project_id, u.id;

-- name: recent_alert_counts
-- Deliveries per channel and recipient in the burst window, to turn a burst into a summary.
SELECT channel_id, recipient, count(*) AS n
FROM alert_deliveries
WHERE channel_id = ANY (:channel_ids::bigint[])
  AND created_at > now() - make_interval(secs => :window_seconds)
  AND kind IN ('alert', 'summary')
GROUP BY channel_id, recipient;

-- name: open_summary^
-- A summary for this channel and recipient that is still waiting to go out, to add to.
SELECT id FROM alert_deliveries
WHERE channel_id = :channel_id AND recipient = :recipient AND kind = 'summary'
  AND status = 'pending' AND attempts = 0 AND next_attempt_at > now()
ORDER BY id DESC LIMIT 1
FOR UPDATE SKIP LOCKED;

-- name: extend_summary!
UPDATE alert_deliveries SET outbox_ids = outbox_ids || :outbox_ids::bigint[],
       incident_ids = incident_ids || :incident_ids::bigint[],
       triggers = ARRAY(SELECT DISTINCT t FROM unnest(triggers || :triggers::text[]) t),
       updated_at = now()
WHERE id = :id;

-- name: insert_deliveries
INSERT INTO alert_deliveries (project_id, channel_id, channel_kind, recipient, user_id,
                              idempotency_key, kind, outbox_ids, incident_ids, triggers, status,
                              next_attempt_at, give_up_at)
SELECT d.project_id, d.channel_id, d.channel_kind, d.recipient, d.user_id, d.idempotency_key,
       d.kind, ARRAY(SELECT jsonb_array_elements_text(d.outbox_ids)::bigint),
       ARRAY(SELECT jsonb_array_elements_text(d.incident_ids)::bigint),
       ARRAY(SELECT jsonb_array_elements_text(d.triggers)), d.status,
       now() + make_interval(secs => d.hold_seconds),
       now() + make_interval(secs => :give_up_seconds)
FROM jsonb_to_recordset(:rows::jsonb) AS d(project_id bigint, channel_id bigint,
     channel_kind text, recipient text, user_id bigint, idempotency_key text, kind text,
     outbox_ids jsonb, incident_ids jsonb, triggers jsonb, status text, hold_seconds double precision)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id;

-- name: claim_due_deliveries
-- Deliveries due now, locked for the duration of the attempt: a crash (or kill -9) drops the
-- connection, the lock goes with it and another dispatcher retries with the same key.
SELECT d.*, c.url, c.secret, p.name AS project_name, p.repository
FROM alert_deliveries d
LEFT JOIN alert_channels c ON c.id = d.channel_id
JOIN projects p ON p.id = d.project_id
WHERE d.status = 'pending' AND d.next_attempt_at <= now()
  AND (:only_ids::bigint[] IS NULL OR d.id = ANY (:only_ids))
ORDER BY d.next_attempt_at, d.id
LIMIT :limit
FOR UPDATE OF d SKIP LOCKED;

-- name: next_due$
SELECT min(next_attempt_at) FROM alert_deliveries WHERE status = 'pending';

-- name: incidents_by_id
SELECT i.id, i.project_id, i.status, i.level, i.error_type, i.message, i.event_count,
       i.first_seen, i.last_seen, i.environments, i.frame_path, i.frame_line, i.latest_stack,
       i.top_frame, i.regression_count, i.latest_commit
FROM incidents i WHERE i.id = ANY (:ids::bigint[]);

-- name: outbox_details
SELECT id, incident_id, trigger, detail FROM alert_outbox WHERE id = ANY (:ids::bigint[]);

-- name: record_attempt!
-- The outcome of one attempt: delivered, retried later, or given up (failed, visible).
UPDATE alert_deliveries SET
    attempts = attempts + 1,
    subject = :subject,
    status = CASE WHEN :ok THEN 'delivered'
                  WHEN :final OR now() + make_interval(secs => :retry_in) > give_up_at
                  THEN 'failed'
                  ELSE 'pending' END,
    delivered_at = CASE WHEN :ok THEN now() ELSE delivered_at END,
    next_attempt_at = CASE WHEN :ok THEN next_attempt_at
                           ELSE now() + make_interval(secs => :retry_in) END,
    last_error = CASE WHEN :ok THEN last_error ELSE :error END,
    updated_at = now()
WHERE id = :id;

-- name: due_digests
-- People on the daily digest whose last digest is a day old and who have alerts held for it:
-- the incidents, and the decisions of held alerts without an incident (uptime events).
SELECT p.user_id, p.project_id, u.email, min(d.channel_id) AS channel_id,
       array_agg(DISTINCT d.id) AS delivery_ids,
       coalesce(array_agg(DISTINCT i) FILTER (WHERE i IS NOT NULL), '{}') AS incident_ids,
       coalesce(array_agg(DISTINCT o) FILTER (WHERE cardinality(d.incident_ids) = 0
                                              AND o IS NOT NULL), '{}') AS outbox_ids
FROM alert_preferences p
JOIN users u ON u.id = p.user_id
JOIN alert_deliveries d ON d.user_id = p.user_id AND d.project_id = p.project_id
     AND d.status = 'held'
LEFT JOIN LATERAL unnest(d.incident_ids) AS i ON true
LEFT JOIN LATERAL unnest(d.outbox_ids) AS o ON true
WHERE p.digest
  AND coalesce(p.last_digest_at, '-infinity') <= now() - make_interval(secs => :interval_seconds)
GROUP BY p.user_id, p.project_id, u.email;

-- name: close_digest!
UPDATE alert_deliveries SET status = 'digested', updated_at = now()
WHERE id = ANY (:ids::bigint[]) AND status = 'held';

-- name: stamp_digest!
UPDATE alert_preferences SET last_digest_at = now() WHERE user_id = :user_id AND project_id = :project_id;

-- name: notify_alerts!
SELECT pg_notify('railguard_alerts', '');

-- name: prune_alerts!
-- Expanded decisions outlive the longest throttle window (7 days), then go; the delivery log
-- keeps finished deliveries for 90 days.
WITH gone AS (
    DELETE FROM alert_outbox WHERE expanded_at < now() - interval '8 days'
)
DELETE FROM alert_deliveries
WHERE status IN ('delivered', 'failed', 'digested') AND updated_at < now() - interval '90 days';
