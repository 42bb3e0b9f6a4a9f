"""Uptime pages: a project's monitors (state, uptime, response times) with the form that
creates one, and one monitor's page (statistics, response-time chart, checks, outages) with the
forms that change, pause and resume it and acknowledge its outages.

Monitors are read through `uptime/monitors.py`, the same operations as the API; a monitor or
outage of a project the person is not a member of is a 404, like one that does not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import ValidationError

from railguard.server.errors import Forbidden, Invalid
from railguard.server.http import int_param
from railguard.server.keys import POOL
from railguard.server.uptime import monitors
from railguard.server.web import guard
from railguard.server.web.charts import bar_chart
from railguard.server.web.project_pages import member_project
from railguard.wire import uptime as u

KINDS = ("http", "tcp", "dns", "ping")
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT")
CHART_CHECKS = 60
LISTED_CHECKS = 50


def _text(data: MultiDictProxy[Any], name: str) -> str:
    return str(data.get(name, "")).strip()


def _number(data: MultiDictProxy[Any], name: str, kind: type[int] | type[float]) -> Any:
    raw = _text(data, name)
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise Invalid(f"{name.replace('_', ' ')}: {raw!r} is not a number.") from None


def check_of(data: MultiDictProxy[Any]) -> dict[str, Any]:
    """The check a create form describes (the fields of the other kinds are ignored)."""
    kind = _text(data, "kind")
    if kind == "http":
        check: dict[str, Any] = {"kind": "http", "url": _text(data, "url")}
        if contains := _text(data, "body_contains"):
            check["body_contains"] = contains
        return check
    if kind == "tcp":
        return {"kind": "tcp", "host": _text(data, "host"), "port": _number(data, "port", int)}
    if kind == "ping":
        return {"kind": "ping", "host": _text(data, "host")}
    if kind == "dns":
        check = {"kind": "dns", "name": _text(data, "host"),
                 "record_type": _text(data, "record_type") or "A"}  # fmt: skip
        if expected := _text(data, "expected"):
            check["expected"] = expected
        return check
    raise Invalid(f"Type must be one of {', '.join(KINDS)}.")


def first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
    return f"{where.replace('_', ' ')}: {err['msg']}" if where else str(err["msg"])


def latency_chart(beats: list[u.Heartbeat]) -> dict[str, Any]:
    """Bars of response time, oldest first; a failed check is marked across the whole height."""
    oldest_first = list(reversed(beats))
    chart = bar_chart(
        [round(b.latency_ms or 0) if b.ok else 0 for b in oldest_first], width=300, height=60
    )
    fails = [bar for bar, b in zip(chart.bars, oldest_first, strict=True) if not b.ok]
    return {"chart": chart, "fails": fails, "checks": len(oldest_first)}


def target_of(check: Any) -> str:
    """What a monitor checks, in a few words."""
    if check.kind == "http":
        return f"{check.method} {check.url}"
    if check.kind == "tcp":
        return f"{check.host}:{check.port}"
    if check.kind == "dns":
        expected = f" = {check.expected}" if check.expected else ""
        return f"{check.record_type} {check.name}{expected}"
    return str(check.host)


async def _overview(pool: Any, monitor: u.Monitor, *, full: bool = True) -> dict[str, Any]:
    """What a monitor's card (the last 24 h) or page (`full`: every window) shows."""
    stats = await monitors.monitor_stats(pool, monitor.id, only=None if full else ("24h",))
    beats = await monitors.heartbeats(
        pool, monitor_id=monitor.id, span=timedelta(hours=24), limit=CHART_CHECKS
    )
    return {"monitor": monitor, "target": target_of(monitor.check), "day": stats.windows[0],
            "stats": stats, "latency": latency_chart(beats), "beats": beats}  # fmt: skip


async def monitor_list(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    return await _render_list(request, project, form={}, error="")


async def _render_list(
    request: web.Request, project: dict[str, Any], *, form: dict[str, str], error: str,
    status: int = 200,
) -> web.Response:  # fmt: skip
    pool = request.app[POOL]
    rows = [
        await _overview(pool, m, full=False)
        for m in await monitors.list_monitors(pool, project["id"])
    ]
    summary = await monitors.summary(pool, project["id"])
    return guard.render(
        request, "monitors.html",
        {"project": project, "rows": rows, "summary": summary, "form": form, "error": error,
         "kinds": KINDS, "record_types": RECORD_TYPES},
        status=status,
    )  # fmt: skip


async def create_monitor(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session, owner=True)
    data = await guard.form(request, session)
    fields = {k: _text(data, k) for k in (
        "name", "kind", "url", "body_contains", "host", "port", "record_type", "expected",
        "interval_seconds", "timeout_seconds", "retries")}  # fmt: skip
    try:
        body: dict[str, Any] = {"name": fields["name"], "check": check_of(data)}
        for name, kind in (("interval_seconds", int), ("timeout_seconds", float),
                           ("retries", int)):  # fmt: skip
            if (value := _number(data, name, kind)) is not None:
                body[name] = value
        created = await monitors.create_monitor(
            request.app[POOL], project_id=project["id"],
            request=u.MonitorCreateRequest.model_validate(body),
        )  # fmt: skip
    except (ValidationError, Invalid) as exc:
        message = first_error(exc) if isinstance(exc, ValidationError) else exc.message
        return await _render_list(request, project, form=fields, error=message, status=422)
    raise guard.redirect(f"/monitors/{created.id}")


async def _monitor_of(request: web.Request, *, owner: bool = False) -> tuple[Any, Any]:
    session = await guard.require(request)
    row = await monitors.monitor_for_user(
        request.app[POOL], user_id=session.user_id, monitor_id=int_param(request, "monitor_id")
    )
    if owner and row["role"] != "owner":
        raise Forbidden("Only a project owner can do this.")
    return session, row


async def monitor_page(request: web.Request) -> web.StreamResponse:
    _, row = await _monitor_of(request)
    return await _render_monitor(request, row, error="")


async def _render_monitor(
    request: web.Request, row: Any, *, error: str, status: int = 200
) -> web.Response:
    pool = request.app[POOL]
    monitor = monitors.monitor_model(row)
    outages = await monitors.list_outages(
        pool, project_id=monitor.project_id, open_only=False, monitor_id=monitor.id, limit=50
    )
    return guard.render(
        request, "monitor.html",
        {**await _overview(pool, monitor), "outages": outages, "error": error,
         "role": row["role"], "project": {"id": monitor.project_id},
         "listed": LISTED_CHECKS},
        status=status,
    )  # fmt: skip


async def edit_monitor(request: web.Request) -> web.StreamResponse:
    session, row = await _monitor_of(request, owner=True)
    data = await guard.form(request, session)
    try:
        body = u.MonitorUpdateRequest(
            name=_text(data, "name") or None,
            interval_seconds=_number(data, "interval_seconds", int),
            timeout_seconds=_number(data, "timeout_seconds", float),
            retries=_number(data, "retries", int),
        )
        await monitors.update_monitor(request.app[POOL], monitor=row, request=body)
    except (ValidationError, Invalid) as exc:
        message = first_error(exc) if isinstance(exc, ValidationError) else exc.message
        return await _render_monitor(request, row, error=message, status=422)
    raise guard.redirect(f"/monitors/{row['id']}")


async def pause_monitor(request: web.Request) -> web.StreamResponse:
    session, row = await _monitor_of(request, owner=True)
    data = await guard.form(request, session)
    enabled = _text(data, "enabled") == "true"
    await monitors.update_monitor(
        request.app[POOL], monitor=row, request=u.MonitorUpdateRequest(enabled=enabled)
    )
    raise guard.redirect(f"/monitors/{row['id']}")


async def acknowledge_outage(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    await guard.form(request, session)
    outage = await monitors.acknowledge_outage(
        request.app[POOL], user_id=session.user_id, outage_id=int_param(request, "outage_id")
    )
    raise guard.redirect(f"/monitors/{outage.monitor_id}#outages")


_M = r"/monitors/{monitor_id:\d+}"
ROUTES = [
    ("GET", r"/projects/{project_id:\d+}/monitors", monitor_list),
    ("POST", r"/projects/{project_id:\d+}/monitors", create_monitor),
    ("GET", _M, monitor_page),
    ("POST", _M + "/edit", edit_monitor),
    ("POST", _M + "/enabled", pause_monitor),
    ("POST", r"/outages/{outage_id:\d+}/acknowledge", acknowledge_outage),
]
