-- name: insert_receipts
-- Claim event ids; only the ids returned are new (re-sent events are dropped here).
INSERT INTO event_receipts (project_id, event_id)
SELECT * FROM unnest(:project_ids::bigint[], :event_ids::uuid[])
ON CONFLICT DO NOTHING
RETURNING project_id, event_id;

-- name: release_commits
SELECT r.project_id, r.version, r.commit_sha
FROM releases r JOIN unnest(:project_ids::bigint[], :versions::text[]) AS q(project_id, version)
  ON r.project_id = q.project_id AND r.version = q.version;

-- name: upsert_incidents
-- One row per (project, fingerprint) of the batch, already aggregated. A resolved incident that
-- sees an event after its resolve reopens when `railguard_is_regression` says so (docs/releases.md).
INSERT INTO incidents AS i (
    project_id, grouping_version, fingerprint, grouping_parts, level, error_type, message,
    environments, event_count, first_seen, last_seen, first_commit, latest_commit,
    frame_path, frame_line, frame_column, top_frame, latest_stack, latest_event_id,
    change_seq, change_kind)
SELECT b.project_id, b.grouping_version, b.fingerprint, b.grouping_parts, b.level, b.error_type,
       b.message, string_to_array(b.environments, E'\n'), b.event_count, b.first_seen, b.last_seen, b.first_commit,
       b.latest_commit, b.frame_path, b.frame_line, b.frame_column, b.top_frame, b.latest_stack,
       b.latest_event_id, nextval('incident_change_seq'), 'new'
FROM unnest(:project_ids::bigint[], :grouping_versions::int[], :fingerprints::text[],
            :grouping_parts::text[]::jsonb[], :levels::text[], :error_types::text[], :messages::text[],
            :environments::text[], :event_counts::bigint[], :first_seens::timestamptz[],
            :last_seens::timestamptz[], :first_commits::text[], :latest_commits::text[],
            :frame_paths::text[], :frame_lines::int[], :frame_columns::int[],
            :top_frames::text[]::jsonb[], :latest_stacks::text[]::jsonb[], :latest_event_ids::uuid[])
     AS b(project_id, grouping_version, fingerprint, grouping_parts, level, error_type, message,
          environments, event_count, first_seen, last_seen, first_commit, latest_commit,
          frame_path, frame_line, frame_column, top_frame, latest_stack, latest_event_id)
ON CONFLICT (project_id, grouping_version, fingerprint) DO UPDATE SET
    event_count = i.event_count + EXCLUDED.event_count,
    first_seen = least(i.first_seen, EXCLUDED.first_seen),
    last_seen = greatest(i.last_seen, EXCLUDED.last_seen),
    environments = ARRAY(SELECT DISTINCT e FROM unnest(i.environments || EXCLUDED.environments) e
                         ORDER BY e),
    first_commit = coalesce(i.first_commit, EXCLUDED.first_commit),
    -- The newest event of the batch describes the incident now (if it is newer than what we had).
    level = CASE WHEN EXCLUDED.last_seen >= i.last_seen THEN EXCLUDED.level ELSE i.level END,
    message = CASE WHEN EXCLUDED.last_seen >= i.last_seen THEN EXCLUDED.message ELSE i.message END,
    latest_commit = CASE WHEN EXCLUDED.last_seen >= i.last_seen
                         THEN coalesce(EXCLUDED.latest_commit, i.latest_commit)
                         ELSE i.latest_commit END,
    frame_path = CASE WHEN EXCLUDED.last_seen >= i.last_seen THEN EXCLUDED.frame_path
                      ELSE i.frame_path END,
    frame_line = CASE WHEN EXCLUDED.last_seen >= i.last_seen THEN EXCLUDED.frame_line
                      ELSE i.frame_line END,
    frame_column = CASE WHEN EXCLUDED.last_seen >= i.last_seen THEN EXCLUDED.frame_column
                        ELSE i.frame_column END,
    top_frame = CASE WHEN EXCLUDED.last_seen >= i.last_seen THEN EXCLUDED.top_frame
                     ELSE i.top_frame END,
    latest_stack = CASE WHEN EXCLUDED.last_seen >= i.last_seen THEN EXCLUDED.latest_stack
                        ELSE i.latest_stack END,
    latest_event_id = CASE WHEN EXCLUDED.last_seen >= i.last_seen THEN EXCLUDED.latest_event_id
                           ELSE i.latest_event_id END,
    status = CASE WHEN i.status = 'resolved' AND EXCLUDED.last_seen > i.resolved_at
                       AND railguard_is_regression(i.project_id, i.resolved_commit,
                               i.resolved_deploy_commit, EXCLUDED.latest_commit)
                  THEN 'open' ELSE i.status END,
    regressed_at = CASE WHEN i.status = 'resolved' AND EXCLUDED.last_seen > i.resolved_at
                       AND railguard_is_regression(i.project_id, i.resolved_commit,
                               i.resolved_deploy_commit, EXCLUDED.latest_commit)
                       THEN now() ELSE i.regressed_at END,
    regression_count = i.regression_count
        + CASE WHEN i.status = 'resolved' AND EXCLUDED.last_seen > i.resolved_at
                       AND railguard_is_regression(i.project_id, i.resolved_commit,
                               i.resolved_deploy_commit, EXCLUDED.latest_commit)
               THEN 1 ELSE 0 END,
    change_kind = CASE WHEN i.status = 'resolved' AND EXCLUDED.last_seen > i.resolved_at
                       AND railguard_is_regression(i.project_id, i.resolved_commit,
                               i.resolved_deploy_commit, EXCLUDED.latest_commit)
                       THEN 'regressed' ELSE 'updated' END,
    fix_ancestry_unknown = i.fix_ancestry_unknown
        OR (i.status = 'resolved' AND i.resolved_commit IS NOT NULL
            AND EXCLUDED.last_seen > i.resolved_at
            AND (EXCLUDED.latest_commit IS NULL
                 OR (EXCLUDED.latest_commit IS DISTINCT FROM i.resolved_deploy_commit
                     AND railguard_contains(i.project_id, EXCLUDED.latest_commit,
                                            i.resolved_commit) IS NULL))),
    change_seq = nextval('incident_change_seq'),
    updated_at = now()
RETURNING id, project_id, grouping_version, fingerprint, change_seq, change_kind, merged_into;

-- name: insert_events!
INSERT INTO events (event_id, project_id, incident_id, received_at, occurred_at, level, error_type,
                    message, commit_sha, commit_source, environment, release, deployment_id,
                    platform, tags, payload)
SELECT * FROM unnest(:event_ids::uuid[], :project_ids::bigint[], :incident_ids::bigint[],
                     :received_ats::timestamptz[], :occurred_ats::timestamptz[], :levels::text[],
                     :error_types::text[], :messages::text[], :commit_shas::text[],
                     :commit_sources::text[], :environments::text[], :releases::text[],
                     :deployment_ids::text[], :platforms::text[], :tags::text[]::jsonb[],
                     :payloads::text[]::jsonb[]);

-- name: bump_key_usage!
UPDATE ingest_keys k SET usage_count = k.usage_count + u.n, last_used_at = now()
FROM unnest(:key_ids::bigint[], :counts::bigint[]) AS u(id, n)
WHERE k.id = u.id;

-- name: lock_change_feed!
-- Incident-changing transactions take this lock before numbering changes, so change_seq
-- values commit in order and a feed reader at seq N never misses a smaller one.
SELECT pg_advisory_xact_lock(7374657);

-- name: notify_changes!
SELECT pg_notify('railguard_changes', :seq::text);

-- name: ensure_event_partitions$
SELECT railguard_ensure_event_partitions(current_date, 3);
