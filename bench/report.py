"""The results table and the machine description printed and written by `make bench`."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import asyncpg

from bench.trace_scenarios import rows as trace_rows

TARGETS = {
    "ingest_small_eps": 1500,
    "ingest_large_eps": 300,
    "latency_p99_ms": 100,
    "editor_p50_ms": 150,
    "editor_p99_ms": 500,
    "query_p99_ms": 20,
    "placement_ms": 20,
    "web_list_p99_ms": 50,
    "web_search_p99_ms": 100,
    "lsp_rss_mib": 100,
    "email_p50_ms": 500,
    "email_p99_ms": 2000,
    "uptime_late_max_s": 1.0,
    "alert_cpu_overhead_percent": 5.0,
}


# --- processes ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def sh(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    model = next(
        (ln.split(":", 1)[1].strip() for ln in sh("lscpu").splitlines()
         if ln.startswith("Model name")), platform.processor(),
    )  # fmt: skip
    mem_kib = next(
        int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )  # fmt: skip
    import aiohttp as _aiohttp

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": _aiohttp.__version__,
        "asyncpg": asyncpg.__version__,
    }


def _ratio(value: float | None, ceiling: float | None) -> str:
    if not value or not ceiling:
        return "-"
    return f"{value / ceiling:.2f}"


def table(results: dict[str, Any]) -> str:
    r = results
    rows: list[tuple[str, str, str, str, str]] = []

    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    for size in ("small", "large"):
        ing = r.get(f"ingest_{size}")
        if not ing:
            continue
        http = r.get(f"ceiling_http_{size}", {}).get("ok_per_s")
        copy = r.get(f"ceiling_copy_{size}", {}).get("rows_per_s")
        target = TARGETS[f"ingest_{size}_eps"]
        rows.append((
            f"ingest {size} ({ing['body_bytes']} B br, {r['event_bytes'][size]} B event)",
            f"{ing['ok_per_s']:.0f} ev/s ({ing['ok']} ok, {_errs(ing)})",
            f"http {http or 0:.0f}/s x{_ratio(ing['ok_per_s'], http)}; "
            f"COPY {copy or 0:.0f}/s x{_ratio(ing['ok_per_s'], copy)}{_cpu_note(ing)}",
            f">= {target}", met(ing["ok_per_s"] >= target),
        ))  # fmt: skip
    poison = r.get("writer_poison")
    if poison:
        rows.append((
            f"writer, 1 poison event in {poison['poison_every']}",
            f"{poison['poison_eps']} ev/s vs {poison['clean_eps']} clean",
            f"{poison['poison_transactions']} vs {poison['clean_transactions']} transactions, "
            f"{poison['rejected']} rejected; one event per transaction after a failure: "
            f"{poison['serial_eps']} ev/s", ">= 0.8 of clean",
            met((poison["good_rate_kept"] or 0) >= 0.8),
        ))  # fmt: skip
    lat = r.get("latency_half_max")
    if lat:
        rows.append((
            f"ack latency at {lat['target_rate']}/s "
            f"({'fixed rate' if lat.get('fixed_rate') else 'half max'})",
            f"p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms ({lat['ok']} ok, {_errs(lat)})",
            f"achieved {lat['ok_per_s']}/s{_cpu_note(lat)}", "p99 < 100 ms",
            met((lat["p99_ms"] or 1e9) < TARGETS["latency_p99_ms"]),
        ))  # fmt: skip
    ed = r.get("ingest_to_editor")
    if ed:
        rows.append((
            "ingest -> editor diagnostic", f"p50 {ed['p50_ms']} ms, p99 {ed['p99_ms']} ms",
            f"{ed['samples']} samples", "p50 < 150, p99 < 500",
            met(ed["p50_ms"] < TARGETS["editor_p50_ms"]
                and ed["p99_ms"] < TARGETS["editor_p99_ms"]),
        ))  # fmt: skip
    mail = r.get("ingest_to_email")
    if mail:
        rows.append((
            "ingest -> alert email accepted (SMTP)",
            f"p50 {mail['p50_ms']} ms, p99 {mail['p99_ms']} ms",
            f"{mail['samples']} samples, max {mail['max_ms']} ms", "p50 <= 500, p99 <= 2000",
            met(mail["p50_ms"] <= TARGETS["email_p50_ms"]
                and mail["p99_ms"] <= TARGETS["email_p99_ms"]),
        ))  # fmt: skip
    rows += _alert_and_uptime_rows(r, met)
    q = r.get("editor_query")
    if q:
        rows.append((
            "editor query (10k incidents, 1M events)",
            f"p50 {q['p50_ms']} ms, p99 {q['p99_ms']} ms",
            f"{q['ok']} GETs, {q['ok_per_s']}/s", "p99 < 20 ms",
            met((q["p99_ms"] or 1e9) < TARGETS["query_p99_ms"]),
        ))  # fmt: skip
    web = r.get("web_lists")
    if web:
        size = f"{web['seeded']['incidents']:,} incidents, {web['seeded']['events']:,} events"
        for part, label, goal in (
            ("list", "web list page", "web_list_p99_ms"),
            ("search", "web search page", "web_search_p99_ms"),
            ("api_search", "API search", "web_search_p99_ms"),
        ):
            w = web[part]
            rows.append((
                f"{label} ({size})", f"p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms",
                f"{w['ok']} GETs, {_errs(w)}", f"p99 < {TARGETS[goal]} ms",
                met((w["p99_ms"] or 1e9) < TARGETS[goal] and w["ok"] > 0),
            ))  # fmt: skip
    pl = r.get("placement")
    if pl:
        rows.append((
            "re-place 200 incidents, 5,000 lines",
            f"p50 {pl['p50_ms']} ms, max {pl['max_ms']} ms", "pure LineMap", "< 20 ms",
            met(pl["max_ms"] < TARGETS["placement_ms"]),
        ))  # fmt: skip
    mem = r.get("lsp_memory")
    if mem:
        rows.append((
            f"LSP RSS, {mem['open_incidents']} open incidents", f"{mem['rss_mib']} MiB",
            f"edit->publish {mem['edit_to_publish_ms']} ms (debounce {mem['debounce_ms']:.0f})",
            "< 100 MB", met(mem["rss_mib"] * 1.048576 < TARGETS["lsp_rss_mib"]),
        ))  # fmt: skip
    rows += trace_rows(r)
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    head = ("scenario", "result", "beside the ceilings / notes", "target", "")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _alert_and_uptime_rows(r: dict[str, Any], met: Any) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    if down := r.get("uptime_down_to_alert"):
        rows.append((
            "monitor down -> alert (email / webhook)",
            f"p50 {down['email_p50_ms']} / {down['webhook_p50_ms']} ms",
            f"{down['samples']} samples, max {down['email_max_ms']} / {down['webhook_max_ms']} ms",
            "(as ingest -> email)", met(down["email_max_ms"] <= TARGETS["email_p99_ms"]),
        ))  # fmt: skip
    if burst := r.get("alert_dispatch_throughput"):
        rows.append((
            f"alert dispatch, burst of {burst['alerts']}", f"{burst['alerts_per_s']} alerts/s",
            f"all in {burst['all_delivered_s']} s, first {burst['first_ms']} ms", "-", "",
        ))  # fmt: skip
    if cost := r.get("alert_overhead"):
        worst, steady = cost["new"], cost["steady"]
        rows.append((
            "alerting cost on the ingest writer (CPU)",
            f"{worst['cpu_overhead_percent']:+} % / {steady['cpu_overhead_percent']:+} %",
            "all-new batches / known incidents", "<= 5 %",
            met(max(worst["cpu_overhead_percent"], steady["cpu_overhead_percent"])
                <= TARGETS["alert_cpu_overhead_percent"]),
        ))  # fmt: skip
    if up := r.get("uptime_schedule"):
        late = up["lateness_s"] or {}
        rows.append((
            f"uptime, {up['monitors']} monitors / {up['interval_s']} s",
            f"late p99 {late.get('p99')} s, max {late.get('max')} s",
            f"{up['checks']} checks, {up['slots_run_twice']} twice, {up['slots_missed']} missed",
            "max <= 1 s",
            met(bool(late) and late["max"] <= TARGETS["uptime_late_max_s"]
                and up["slots_run_twice"] == 0 and up["slots_missed"] == 0),
        ))  # fmt: skip
    return rows


def _cpu_note(result: dict[str, Any]) -> str:
    """`; CPU ms/event server/PostgreSQL/loadgen` when the run measured it."""
    use, ok = result.get("cpu") or {}, result.get("ok") or 0
    if not ok or "server_s" not in use:
        return ""
    parts = [use.get("server_s"), use.get("postgres_s"), result.get("cpu_s")]
    ms = "/".join("?" if p is None else f"{1000 * p / ok:.2f}" for p in parts)
    return f"; CPU ms/ev srv/pg/lg {ms}"


def _errs(result: dict[str, Any]) -> str:
    bad = {s: n for s, n in result["statuses"].items() if not s.startswith("2")}
    bad.update(result["errors"])
    return "no errors" if not bad else ", ".join(f"{k}: {v}" for k, v in bad.items())


# --- main --------------------------------------------------------------------------------------
