"""Ground truth and incident sites for the placement evaluation (`python -m bench.placement`).

Sites: every file (by default `*.py`) modified between `HEAD~k` and `HEAD` along the first
parent; unchanged files are left out because every line of them is trivially exact and would
only dilute the figures. In each file, non-blank lines of `HEAD~k` are sampled as crash sites and
split into *unique* lines (their whitespace-normalised text occurs once in the file) and
*repeated* ones (`return None`, `)`, `else:`: real crash sites, and the hard case).

"Does the line still exist, and where?" is answered by git's own line tracking of the real
history, not by the placement code under test: `git blame --reverse --first-parent -M -w
HEAD~k..HEAD` follows each line of `HEAD~k` commit by commit (one diff per commit, `-M` for
lines moved inside the file, `-w` ignoring whitespace-only changes) and reports the last commit
in which it still existed and its line number there. A line whose last commit is `HEAD` still
exists, at that line; any other line was removed on the way. Following the commits one by one
sees a moved block as moved even when the end-to-end diff cannot, which is why it is the
reference. Its limits: `-w` counts a re-indented line as the same line (placement then has to
find it as changed or relocated), and `-M` picks one copy when identical lines were moved, so
for repeated lines "the right line" is git's choice among identical copies.

The frame context is what Sentry's Python SDK sends: the line itself and five lines each side,
without line terminators, indentation kept.
"""

from __future__ import annotations

import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

CONTEXT_LINES = 5
_HEADER = re.compile(r"^([0-9a-f]{40}) (\d+) (\d+)(?: (\d+))?$")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
        encoding="utf-8", errors="surrogateescape",
    ).stdout  # fmt: skip


def rev(repo: Path, spec: str) -> str | None:
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", spec + "^{commit}").strip() or None
    except subprocess.CalledProcessError:
        return None


def lines_of(text: str) -> list[str]:
    """Lines as the language server splits a document (no terminators, no extra last line)."""
    lines = re.split(r"\r\n|\r|\n", text) if text else []
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def changed_files(repo: Path, old: str, new: str, pattern: str) -> list[str]:
    out = git(
        repo, "diff", "--name-only", "--diff-filter=M", "--no-renames", old, new, "--", pattern
    )
    return sorted(p for p in out.splitlines() if p)


def file_at(repo: Path, commit: str, path: str) -> str:
    return git(repo, "show", f"{commit}:{path}")


def surviving(repo: Path, old: str, new: str, path: str) -> dict[int, int]:
    """1-based line of `path` at `old` -> 0-based line at `new`, for lines that still exist."""
    out = git(
        repo, "blame", "--reverse", "--first-parent", "-M", "-w", "--porcelain",
        f"{old}..{new}", "--", path,
    )  # fmt: skip
    found: dict[int, int] = {}
    for line in out.splitlines():
        m = _HEADER.match(line)
        if m and m.group(1) == new:
            found[int(m.group(3))] = int(m.group(2)) - 1
    return found


@dataclass(frozen=True, slots=True)
class Site:
    line: int  # 1-based at the old commit
    truth: int | None  # 0-based at the new commit, None when the line is gone
    unique: bool
    context_line: str
    pre_context: tuple[str, ...]
    post_context: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileCase:
    path: str
    old: list[str]
    new: list[str]
    sites: list[Site]


def norm(text: str) -> str:
    return " ".join(text.split())


def sample_file(
    repo: Path, old_commit: str, new_commit: str, path: str, per_file: int, rng: random.Random
) -> FileCase | None:
    try:
        old = lines_of(file_at(repo, old_commit, path))
        new = lines_of(file_at(repo, new_commit, path))
        truth = surviving(repo, old_commit, new_commit, path)
    except subprocess.CalledProcessError:
        return None
    counts: dict[str, int] = {}
    for text in old:
        counts[norm(text)] = counts.get(norm(text), 0) + 1
    candidates = [n for n in range(1, len(old) + 1) if norm(old[n - 1])]
    if len(candidates) > per_file:
        candidates = sorted(rng.sample(candidates, per_file))
    sites = []
    for n in candidates:
        i = n - 1
        sites.append(
            Site(
                n, truth.get(n), counts[norm(old[i])] == 1, old[i],
                tuple(old[max(0, i - CONTEXT_LINES) : i]),
                tuple(old[i + 1 : i + 1 + CONTEXT_LINES]),
            )
        )  # fmt: skip
    return FileCase(path, old, new, sites)


def typed_block(new: list[str], rng: random.Random) -> tuple[int, list[str]]:
    """An unsaved edit: where a user typed a few lines (a comment, a statement, a blank line,
    indented like the line they typed above), and the lines. The block ends with a blank line,
    the case where a diff likes to align typed lines with the file's own blank lines."""
    at = rng.randrange(len(new) + 1)
    below = new[at] if at < len(new) else ""
    indent = below[: len(below) - len(below.lstrip())]
    return at, [f"{indent}# check the value before using it", f"{indent}value = compute()", ""]
