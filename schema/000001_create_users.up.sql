-- People who sign in: by password (Argon2id hash) or, later, through GitHub OAuth.
CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    display_name    text NOT NULL DEFAULT '',
    password_hash   text,
    github_id       bigint UNIQUE,
    github_login    text,
    github_avatar_url text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Case-insensitive uniqueness without depending on the citext extension.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
