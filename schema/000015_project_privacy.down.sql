ALTER TABLE projects DROP COLUMN scrub_ip_addresses, DROP COLUMN scrub_emails;
