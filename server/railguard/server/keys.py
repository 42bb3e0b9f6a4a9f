"""Typed application keys for everything the app shares (aiohttp `AppKey`, never strings)."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from argon2 import PasswordHasher

from railguard.server.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
HASHER = web.AppKey("hasher", PasswordHasher)
