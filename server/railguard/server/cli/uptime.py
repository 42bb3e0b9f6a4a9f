"""`railguard monitor create|list|delete` (operator commands on the database) and
`railguard agent` (the external agent process, which only speaks HTTP to a server)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from railguard.server.cli.output import CliError, emit, table
from railguard.server.db import queries
from railguard.server.settings import Settings
from railguard.server.uptime import monitors
from railguard.wire import uptime as u


def _check(args: argparse.Namespace) -> dict[str, Any]:
    kind = args.type
    if kind == "http":
        if not args.url:
            raise CliError("--url is required for an http monitor")
        low, _, high = (args.status or "200-399").partition("-")
        if not (low.isdigit() and (high or low).isdigit()):
            raise CliError("--status must look like 200-399")
        return {"kind": "http", "url": args.url, "method": args.method.upper(),
                "status_min": int(low), "status_max": int(high or low),
                "body_contains": args.contains, "follow_redirects": not args.no_redirects,
                "verify_tls": not args.insecure, "cert_expiry_days": args.cert_days}  # fmt: skip
    if not args.host:
        raise CliError(f"--host is required for a {kind} monitor")
    if kind == "tcp":
        if args.port is None:
            raise CliError("--port is required for a tcp monitor")
        return {"kind": "tcp", "host": args.host, "port": args.port}
    if kind == "ping":
        return {"kind": "ping", "host": args.host}
    return {"kind": "dns", "name": args.host, "record_type": args.record_type,
            "expected": args.expected, "nameserver": args.nameserver,
            "port": args.port or 53}  # fmt: skip


async def _project(pool: asyncpg.Pool, project_id: int) -> None:
    if not await queries.project_exists(pool, project_id=project_id):
        raise CliError(f"no project with id {project_id}")


async def monitor_create(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    await _project(pool, args.project)
    body = u.MonitorCreateRequest.model_validate(
        {
            "name": args.name,
            "check": _check(args),
            "interval_seconds": args.interval,
            "timeout_seconds": args.timeout,
            "retries": args.retries,
            "enabled": not args.disabled,
            "agent_id": args.agent,
        }  # fmt: skip
    )
    created = await monitors.create_monitor(pool, project_id=args.project, request=body)
    emit(created, as_json=args.json, text=f"created monitor {created.id} ({created.name})")


def _target(m: u.Monitor) -> str:
    c = m.check
    if isinstance(c, u.HttpCheck):
        return f"{c.method} {c.url}"
    if isinstance(c, u.TcpCheck):
        return f"{c.host}:{c.port}"
    if isinstance(c, u.DnsCheck):
        return f"{c.name} {c.record_type}"
    return c.host


async def monitor_list(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    await _project(pool, args.project)
    found = await monitors.list_monitors(pool, args.project)
    rows = [{"id": m.id, "name": m.name, "kind": m.check.kind, "target": _target(m),
             "every": f"{m.interval_seconds}s", "state": m.state if m.enabled else "paused"}
            for m in found]  # fmt: skip
    emit(found, as_json=args.json,
         text=table(rows, ["id", "name", "kind", "target", "every", "state"]))  # fmt: skip


async def monitor_delete(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    deleted = await queries.delete_monitor_by_id(pool, monitor_id=args.id)
    if deleted is None:
        raise CliError(f"no monitor with id {args.id}")
    emit({"deleted": args.id}, as_json=args.json, text=f"deleted monitor {args.id}")


def add_uptime_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    monitor = sub.add_parser("monitor", help="manage uptime monitors")
    maction = monitor.add_subparsers(dest="action", required=True)
    p = maction.add_parser("create", parents=[common], help="create a monitor")
    p.add_argument("--project", type=int, required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--type", choices=["http", "tcp", "ping", "dns"], required=True)
    p.add_argument("--url", help="http: the URL")
    p.add_argument("--method", default="GET", help="http: the method (default GET)")
    p.add_argument("--status", help="http: accepted status range, e.g. 200-299 (default 200-399)")
    p.add_argument("--contains", help="http: text the body must contain")
    p.add_argument("--no-redirects", action="store_true", help="http: judge a 3xx itself")
    p.add_argument("--insecure", action="store_true", help="http: do not verify TLS")
    p.add_argument(
        "--cert-days",
        type=int,
        default=14,
        help="http: alert when the certificate expires within N days (0: never)",
    )
    p.add_argument("--host", help="tcp/ping: the host; dns: the name to resolve")
    p.add_argument("--port", type=int, help="tcp: the port; dns: the resolver's port")
    p.add_argument("--record-type", default="A", help="dns: A, AAAA, CNAME, MX, NS or TXT")
    p.add_argument("--expected", help="dns: a value an answer must equal")
    p.add_argument("--nameserver", help="dns: resolver IP (default: the system's)")
    p.add_argument("--interval", type=int, default=60, help="seconds between checks")
    p.add_argument(
        "--timeout", type=float, default=None, help="seconds (default min(10, interval))"
    )
    p.add_argument("--retries", type=int, default=1, help="failures tolerated before down")
    p.add_argument("--agent", type=int, default=None, help="an external agent's id")
    p.add_argument("--disabled", action="store_true")
    p.set_defaults(admin=monitor_create)  # fmt: skip
    p = maction.add_parser("list", parents=[common], help="list a project's monitors")
    p.add_argument("--project", type=int, required=True)
    p.set_defaults(admin=monitor_list)
    p = maction.add_parser("delete", parents=[common], help="delete a monitor and its history")
    p.add_argument("id", type=int)
    p.set_defaults(admin=monitor_delete)

    agent = sub.add_parser("agent", help="run an external uptime agent against a server")
    agent.add_argument("--server", required=True, help="the Railguard server's URL")
    agent.add_argument("--key", default=None,
                       help="the agent key (default: $RAILGUARD_AGENT_KEY)")  # fmt: skip


def run_agent(args: argparse.Namespace) -> None:
    from railguard.server.uptime.agent import AgentError, RemoteAgent

    key = args.key or os.environ.get("RAILGUARD_AGENT_KEY", "")
    parts = urlsplit(args.server)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"--server must be an http(s) URL, not {args.server!r}")
    if not key:
        raise CliError("give the agent key with --key or RAILGUARD_AGENT_KEY")

    async def main() -> None:
        agent = RemoteAgent(args.server, key)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, agent.stop)
        try:
            await agent.run()
        except AgentError as exc:
            raise CliError(str(exc)) from None

    asyncio.run(main())
