"""`railguard migrate up | down [N] | status`."""

from __future__ import annotations

import argparse
from pathlib import Path

import asyncpg

from railguard.server.cli.output import emit, table
from railguard.server.migrations import Migrator


async def migrate(url: str, args: argparse.Namespace) -> None:
    conn = await asyncpg.connect(url)
    try:
        migrator = Migrator(conn, Path(args.dir) if args.dir else None)
        if args.action == "status":
            rows = [
                {
                    "version": s.version,
                    "name": s.name,
                    "applied_at": s.applied_at.isoformat() if s.applied_at else None,
                }
                for s in await migrator.status()
            ]
            emit(rows, as_json=args.json, text=table(rows, ["version", "name", "applied_at"]))
            return
        if args.action == "up":
            done = await migrator.up()
            verb = "applied"
        else:
            done = await migrator.down(args.steps)
            verb = "reverted"
        names = [f"{m.version:06d}_{m.name}" for m in done]
        emit(
            {verb: names},
            as_json=args.json,
            text="\n".join(f"{verb} {n}" for n in names) or f"nothing to {args.action}",
        )
    finally:
        await conn.close()
