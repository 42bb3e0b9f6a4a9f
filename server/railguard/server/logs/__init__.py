"""Logs: Sentry SDK log items and OTLP logs, their writer, search and upkeep."""
