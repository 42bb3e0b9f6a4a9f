DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM projects WHERE deleted_at IS NULL
               GROUP BY lower(repository) HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'two organisations have a live project for the same repository; '
            'delete or change one of them before migrating down';
    END IF;
END $$;

DROP VIEW project_members;
CREATE TABLE project_members (
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('owner', 'member')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);
INSERT INTO project_members (project_id, user_id, role, created_at)
SELECT p.id, m.user_id, CASE WHEN m.role IN ('owner', 'admin') THEN 'owner' ELSE 'member' END,
       m.created_at
  FROM projects p JOIN organization_members m ON m.organization_id = p.organization_id;

DROP INDEX projects_org_repository_live_key;
CREATE UNIQUE INDEX projects_repository_live_key ON projects (lower(repository))
    WHERE deleted_at IS NULL;
DROP INDEX projects_organization_idx;
ALTER TABLE projects DROP COLUMN organization_id;

DROP TABLE invitations;
DROP TABLE organization_members;
DROP TABLE organizations;
