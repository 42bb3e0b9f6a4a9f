"""Placement evaluation on real histories: `python -m bench.placement REPO... [--k 10 50 200]`.

For each repository and each k, lines of files modified since `HEAD~k` become incident sites
(`bench.placement_truth` says how they are sampled and how "the line still exists, at line N"
is established from the real history). Each site is placed at `HEAD` the way the language
server places a crash frame (`LineMap(file at HEAD~k, text now).place(line, frame context)`),
once on the file as committed and once with an unsaved edit typed into it, and counted:

- lines that still exist: `exact` (right line, unflagged), `flagged-right` (right line, shown as
  changed/relocated/unverified), `flagged-wrong` (another line, flagged), `unflagged-wrong`
  (another line shown as exact), `hidden` (not shown at all);
- lines that are gone: `hidden` (right), `on-edit` (shown on a line at least 0.6 similar,
  i.e. plausibly its edited form), `on-unrelated` (shown on a line less than 0.6 similar);
- across both: `other-text` (shown unflagged on a line whose text differs: the worst outcome)
  and `on-typed` (shown on a line the user just typed).

`--pair OLD NEW PATH LINE...` places given lines between two commits and prints each answer
beside git's (the reproductions of known cases). `--timing` measures build + placing 200
incidents on 5,000-line files, as wall time and as this thread's CPU time (on a busy machine
the CPU time is the figure that says what placement costs).
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from bench.placement_truth import (
    FileCase,
    changed_files,
    file_at,
    lines_of,
    norm,
    rev,
    sample_file,
    surviving,
    typed_block,
)
from railguard.lsp.core import linemap as pl

say = print  # noqa: T201 - this is a command-line report
SIMILAR = 0.6
#: Outcomes worth a look; `--show` prints each one with its file, lines and texts.
BAD = ("present.hidden", "present.flagged-wrong", "present.unflagged-wrong", "gone.on-unrelated")
examples: list[str] = []
COLUMNS = (
    ("present", ["n", "exact", "flagged-right", "flagged-wrong", "unflagged-wrong", "hidden"]),
    ("gone", ["n", "hidden", "on-edit", "on-unrelated"]),
    ("all", ["other-text", "on-typed"]),
)


def similarity(a: str, b: str) -> float:
    """difflib's ratio depends on the order of its inputs; the lower of the two counts."""
    a, b = norm(a), norm(b)
    return min(
        difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(),
        difflib.SequenceMatcher(None, b, a, autojunk=False).ratio(),
    )


def classify(
    case: FileCase, edit: tuple[int, list[str]] | None, tally: dict[str, Counter[str]]
) -> float:
    """Place every site of `case` (on the edited text when `edit`), count the outcomes per
    unique/repeated group, and return the seconds spent building the map and placing."""
    new = case.new
    at, typed = edit if edit is not None else (len(new), [])
    if typed:
        new = new[:at] + typed + new[at:]
    contexts = [pl.FrameContext(s.context_line, s.pre_context, s.post_context) for s in case.sites]
    began = time.perf_counter()
    mapping = pl.LineMap(case.old, new)
    placed = mapping.place_many((s.line, c) for s, c in zip(case.sites, contexts, strict=True))
    spent = time.perf_counter() - began
    for site, p in zip(case.sites, placed, strict=True):
        group = "unique" if site.unique else "repeated"
        c = tally[group]
        before = c.copy()
        truth = site.truth
        if truth is not None and truth >= at:
            truth += len(typed)
        line = p.line
        exact = p.kind is pl.PlacementKind.EXACT
        if line is not None:
            if exact and norm(new[line]) != norm(site.context_line):
                c["all.other-text"] += 1
            if at <= line < at + len(typed):
                c["all.on-typed"] += 1
        if truth is not None:
            c["present.n"] += 1
            if line is None:
                c["present.hidden"] += 1
            elif line == truth:
                c["present.exact" if exact else "present.flagged-right"] += 1
            else:
                c["present.unflagged-wrong" if exact else "present.flagged-wrong"] += 1
        else:
            c["gone.n"] += 1
            if line is None:
                c["gone.hidden"] += 1
            elif similarity(site.context_line, new[line]) >= SIMILAR:
                c["gone.on-edit"] += 1
            else:
                c["gone.on-unrelated"] += 1
        for outcome in BAD:
            if c[outcome] != before[outcome]:
                now = "-" if p.line is None else f"{p.line + 1} {new[p.line].strip()!r}"
                examples.append(
                    f"{outcome} {group} {case.path}:{site.line} {site.context_line.strip()!r} "
                    f"truth {'-' if truth is None else truth + 1} placed {p.kind.value} {now}"
                    + (f" (typed at {at + 1})" if typed else "")
                )
    return spent


def evaluate(repo: Path, k: int, args: argparse.Namespace) -> dict[str, object] | None:
    head = rev(repo, "HEAD")
    old = rev(repo, f"HEAD~{k}")
    if head is None or old is None:
        return None
    rng = random.Random(f"{repo.name}:{k}")
    files = changed_files(repo, old, head, args.pattern)
    if len(files) > args.files:
        files = sorted(rng.sample(files, args.files))
    tallies = {
        mode: {"unique": Counter[str](), "repeated": Counter[str]()} for mode in ("saved", "edited")
    }
    times: list[float] = []
    for path in files:
        case = sample_file(repo, old, head, path, args.per_file, rng)
        if case is None or not case.sites:
            continue
        times.append(classify(case, None, tallies["saved"]))
        classify(case, typed_block(case.new, rng), tallies["edited"])
    return {"repo": repo.name, "k": k, "files": len(files), "tallies": tallies, "times": times}


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}" if whole else "-"


def report(results: list[dict[str, object]]) -> None:
    header = ["repo", "k", "mode", "lines"]
    for group, names in COLUMNS:
        header += [f"{group}.{n}" for n in names]
    say("| " + " | ".join(header) + " |")
    say("|" + "---|" * len(header))
    for r in results:
        tallies = r["tallies"]
        assert isinstance(tallies, dict)
        for mode, groups in tallies.items():
            for group, c in groups.items():
                row = [str(r["repo"]), str(r["k"]), mode, group]
                for g, names in COLUMNS:
                    row += [str(c[f"{g}.{n}"]) for n in names]
                say("| " + " | ".join(row) + " |")
    say()
    totals: dict[tuple[str, str], Counter[str]] = {}
    for r in results:
        tallies = r["tallies"]
        assert isinstance(tallies, dict)
        for mode, groups in tallies.items():
            for group, c in groups.items():
                totals.setdefault((mode, group), Counter()).update(c)
    for (mode, group), c in sorted(totals.items()):
        present, gone = c["present.n"], c["gone.n"]
        right = c["present.exact"] + c["present.flagged-right"]
        say(
            f"{mode:7} {group:9} present {present:6}: right line {pct(right, present)} %, "
            f"hidden {c['present.hidden']}, flagged-wrong {c['present.flagged-wrong']}, "
            f"unflagged-wrong {c['present.unflagged-wrong']}; gone {gone:5}: on unrelated "
            f"{pct(c['gone.on-unrelated'], gone)} % ({c['gone.on-unrelated']}), on edit "
            f"{c['gone.on-edit']}; unflagged on other text {c['all.other-text']}, "
            f"on typed lines {c['all.on-typed']}"
        )
    times = [t for r in results for t in r["times"]]  # type: ignore[attr-defined]
    if times:
        ms = sorted(1000 * t for t in times)
        say(
            f"per file (build + place its sites): p50 {statistics.median(ms):.2f} ms, "
            f"p99 {ms[int(0.99 * (len(ms) - 1))]:.2f} ms, max {ms[-1]:.2f} ms over {len(ms)} files"
        )


def timing(runs: int) -> None:
    """Build + place 200 incidents with their frame context on 5,000-line files: the editor
    scenario's edit session, and a harder one where blocks moved across the file."""
    rng = random.Random(11)
    old = [f"    value_{k} = compute({k}, item)" if k % 7 else "" for k in range(5000)]
    for k in range(0, 5000, 40):
        old[k] = f"def function_{k}(item):"
    sessions = {}
    edited = list(old)
    edited[3000:3010] = [f"    rewritten_{k} = other({k})" for k in range(12)]
    del edited[2000:2008]
    edited[100:100] = [f"    inserted_{k} = helper({k})" for k in range(30)]
    sessions["edit session"] = edited
    moved = list(old)
    for _ in range(20):  # twenty 40-line blocks moved far away, a few lines edited in each
        start = rng.randrange(0, len(moved) - 40)
        block = moved[start : start + 40]
        del moved[start : start + 40]
        block[rng.randrange(40)] = "    changed_line = True"
        dest = rng.randrange(len(moved))
        moved[dest:dest] = block
    sessions["moved blocks"] = moved
    crash = sorted(rng.sample(range(1, 5001), 200))
    contexts = [
        pl.FrameContext(old[n - 1], tuple(old[max(0, n - 6) : n - 1]), tuple(old[n : n + 5]))
        for n in crash
    ]
    for name, new in sessions.items():
        wall, cpu = [], []
        for _ in range(runs):
            began, began_cpu = time.perf_counter(), time.thread_time()
            pl.LineMap(old, new).place_many(zip(crash, contexts, strict=True))
            cpu.append(1000 * (time.thread_time() - began_cpu))
            wall.append(1000 * (time.perf_counter() - began))
        for label, spent in (("wall", wall), ("cpu", cpu)):
            spent.sort()
            say(
                f"timing {name} ({label}): 5,000 lines, 200 incidents, {runs} runs: p50 "
                f"{statistics.median(spent):.2f} ms, p99 {spent[int(0.99 * (runs - 1))]:.2f} ms, "
                f"max {spent[-1]:.2f} ms"
            )


def pair(repo: Path, old_spec: str, new_spec: str, path: str, lines: list[int]) -> None:
    old, new = rev(repo, old_spec), rev(repo, new_spec)
    if old is None or new is None:
        raise SystemExit(f"{repo}: unknown commit {old_spec if old is None else new_spec}")
    before = lines_of(file_at(repo, old, path))
    after = lines_of(file_at(repo, new, path))
    truth = surviving(repo, old, new, path)
    mapping = pl.LineMap(before, after)
    for n in lines:
        i = n - 1
        context = pl.FrameContext(
            before[i], tuple(before[max(0, i - 5) : i]), tuple(before[n : n + 5])
        )
        p = mapping.place(n, context)
        at = truth.get(n)
        say(
            f"{path}:{n} {before[i].strip()!r}: git says "
            f"{'gone' if at is None else at + 1}, placed {p.kind.value} "
            f"{'-' if p.line is None else p.line + 1}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.placement", description=__doc__.split("\n")[0]
    )
    parser.add_argument("repos", nargs="*", type=Path, help="git work trees or clones")
    parser.add_argument("--k", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument(
        "--files", type=int, default=40, help="modified files sampled per repo and k"
    )
    parser.add_argument("--per-file", type=int, default=150, help="sites sampled per file")
    parser.add_argument("--pattern", default="*.py", help="pathspec of the files to sample")
    parser.add_argument("--pair", nargs="+", metavar="ARG", help="OLD NEW PATH LINE...")
    parser.add_argument("--show", action="store_true", help="print every bad outcome")
    parser.add_argument(
        "--timing", type=int, default=0, metavar="RUNS", help="synthetic 5,000-line timing"
    )
    args = parser.parse_args(argv)
    if args.pair:
        if len(args.repos) != 1 or len(args.pair) < 4:
            parser.error("--pair needs one repository and OLD NEW PATH LINE...")
        pair(
            args.repos[0], args.pair[0], args.pair[1], args.pair[2], [int(n) for n in args.pair[3:]]
        )
        return 0
    results = []
    for repo in args.repos:
        if rev(repo, "HEAD") is None:
            say(f"{repo}: not a git repository with commits", file=sys.stderr)
            return 2
        for k in args.k:
            result = evaluate(repo, k, args)
            if result is not None:
                results.append(result)
    if args.show:
        say("\n".join(examples), end="\n\n" if examples else "")
    if results:
        report(results)
    if args.timing:
        timing(args.timing)
    return 0


if __name__ == "__main__":
    sys.exit(main())
