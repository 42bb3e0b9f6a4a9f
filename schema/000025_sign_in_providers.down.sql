DROP TABLE access_requests;
DROP TABLE sso_states;
DROP TABLE user_identities;
