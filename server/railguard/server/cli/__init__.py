"""The `railguard` command: serve, migrate, operator commands, `login` and `lsp`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import NoReturn

import asyncpg
from pydantic import ValidationError

from railguard.server.cli.admin import add_admin_parsers, run_admin
from railguard.server.cli.alerts import add_alert_parsers
from railguard.server.cli.database import database_url, require_schema
from railguard.server.cli.output import CliError
from railguard.server.cli.release import add_release_parsers
from railguard.server.cli.sourcemaps import add_sourcemap_parsers, run_sourcemaps
from railguard.server.cli.tokens import add_token_parsers
from railguard.server.cli.uptime import add_uptime_parsers, run_agent
from railguard.server.embedded_db import EmbeddedDatabaseError
from railguard.server.migrations import MigrationError
from railguard.server.settings import Settings
from railguard.server.sso.config import SsoConfigError


def settings_error(exc: ValidationError) -> str:
    """One line naming the environment variable that is wrong and why."""
    err = exc.errors()[0]
    name = "RAILGUARD_" + "_".join(str(p) for p in err["loc"][:1]).upper()
    value = err.get("input")
    shown = "" if isinstance(value, dict) or "DATABASE_URL" in name else f"={value!r}"
    return f"bad setting {name}{shown}: {err['msg']}"


SERVE_ENVIRONMENT = """\
environment (each also read by the admin commands, so their DSNs match):
  RAILGUARD_DATABASE_URL   PostgreSQL URL; unset: the embedded PostgreSQL under RAILGUARD_HOME
  RAILGUARD_HOME           embedded database folder (default: the user's data folder;
                           /var/lib/railguard as root)
  RAILGUARD_HOST, RAILGUARD_PORT
                           where to listen, as --host/--port
  RAILGUARD_PUBLIC_URL     base of DSNs and editor links (default: where the server listens)
  RAILGUARD_TRUSTED_PROXIES
                           comma-separated proxy addresses/networks whose X-Forwarded-For or
                           Forwarded header names the client (default: none)
  RAILGUARD_RETENTION_DAYS events older than this are deleted (default 90; 0 keeps all)
  RAILGUARD_LOG_LEVEL      DEBUG, INFO (default), WARNING, ERROR
  RAILGUARD_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET; RAILGUARD_GITHUB_CLIENT_ID, _SECRET
                           sign-in providers; RAILGUARD_SIGNUP open|invite-only|domains
                           (docs/sign-in.md)
"""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    parser = argparse.ArgumentParser(
        prog="railguard", description="Railguard: production errors on the right line."
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser(
        "serve", help="migrate the database and serve the API",
        description="Claim the port, start (or create) the database, apply migrations, serve.",
        epilog=SERVE_ENVIRONMENT, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    serve.add_argument(
        "--host", default=None, help="address to listen on (default: RAILGUARD_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=None,
        help="port to listen on; 0 picks a free one (default: RAILGUARD_PORT or 8000)",
    )  # fmt: skip
    serve.add_argument(
        "--workers", type=int, default=None,
        help="server processes sharing the port (default: the cores, at most 2)",
    )  # fmt: skip

    migrate = sub.add_parser("migrate", help="apply, revert or list schema migrations")
    maction = migrate.add_subparsers(dest="action", required=True)
    p = maction.add_parser("up", parents=[common], help="apply pending migrations")
    p.add_argument("--dir", default=None, help="migrations folder (default: the packaged one)")
    p = maction.add_parser("down", parents=[common], help="revert the newest N migrations")
    p.add_argument("steps", nargs="?", type=int, default=1)
    p.add_argument("--dir", default=None)
    p = maction.add_parser("status", parents=[common], help="list migrations and their state")
    p.add_argument("--dir", default=None)

    add_admin_parsers(sub, common)
    add_alert_parsers(sub, common)
    add_uptime_parsers(sub, common)
    add_sourcemap_parsers(sub, common)
    add_release_parsers(sub, common)

    login = sub.add_parser(
        "login", parents=[common], help="sign in (in the browser) and store a token for editors"
    )
    login.add_argument("--server", default=None, help="backend URL")
    login.add_argument("--password", action="store_true", help="email and password instead")
    login.add_argument("--email", default=None, help="implies --password")
    login.add_argument("--password-stdin", action="store_true", help="implies --password")
    login.add_argument("--credentials-file", default=None)
    login.add_argument("--device-name", default=None, help="how the web lists this token")
    login.add_argument("--scope", default=None, help='scopes to ask for (default "read triage")')
    login.add_argument("--no-browser", action="store_true", help="only print the page to open")
    add_token_parsers(sub, common)

    sub.add_parser("lsp", help="start the language server on stdio", add_help=False)
    sub.add_parser("mcp", help="start the MCP server for coding assistants on stdio",
                   add_help=False)  # fmt: skip
    return parser


def _become_language_server(args: list[str], module: str = "railguard.lsp") -> NoReturn:
    """`railguard lsp ...` is `python -m railguard.lsp ...` with the same interpreter and stdio.

    The backend never imports the language server (ruff bans it in server/ruff.toml); replacing
    this process keeps `railguard lsp` an alias an editor can spawn, with nothing in between.
    """
    command = [sys.executable, "-m", module, *args]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(sys.executable, command)
    raise SystemExit(subprocess.call(command))  # no exec that keeps stdio elsewhere


def main(argv: Sequence[str] | None = None) -> None:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["lsp"]:
        _become_language_server(args_list[1:])
    if args_list[:1] == ["mcp"]:  # the MCP server is a client of the backend, like the editor's
        _become_language_server(args_list[1:], "railguard.lsp.mcpserver")
    args = _parser().parse_args(args_list)
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.stderr.write(f"railguard: {settings_error(exc)}\n")
        raise SystemExit(2) from None
    except SsoConfigError as exc:
        sys.stderr.write(f"railguard: {exc}\n")
        raise SystemExit(2) from None
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        _dispatch(args, settings)
    except (CliError, MigrationError, EmbeddedDatabaseError) as exc:
        sys.stderr.write(f"railguard: {exc}\n")
        raise SystemExit(1) from None
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.stderr.write(f"railguard: database error: {first}\n")
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _dispatch(args: argparse.Namespace, settings: Settings) -> None:
    if args.version:
        from importlib.metadata import version

        sys.stdout.write(f"railguard {version('railguard')}\n")
        return
    if args.command is None:
        _parser().print_help()
        raise SystemExit(2)
    if args.command == "serve":
        from railguard.server.cli.serve import serve

        serve(settings, host=args.host, port=args.port, workers=args.workers)
    elif args.command == "migrate":
        from railguard.server.cli.migrate import migrate

        with database_url(settings) as url:
            asyncio.run(migrate(url, args))
    elif args.command == "agent":
        run_agent(args)
    elif args.command == "sourcemaps":
        run_sourcemaps(args)
    elif args.command == "release":
        from railguard.server.cli.release import release_create

        asyncio.run(release_create(args))
    elif args.command == "login":
        from railguard.server.cli.login import login

        asyncio.run(login(args, settings.public_base))
    elif args.command == "tokens":
        from railguard.server.cli.tokens import run_tokens

        asyncio.run(run_tokens(args))
    else:
        with database_url(settings) as url:
            asyncio.run(require_schema(url))
            asyncio.run(run_admin(args.admin, args, settings, url))
