"""Railguard backend: the aiohttp service, its PostgreSQL data layer, ingest and the operator CLI."""
