-- What people did in an organisation, for its owners and admins (docs/accounts.md).
CREATE TABLE audit_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id  bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    actor_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    -- A dotted verb: member.role, project.update, key.revoke, incident.resolve, token.create, ...
    action           text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    -- What it was done to: `project:12`, `user:3`, `invitation:7`, ...
    target           text NOT NULL DEFAULT '' CHECK (length(target) <= 300),
    detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
    address          text NOT NULL DEFAULT '' CHECK (length(address) <= 100),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_organization_idx ON audit_log (organization_id, id DESC);
