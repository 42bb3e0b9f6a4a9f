-- name: count_usage!
-- Stored events per project, added to their organisations' current month. Rows are touched in
-- organisation order so concurrent writers never deadlock on them.
INSERT INTO usage (organization_id, month, events)
SELECT p.organization_id, date_trunc('month', now() AT TIME ZONE 'UTC')::date, sum(u.n)
  FROM unnest(:project_ids::bigint[], :counts::bigint[]) AS u(id, n)
  JOIN projects p ON p.id = u.id
 GROUP BY p.organization_id
 ORDER BY p.organization_id
ON CONFLICT (organization_id, month) DO UPDATE SET events = usage.events + EXCLUDED.events;

-- name: project_quota^
-- The event quota of a project's organisation and what it used this month.
SELECT o.id AS organization_id, o.event_quota, coalesce(u.events, 0) AS used,
       coalesce(u.notified_percent, 0) AS notified_percent,
       extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month'
               - (now() AT TIME ZONE 'UTC'))::bigint AS seconds_left
  FROM projects p JOIN organizations o ON o.id = p.organization_id
  LEFT JOIN usage u ON u.organization_id = o.id
       AND u.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
 WHERE p.id = :project_id;

-- name: claim_usage_notice$
-- Mark `percent` announced for this month; true for the one caller that should announce it.
UPDATE usage SET notified_percent = :percent
 WHERE organization_id = :organization_id
   AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
   AND notified_percent < :percent
RETURNING true;

-- name: usage_months
SELECT month, events, spans, logs, monitors FROM usage
 WHERE organization_id = :organization_id ORDER BY month DESC LIMIT :limit;

-- name: set_event_quota^
UPDATE organizations SET event_quota = :event_quota, updated_at = now()
 WHERE id = :organization_id
RETURNING event_quota;

-- name: organization_quota$
SELECT event_quota FROM organizations WHERE id = :organization_id;

-- name: org_admin_emails
SELECT u.email FROM organization_members m JOIN users u ON u.id = m.user_id
 WHERE m.organization_id = :organization_id AND m.role IN ('owner', 'admin') ORDER BY u.id;

-- name: organization_name$
SELECT name FROM organizations WHERE id = :organization_id;

-- name: org_hook_channels
-- The enabled webhook channels (generic, Slack, Discord, Teams) of the organisation's projects.
SELECT c.kind, c.url, c.secret FROM alert_channels c
  JOIN projects p ON p.id = c.project_id AND p.deleted_at IS NULL
 WHERE p.organization_id = :organization_id AND c.enabled AND c.kind <> 'email'
 ORDER BY c.id;

-- name: count_telemetry_usage!
-- Stored spans (transactions included) and log records per project, added to their
-- organisations' current month; same row order as `count_usage`.
INSERT INTO usage (organization_id, month, spans, logs)
SELECT p.organization_id, date_trunc('month', now() AT TIME ZONE 'UTC')::date, sum(u.s), sum(u.l)
  FROM unnest(:project_ids::bigint[], :spans::bigint[], :logs::bigint[]) AS u(id, s, l)
  JOIN projects p ON p.id = u.id
 GROUP BY p.organization_id
 ORDER BY p.organization_id
ON CONFLICT (organization_id, month) DO UPDATE
   SET spans = usage.spans + EXCLUDED.spans, logs = usage.logs + EXCLUDED.logs;
