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


async def _down_to_before(migrator: Migrator, name: str) -> int:
    """Revert every migration from `name` on; how many were reverted."""
    migrations = discover(SCHEMA)
    first = next(i for i, m in enumerate(migrations) if m.name == name)
    steps = len(migrations) - first
    assert len(await migrator.down(steps)) == steps
    return steps


async def _populate_before_organizations(conn: asyncpg.Connection) -> dict[str, int]:
    """Two owners' projects, a member shared by both, keys and incidents: the schema as it was."""
    ids = {}
    for who in ("ada", "bob", "cy", "dee"):
        ids[who] = await conn.fetchval(
            "INSERT INTO users (email, display_name) VALUES ($1, $2) RETURNING id",
            f"{who}@example.com", who.title(),
        )  # fmt: skip
    projects = [
        ("a1", "ada", "github.com/ada/one"),
        ("a2", "ada", "github.com/ada/two"),
        ("b1", "bob", "github.com/bob/one"),
    ]
    for name, owner, repo in projects:
        pid = ids[name] = await conn.fetchval(
            "INSERT INTO projects (name, owner_id, repository) VALUES ($1, $2, $3) RETURNING id",
            name, ids[owner], repo,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'owner')",
            pid, ids[owner],
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO ingest_keys (project_id, public_key) VALUES ($1, md5($2))", pid, name
        )
        await conn.execute(
            "INSERT INTO incidents (project_id, grouping_version, fingerprint, first_seen, "
            "last_seen) VALUES ($1, 1, $2, now(), now())",
            pid, f"fp-{name}",
        )  # fmt: skip
    # cy is a member of ada's a1 and an owner of bob's b1; dee a member of b1.
    await conn.executemany(
        "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)",
        [(ids["a1"], ids["cy"], "member"), (ids["b1"], ids["cy"], "owner"),
         (ids["b1"], ids["dee"], "member")],
    )  # fmt: skip
    return ids


async def _counts(conn: asyncpg.Connection) -> tuple[int, int, int]:
    return (
        await conn.fetchval("SELECT count(*) FROM projects"),
        await conn.fetchval("SELECT count(*) FROM ingest_keys"),
        await conn.fetchval("SELECT count(*) FROM incidents"),
    )


async def test_organizations_migrate_a_populated_database_up_and_down(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        migrator = Migrator(conn)
        steps = await _down_to_before(migrator, "create_organizations")
        ids = await _populate_before_organizations(conn)
        before = await _counts(conn)
        old_members = set(
            map(tuple, await conn.fetch("SELECT project_id, user_id, role FROM project_members"))
        )
        assert len(await migrator.up()) == steps

        assert await _counts(conn) == before
        orgs = await conn.fetch(
            "SELECT o.id, o.personal_owner_id, array_agg(p.name ORDER BY p.name) AS projects "
            "FROM organizations o JOIN projects p ON p.organization_id = o.id GROUP BY o.id"
        )
        by_owner = {r["personal_owner_id"]: r["projects"] for r in orgs}
        assert by_owner == {ids["ada"]: ["a1", "a2"], ids["bob"]: ["b1"]}
        roles = {
            (r["personal_owner_id"], r["user_id"]): r["role"]
            for r in await conn.fetch(
                "SELECT o.personal_owner_id, m.user_id, m.role FROM organization_members m "
                "JOIN organizations o ON o.id = m.organization_id"
            )
        }
        assert roles == {
            (ids["ada"], ids["ada"]): "owner", (ids["ada"], ids["cy"]): "member",
            (ids["bob"], ids["bob"]): "owner", (ids["bob"], ids["cy"]): "owner",
            (ids["bob"], ids["dee"]): "member",
        }  # fmt: skip
        # Every old membership still grants the same project at least the same power.
        seen = {
            (r["project_id"], r["user_id"]): r["role"]
            for r in await conn.fetch("SELECT project_id, user_id, role FROM project_members")
        }
        for project_id, user_id, role in old_members:
            assert role == "member" or seen[(project_id, user_id)] == "owner"
        # Repository identity is per organisation now.
        await conn.execute(
            "INSERT INTO projects (name, owner_id, organization_id, repository) "
            "SELECT 'copy', $1, id, 'github.com/ada/one' FROM organizations "
            "WHERE personal_owner_id = $1",
            ids["bob"],
        )  # fmt: skip
        with pytest.raises((MigrationError, asyncpg.PostgresError), match="same repository"):
            await migrator.down(steps)
        await conn.execute("DELETE FROM projects WHERE name = 'copy'")
        await migrator.up()  # the later migrations that did go down

        assert len(await migrator.down(steps)) == steps
        assert await _counts(conn) == before
        after = set(
            map(tuple, await conn.fetch("SELECT project_id, user_id, role FROM project_members"))
        )
        assert old_members <= after, "every membership survives the way down"
        assert await conn.fetchval("SELECT to_regclass('organizations')") is None
        assert len(await migrator.up()) == steps
    finally:
        await conn.close()
