"""Uptime monitoring: checks (``checks/``), the pure state machine and statistics, the
PostgreSQL-claimed scheduler that runs in every server process (the built-in agent), the
external agent process, and the data layer behind the monitors API. See docs/uptime.md."""
