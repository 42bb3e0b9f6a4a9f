-- Optional scrubbing rules per project (the always-on rules need no setting): email
-- addresses and IP addresses in any stored string, the SDK's `user` included.
ALTER TABLE projects
    ADD COLUMN scrub_emails boolean NOT NULL DEFAULT false,
    ADD COLUMN scrub_ip_addresses boolean NOT NULL DEFAULT false;
