"""`railguard serve`: database, migrations, then the HTTP server, with next steps printed."""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web

from railguard.server.app import create_app
from railguard.server.cli.database import database_url
from railguard.server.migrations import migrate_up
from railguard.server.settings import Settings

_NEXT_STEPS = """\
Railguard is serving on http://{host}:{port}  (database: {where})

Next steps, in another terminal:
  1. Create a user:
       printf '%s\\n' 'a long passphrase' |
         .venv/bin/railguard user create --email you@example.com --password-stdin
  2. Create a project for your repository; it prints the DSN:
       .venv/bin/railguard project create --name shop \\
         --repo git@github.com:acme/shop.git --owner you@example.com
  3. Point your app's Sentry SDK at that DSN:  sentry_sdk.init(dsn="<the DSN>")
  4. Log the editor in:  .venv/bin/railguard login   (then enable the Neovim or VS Code client)
Health: curl http://{host}:{port}/api/v1/health
"""


def serve(settings: Settings, *, host: str | None, port: int | None) -> None:
    host = host or settings.host
    port = settings.port if port is None else port
    with database_url(settings) as url:
        asyncio.run(migrate_up(url))
        app = create_app(settings.model_copy(update={"database_url": url}))
        where = "RAILGUARD_DATABASE_URL" if settings.database_url else f"embedded, {settings.home}"
        sys.stderr.write(_NEXT_STEPS.format(host=host, port=port, where=where))
        sys.stderr.flush()
        web.run_app(
            app,
            host=host,
            port=port,
            print=None,
            access_log=None,
            shutdown_timeout=10,
            keepalive_timeout=75,
            handle_signals=True,
        )
