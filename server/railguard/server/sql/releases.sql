-- name: register_deploy^
-- A deploy of `commit_sha`; registering it again replaces its previous deploy and commits.
INSERT INTO deploys (project_id, commit_sha, previous_sha)
VALUES (:project_id, :commit_sha, :previous_sha)
ON CONFLICT (project_id, commit_sha) DO UPDATE SET previous_sha = EXCLUDED.previous_sha
RETURNING project_id, commit_sha, previous_sha, created_at;

-- name: clear_deploy_commits!
DELETE FROM deploy_commits WHERE project_id = :project_id AND deploy_sha = :deploy_sha;

-- name: add_deploy_commits!
INSERT INTO deploy_commits (project_id, deploy_sha, commit_sha)
SELECT :project_id, :deploy_sha, c FROM unnest(:commits::text[]) AS c
ON CONFLICT DO NOTHING;

-- name: add_known_ancestors!
INSERT INTO known_ancestors (project_id, commit_sha, ancestor_sha)
SELECT :project_id, :commit_sha, a FROM unnest(:ancestors::text[]) AS a
WHERE a <> :commit_sha
ON CONFLICT DO NOTHING;

-- name: mark_fixes_deployed
-- The resolved incidents whose fix this deploy contains: their fix has shipped. Each change is
-- numbered like any other, so editors hear of it on the live feed.
UPDATE incidents i SET
    fix_deployed_commit = :deploy_sha,
    change_kind = 'updated',
    change_seq = nextval('incident_change_seq'),
    updated_at = now()
WHERE i.project_id = :project_id AND i.status = 'resolved' AND i.resolved_commit IS NOT NULL
  AND i.fix_deployed_commit IS NULL
  AND railguard_contains(:project_id, :deploy_sha, i.resolved_commit) IS TRUE
RETURNING i.id, i.change_seq;

-- name: deploy_containing$
-- The earliest registered deploy that contains `fix`, or NULL.
SELECT d.commit_sha FROM deploys d
WHERE d.project_id = :project_id AND railguard_contains(:project_id, d.commit_sha, :fix) IS TRUE
ORDER BY d.created_at, d.commit_sha
LIMIT 1;

-- name: set_fix_deployed!
UPDATE incidents SET fix_deployed_commit = :deploy_sha WHERE id = :incident_id;

-- name: commit_contains$
-- Whether the deployed commit contains the fix: true, false or NULL (unknown).
SELECT railguard_contains(:project_id, :deployed, :fix);

-- name: is_regression$
SELECT railguard_is_regression(:project_id, :fix, :deploy_at_resolve, :event_commit);
