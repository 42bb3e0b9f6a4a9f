DROP TABLE cron_checkins;
DROP TABLE cron_monitors;
