"""Cron monitors: check-ins from SDKs, schedules, and missed/failed detection."""
