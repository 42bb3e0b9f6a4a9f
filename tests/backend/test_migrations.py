"""Migrations: files pair up, every down reverses its up, and concurrent runs do not race."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from railguard.server.migrations import MigrationError, Migrator, discover, schema_dir

SCHEMA = Path(__file__).resolve().parents[2] / "schema"


def test_every_up_has_a_down_and_versions_are_sequential() -> None:
    migrations = discover(SCHEMA)
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    for m in migrations:
        assert m.up.name == f"{m.version:06d}_{m.name}.up.sql"
        assert m.down.exists()


@pytest.mark.parametrize(
    "files, problem",
    [
        pytest.param(["000001_a.up.sql"], "without a matching", id="missing-down"),
        pytest.param(
            ["000001_a.up.sql", "000001_a.down.sql", "000001_b.up.sql", "000001_b.down.sql"],
            "two (up|down) migrations numbered 000001",
            id="duplicate-number-from-parallel-branches",
        ),
        pytest.param(["1_a.up.sql"], "unexpected file", id="bad-name"),
        pytest.param(["000001_a.up.sql", "000001_b.down.sql"], "named a and b", id="name-mismatch"),
    ],
)
def test_inconsistent_folders_are_refused(tmp_path: Path, files: list[str], problem: str) -> None:
    for name in files:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=problem):
        discover(tmp_path)


def test_schema_dir_finds_the_checkout_schema_in_an_editable_install() -> None:
    assert {p.name for p in schema_dir().glob("*.sql")} == {p.name for p in SCHEMA.glob("*.sql")}


async def _tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> "
        "'schema_migrations'"
    )
    return {r["tablename"] for r in rows}


async def test_up_down_to_zero_and_up_again(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        migrator = Migrator(conn)
        status = await migrator.status()
        assert all(s.applied_at is not None for s in status), "template is fully migrated"
        full = await _tables(conn)
        assert {"users", "projects", "incidents", "events", "ingest_keys"} <= full
        reverted = await migrator.down(len(status))
        assert len(reverted) == len(status)
        assert await _tables(conn) == set()
        assert (
            await conn.fetchval("SELECT count(*) FROM pg_proc WHERE proname LIKE 'railguard%'") == 0
        )
        assert await conn.fetchval("SELECT to_regclass('incident_change_seq')") is None
        applied = await migrator.up()
        assert len(applied) == len(status)
        assert await _tables(conn) == full
    finally:
        await conn.close()


async def test_down_n_and_status(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        migrator = Migrator(conn)
        await migrator.down(2)
        status = await migrator.status()
        assert [s.applied_at is None for s in status][-2:] == [True, True]
        assert all(s.applied_at is not None for s in status[:-2])
        assert len(await migrator.up()) == 2
    finally:
        await conn.close()


async def test_two_processes_migrating_at_once_apply_each_migration_once(database_url: str) -> None:
    setup = await asyncpg.connect(database_url)
    await Migrator(setup).down(len(discover(SCHEMA)))
    await setup.close()
    conns = [await asyncpg.connect(database_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(Migrator(c).up() for c in conns))
        assert sorted(len(r) for r in results) == [0, 0, len(discover(SCHEMA))]
    finally:
        for c in conns:
            await c.close()


async def test_events_are_partitioned_by_time(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        strategy = await conn.fetchval(
            "SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'events'::regclass"
        )
        assert strategy == "r"
        parts = await conn.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'events'::regclass"
        )
        names = {r["relname"] for r in parts}
        assert "events_default" in names
        assert len(names) >= 15  # default + daily partitions two weeks ahead
        await conn.fetchval("SELECT railguard_ensure_event_partitions(current_date, 3)")
        created = await conn.fetchval("SELECT railguard_ensure_event_partitions(current_date, 3)")
        assert created == 0, "idempotent, and never a month overlapping days"
    finally:
        await conn.close()
