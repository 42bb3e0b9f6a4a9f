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
    if pid is None or _stat(pid) is None:
        return None
    tree = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        fields = _stat(current)
        if fields is None:
            continue
        # utime, stime, cutime, cstime are fields 14-17 (indexes 11-14 from field 3)
        total += sum(int(v) for v in fields[11:15])
        todo.extend(tree.get(current, []))
    return total / _TICK


def postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
