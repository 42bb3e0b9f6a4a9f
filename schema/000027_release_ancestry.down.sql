DROP FUNCTION railguard_is_regression(bigint, text, text, text);
DROP FUNCTION railguard_contains(bigint, text, text);
DROP FUNCTION railguard_deploy_chain_has(bigint, text, text);
ALTER TABLE incidents DROP COLUMN fix_ancestry_unknown, DROP COLUMN fix_deployed_commit;
DROP TABLE known_ancestors;
DROP TABLE deploy_commits;
DROP TABLE deploys;
