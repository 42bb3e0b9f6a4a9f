"""Railguard backend: the aiohttp service, its data layer, ingest and the operator CLI."""
