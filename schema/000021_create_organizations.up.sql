-- Organisations own projects; people belong to organisations with a role. Nobody is added
-- without accepting an invitation (docs/accounts.md).
CREATE TABLE organizations (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Set on the organisation made for one person's own projects (found again when they create
    -- a project without naming an organisation).
    personal_owner_id  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_personal_owner_idx ON organizations (personal_owner_id);

CREATE TABLE organization_members (
    organization_id  bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user_idx ON organization_members (user_id);

-- The link's secret is random; only its SHA-256 is stored.
CREATE TABLE invitations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id  bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    role             text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    token_hash       bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    invited_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    accepted_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    revoked_at       timestamptz
);
CREATE INDEX invitations_organization_idx ON invitations (organization_id, created_at DESC);

-- Existing data: each project creator gets a personal organisation holding their projects; the
-- members of those projects become its members (an owner of any of them an owner of it).
INSERT INTO organizations (name, personal_owner_id)
SELECT left(coalesce(nullif(u.display_name, ''), u.email), 200), u.id
  FROM users u WHERE u.id IN (SELECT owner_id FROM projects) ORDER BY u.id;

ALTER TABLE projects ADD COLUMN organization_id bigint REFERENCES organizations (id);
UPDATE projects p SET organization_id = o.id
  FROM organizations o WHERE o.personal_owner_id = p.owner_id;
ALTER TABLE projects ALTER COLUMN organization_id SET NOT NULL;
CREATE INDEX projects_organization_idx ON projects (organization_id);

INSERT INTO organization_members (organization_id, user_id, role, created_at)
SELECT p.organization_id, m.user_id,
       CASE WHEN bool_or(m.role = 'owner') THEN 'owner' ELSE 'member' END, min(m.created_at)
  FROM project_members m JOIN projects p ON p.id = m.project_id
 GROUP BY p.organization_id, m.user_id;

-- A repository is unique per organisation, not across tenants.
DROP INDEX projects_repository_live_key;
CREATE UNIQUE INDEX projects_org_repository_live_key
    ON projects (organization_id, lower(repository)) WHERE deleted_at IS NULL;

-- Project membership is now organisation membership; the name stays for the readers of it
-- (incident visibility, alert recipients, comments, uptime).
DROP TABLE project_members;
CREATE VIEW project_members AS
SELECT p.id AS project_id, m.user_id, m.role, m.created_at
  FROM projects p JOIN organization_members m ON m.organization_id = p.organization_id;
