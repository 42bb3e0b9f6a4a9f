DROP TABLE key_rate_windows;
