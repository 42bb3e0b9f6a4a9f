"""Plain-SQL migrations: `schema/NNNNNN_name.up.sql` with a matching `.down.sql`.

Each migration runs in its own transaction and is recorded in `schema_migrations`; the whole run
holds a session advisory lock, so two processes starting at once apply each migration once.

The runner's own statements (its bookkeeping table and the advisory lock) stay here rather than in
`sql/`: they are the runner's private state, exist before any migration has run, and the named
queries in `sql/` are written against the schema the migrations build.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

_NAME = re.compile(r"^(?P<version>\d{6})_(?P<name>[a-z0-9_]+)\.(?P<direction>up|down)\.sql$")
# Any constant works; it only has to be the same in every process that migrates.
_LOCK_KEY = 0x7261696C67  # "railg"


class MigrationError(RuntimeError):
    """The migration files are inconsistent, or a migration failed (its message says which)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: Path
    down: Path


@dataclass(frozen=True)
class MigrationStatus:
    version: int
    name: str
    applied_at: datetime | None


def schema_dir(explicit: Path | None = None) -> Path:
    """Where the migrations are: an explicit folder, the packaged copy, or the checkout's."""
    if explicit is not None:
        return explicit
    packaged = importlib.resources.files("railguard.server").joinpath("schema")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "schema"
    if checkout.is_dir():
        return checkout
    raise MigrationError("no schema folder found; pass --dir")


def discover(directory: Path) -> list[Migration]:
    """Pair up/down files, refusing gaps in pairs, duplicates and stray names."""
    ups: dict[int, tuple[str, Path]] = {}
    downs: dict[int, tuple[str, Path]] = {}
    for path in sorted(directory.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise MigrationError(f"unexpected file in migrations folder: {path.name}")
        version, name = int(m["version"]), m["name"]
        target = ups if m["direction"] == "up" else downs
        if version in target:
            raise MigrationError(f"two {m['direction']} migrations numbered {m['version']}")
        target[version] = (name, path)
    if set(ups) != set(downs):
        missing = sorted(set(ups) ^ set(downs))
        raise MigrationError(f"migrations without a matching up/down: {missing}")
    result = []
    for version in sorted(ups):
        name, up = ups[version]
        down_name, down = downs[version]
        if name != down_name:
            raise MigrationError(f"migration {version:06d} is named {name} and {down_name}")
        result.append(Migration(version, name, up, down))
    return result


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     bigint PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


class Migrator:
    """Applies and reverts migrations on one connection."""

    def __init__(self, conn: asyncpg.Connection, directory: Path | None = None) -> None:
        self._conn = conn
        self._migrations = discover(schema_dir(directory))

    async def _applied(self) -> dict[int, datetime]:
        await self._conn.execute(_CREATE_TABLE)
        rows = await self._conn.fetch("SELECT version, applied_at FROM schema_migrations")
        return {int(r["version"]): r["applied_at"] for r in rows}

    async def status(self) -> list[MigrationStatus]:
        applied = await self._applied()
        return [
            MigrationStatus(m.version, m.name, applied.get(m.version)) for m in self._migrations
        ]

    async def up(self, steps: int | None = None) -> list[Migration]:
        """Apply pending migrations in order (at most `steps`); return those applied."""
        async with self._locked():
            applied = await self._applied()
            unknown = set(applied) - {m.version for m in self._migrations}
            if unknown:
                raise MigrationError(
                    f"database has migrations this code does not know: {sorted(unknown)}"
                )
            pending = [m for m in self._migrations if m.version not in applied]
            done = []
            for migration in pending[:steps] if steps is not None else pending:
                await self._apply(migration, migration.up, record=True)
                done.append(migration)
            return done

    async def down(self, steps: int = 1) -> list[Migration]:
        """Revert the newest `steps` applied migrations; return those reverted."""
        async with self._locked():
            applied = await self._applied()
            newest = [m for m in reversed(self._migrations) if m.version in applied]
            done = []
            for migration in newest[:steps]:
                await self._apply(migration, migration.down, record=False)
                done.append(migration)
            return done

    async def _apply(self, migration: Migration, path: Path, *, record: bool) -> None:
        sql = path.read_text(encoding="utf-8")
        try:
            async with self._conn.transaction():
                await self._conn.execute(sql)
                if record:
                    await self._conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        migration.version,
                        migration.name,
                    )
                else:
                    await self._conn.execute(
                        "DELETE FROM schema_migrations WHERE version = $1", migration.version
                    )
        except asyncpg.PostgresError as exc:
            raise MigrationError(f"{path.name}: {exc}") from exc

    def _locked(self) -> _AdvisoryLock:
        return _AdvisoryLock(self._conn)


class _AdvisoryLock:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def __aenter__(self) -> None:
        await self._conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)

    async def __aexit__(self, *exc: object) -> None:
        await self._conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)


async def migrate_up(url: str, directory: Path | None = None) -> list[Migration]:
    """Connect, apply every pending migration, disconnect."""
    conn = await asyncpg.connect(url)
    try:
        return await Migrator(conn, directory).up()
    finally:
        await conn.close()
