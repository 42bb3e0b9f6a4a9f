-- name: ping$
-- The cheapest round trip that proves the database answers.
SELECT 1;
