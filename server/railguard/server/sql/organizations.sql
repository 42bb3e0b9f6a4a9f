-- name: create_organization^
INSERT INTO organizations (name, personal_owner_id) VALUES (:name, :personal_owner_id)
RETURNING id, name, personal_owner_id IS NOT NULL AS personal, created_at, updated_at;

-- name: lock_user!
-- Serialise the lazy creation of one person's personal organisation.
SELECT 1 FROM users WHERE id = :user_id FOR UPDATE;

-- name: personal_organization$
-- The personal organisation of the user, one they still own.
SELECT o.id FROM organizations o
  JOIN organization_members m ON m.organization_id = o.id AND m.user_id = :user_id
 WHERE o.personal_owner_id = :user_id AND m.role = 'owner'
 ORDER BY o.id LIMIT 1;

-- name: put_org_member!
INSERT INTO organization_members (organization_id, user_id, role)
VALUES (:organization_id, :user_id, :role)
ON CONFLICT (organization_id, user_id) DO NOTHING;

-- name: list_organizations
SELECT o.id, o.name, o.personal_owner_id IS NOT NULL AS personal, o.created_at, o.updated_at,
       m.role
  FROM organizations o
  JOIN organization_members m ON m.organization_id = o.id AND m.user_id = :user_id
 ORDER BY o.id;

-- name: get_organization^
-- One organisation, only if the user belongs to it (else no row: 404, never a leak).
SELECT o.id, o.name, o.personal_owner_id IS NOT NULL AS personal, o.created_at, o.updated_at,
       m.role
  FROM organizations o
  JOIN organization_members m ON m.organization_id = o.id AND m.user_id = :user_id
 WHERE o.id = :organization_id;

-- name: rename_organization^
UPDATE organizations SET name = :name, updated_at = now() WHERE id = :organization_id
RETURNING id, name, personal_owner_id IS NOT NULL AS personal, created_at, updated_at;

-- name: lock_organization!
-- Serialise membership changes of one organisation (the last owner must stay).
SELECT 1 FROM organizations WHERE id = :organization_id FOR UPDATE;

-- name: list_org_members
SELECT m.user_id, u.email, u.display_name, m.role, m.created_at
  FROM organization_members m JOIN users u ON u.id = m.user_id
 WHERE m.organization_id = :organization_id ORDER BY m.created_at, m.user_id;

-- name: get_org_member_role$
SELECT role FROM organization_members
 WHERE organization_id = :organization_id AND user_id = :user_id;

-- name: set_org_member_role$
UPDATE organization_members SET role = :role
 WHERE organization_id = :organization_id AND user_id = :user_id
RETURNING role;

-- name: remove_org_member$
DELETE FROM organization_members WHERE organization_id = :organization_id AND user_id = :user_id
RETURNING role;

-- name: count_org_owners$
SELECT count(*) FROM organization_members
 WHERE organization_id = :organization_id AND role = 'owner';

-- name: create_invitation^
INSERT INTO invitations (organization_id, email, role, token_hash, invited_by, expires_at)
VALUES (:organization_id, :email, :role, :token_hash, :invited_by, :expires_at)
RETURNING id, organization_id, email, role, created_at, expires_at, accepted_at, revoked_at;

-- name: list_invitations
SELECT id, organization_id, email, role, created_at, expires_at, accepted_at, revoked_at
  FROM invitations WHERE organization_id = :organization_id ORDER BY created_at DESC, id DESC;

-- name: revoke_invitation^
UPDATE invitations SET revoked_at = now()
 WHERE id = :invitation_id AND organization_id = :organization_id
   AND revoked_at IS NULL AND accepted_at IS NULL
RETURNING id, organization_id, email, role, created_at, expires_at, accepted_at, revoked_at;

-- name: invitation_by_token^
-- The invitation a link carries, with its organisation's name, whatever its state.
SELECT i.id, i.organization_id, i.email, i.role, i.created_at, i.expires_at, i.accepted_at,
       i.revoked_at, o.name AS organization_name, i.expires_at <= now() AS expired
  FROM invitations i JOIN organizations o ON o.id = i.organization_id
 WHERE i.token_hash = :token_hash
 FOR UPDATE OF i;

-- name: mark_invitation_accepted!
UPDATE invitations SET accepted_at = now(), accepted_by = :user_id WHERE id = :invitation_id;

-- name: upsert_org_member_at_least!
-- Accepting never lowers a role someone already has.
INSERT INTO organization_members (organization_id, user_id, role)
VALUES (:organization_id, :user_id, :role)
ON CONFLICT (organization_id, user_id) DO UPDATE SET role = CASE
    WHEN array_position(ARRAY['viewer', 'member', 'admin', 'owner'], EXCLUDED.role)
       > array_position(ARRAY['viewer', 'member', 'admin', 'owner'], organization_members.role)
    THEN EXCLUDED.role ELSE organization_members.role END;

-- name: incident_role$
-- The caller's organisation role for an incident's live project (no row: not theirs).
SELECT m.role FROM incidents i
  JOIN projects p ON p.id = i.project_id AND p.deleted_at IS NULL
  JOIN organization_members m ON m.organization_id = p.organization_id AND m.user_id = :user_id
 WHERE i.id = :incident_id;

-- name: viewer_of_any_incident$
-- Whether the caller only views the project of any of these incidents.
SELECT EXISTS (
    SELECT 1 FROM incidents i
      JOIN projects p ON p.id = i.project_id AND p.deleted_at IS NULL
      JOIN organization_members m
        ON m.organization_id = p.organization_id AND m.user_id = :user_id
     WHERE i.id = ANY(:incident_ids::bigint[]) AND m.role = 'viewer');

-- name: outage_role$
SELECT m.role FROM outages o
  JOIN projects p ON p.id = o.project_id AND p.deleted_at IS NULL
  JOIN organization_members m ON m.organization_id = p.organization_id AND m.user_id = :user_id
 WHERE o.id = :outage_id;

-- name: has_open_invitation$
-- Whether some organisation invited this address and the link is still good (invite-only
-- sign-up admits it).
SELECT EXISTS (
    SELECT 1 FROM invitations
     WHERE lower(email) = lower(:email) AND accepted_at IS NULL AND revoked_at IS NULL
       AND expires_at > now()
);

-- name: project_role_any$
-- The caller's organisation role for a project, live or in the trash (no row: not theirs).
SELECT m.role FROM projects p
  JOIN organization_members m ON m.organization_id = p.organization_id AND m.user_id = :user_id
 WHERE p.id = :project_id;
