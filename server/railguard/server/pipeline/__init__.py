"""The stateful half of ingest: group-commit writer, live feed, rate limits and key lookups."""
