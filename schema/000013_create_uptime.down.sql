DROP TABLE uptime_alerts;
DROP TABLE uptime_rollups;
DROP TABLE outages;
DROP TABLE monitors;
DROP TABLE uptime_agents;
