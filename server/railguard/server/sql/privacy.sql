-- name: get_privacy^
SELECT scrub_emails, scrub_ip_addresses FROM projects
WHERE id = :project_id AND deleted_at IS NULL;

-- name: set_privacy^
UPDATE projects SET
    scrub_emails = coalesce(:scrub_emails, scrub_emails),
    scrub_ip_addresses = coalesce(:scrub_ip_addresses, scrub_ip_addresses),
    updated_at = now()
WHERE id = :project_id AND deleted_at IS NULL
RETURNING scrub_emails, scrub_ip_addresses;
