-- Which deployed commits contain which commits (docs/releases.md): a deploy registered with the
-- first-parent commits since the previous one, ancestors a language server computed locally when
-- a person resolved, and per incident what is known of its fix reaching a deploy.
CREATE TABLE deploys (
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    commit_sha    text NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{7,64}$'),
    previous_sha  text CHECK (previous_sha ~ '^[0-9a-f]{7,64}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, commit_sha)
);

-- The commits a deploy brought since its previous one (its own commit included).
CREATE TABLE deploy_commits (
    project_id  bigint NOT NULL,
    deploy_sha  text NOT NULL,
    commit_sha  text NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{7,64}$'),
    PRIMARY KEY (project_id, deploy_sha, commit_sha),
    FOREIGN KEY (project_id, deploy_sha) REFERENCES deploys (project_id, commit_sha)
        ON DELETE CASCADE
);
CREATE INDEX deploy_commits_commit_idx ON deploy_commits (project_id, commit_sha);

-- `ancestor_sha` is an ancestor of `commit_sha` (sent by an editor resolving at `commit_sha`).
CREATE TABLE known_ancestors (
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    commit_sha    text NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{7,64}$'),
    ancestor_sha  text NOT NULL CHECK (ancestor_sha ~ '^[0-9a-f]{7,64}$'),
    PRIMARY KEY (project_id, commit_sha, ancestor_sha)
);

ALTER TABLE incidents
    -- The first registered deploy that contains resolved_commit (the fix shipped).
    ADD COLUMN fix_deployed_commit text,
    -- An event came after the resolve from a commit whose ancestry with the fix is unknown.
    ADD COLUMN fix_ancestry_unknown boolean NOT NULL DEFAULT false;

-- Whether `target` is reachable from the deploy `start` through registered deploys: `start`
-- itself, a commit it or an earlier deploy of its chain brought, or an earlier deploy.
CREATE FUNCTION railguard_deploy_chain_has(p bigint, start text, target text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    WITH RECURSIVE chain(sha) AS (
        SELECT start
        UNION
        SELECT d.previous_sha FROM chain c
        JOIN deploys d ON d.project_id = p AND d.commit_sha = c.sha
        WHERE d.previous_sha IS NOT NULL
    )
    SELECT EXISTS (SELECT 1 FROM chain WHERE sha = target)
        OR EXISTS (SELECT 1 FROM chain c JOIN deploy_commits dc
                   ON dc.project_id = p AND dc.deploy_sha = c.sha AND dc.commit_sha = target)
$$;

-- Does the deployed commit `deployed` contain the commit `fix`? true, false, or NULL (unknown).
CREATE FUNCTION railguard_contains(p bigint, deployed text, fix text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN deployed IS NULL OR fix IS NULL THEN NULL
        WHEN deployed = fix THEN true
        WHEN railguard_deploy_chain_has(p, deployed, fix) THEN true
        WHEN railguard_deploy_chain_has(p, fix, deployed) THEN false
        WHEN EXISTS (SELECT 1 FROM known_ancestors a WHERE a.project_id = p
                     AND a.commit_sha = fix AND a.ancestor_sha = deployed) THEN false
        ELSE NULL
    END
$$;

-- The regression rule, the same as `railguard.server.ancestry.judge` (a test runs its table
-- through both): an event after a resolve, from `event_commit`, reopens the incident?
CREATE FUNCTION railguard_is_regression(p bigint, fix text, deploy_at_resolve text,
                                        event_commit text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN fix IS NULL THEN deploy_at_resolve IS NULL
                              OR event_commit IS DISTINCT FROM deploy_at_resolve
        WHEN event_commit IS NULL THEN false
        WHEN event_commit = deploy_at_resolve THEN false
        ELSE coalesce(railguard_contains(p, event_commit, fix), false)
    END
$$;
