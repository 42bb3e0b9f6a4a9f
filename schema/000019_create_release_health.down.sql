DROP TABLE session_users;
DROP TABLE session_counts;
