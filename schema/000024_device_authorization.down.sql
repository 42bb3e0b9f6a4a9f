DROP TABLE device_authorizations;
ALTER TABLE api_tokens DROP COLUMN device_name, DROP COLUMN scopes;
