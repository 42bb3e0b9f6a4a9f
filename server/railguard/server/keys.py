"""Typed application keys for everything the app shares (aiohttp `AppKey`, never strings)."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from argon2 import PasswordHasher

from railguard.server.alerts.dispatcher import Dispatcher
from railguard.server.ingest.body import InflateBudget
from railguard.server.pipeline.keycache import KeyCache
from railguard.server.pipeline.live import LiveHub
from railguard.server.pipeline.quota import QuotaGate
from railguard.server.pipeline.ratelimit import KeyRateLimiter
from railguard.server.pipeline.writer import EventWriter
from railguard.server.settings import Settings
from railguard.server.sourcemaps.resolver import SourceMapResolver

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
HASHER = web.AppKey("hasher", PasswordHasher)
WRITER: web.AppKey[EventWriter] = web.AppKey("writer")
LIVE: web.AppKey[LiveHub] = web.AppKey("live")
RATE_LIMITER: web.AppKey[KeyRateLimiter] = web.AppKey("rate_limiter")
KEY_CACHE: web.AppKey[KeyCache] = web.AppKey("key_cache")
ALERTS: web.AppKey[Dispatcher] = web.AppKey("alerts")
INFLATE_BUDGET: web.AppKey[InflateBudget] = web.AppKey("inflate_budget")
QUOTAS: web.AppKey[QuotaGate] = web.AppKey("quotas")
SOURCEMAPS: web.AppKey[SourceMapResolver] = web.AppKey("sourcemaps")
