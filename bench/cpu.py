"""CPU seconds used by a process tree, from /proc (Linux): where a run's CPU went.

`tree_cpu(pid)` sums user + system time of the process, its live descendants, and the children
it has already reaped (PostgreSQL backends that exited are counted in the postmaster's
`cutime`/`cstime`). Returns None where /proc is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from `state` on (field 3)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def tree_cpu(pid: int | None) -> float | None:
    """CPU seconds of `pid` and its descendants (live and reaped), or None."""
    split = tree_cpu_split(pid)
    return None if split is None else split[0] + split[1]


def tree_cpu_split(pid: int | None) -> tuple[float, float] | None:
    """(user, system) CPU seconds of `pid` and its descendants (live and reaped), or None."""
    if pid is None or _stat(pid) is None:
        return None
    tree = _children()
    user = system = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        fields = _stat(current)
        if fields is None:
            continue
        # utime, stime, cutime, cstime are fields 14-17 (indexes 11-14 from field 3)
        user += int(fields[11]) + int(fields[13])
        system += int(fields[12]) + int(fields[14])
        todo.extend(tree.get(current, []))
    return user / _TICK, system / _TICK


def postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
