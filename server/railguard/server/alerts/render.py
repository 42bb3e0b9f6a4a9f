"""Pure rendering of an alert: the email (subject, text and HTML parts) and the webhook bodies
(generic JSON, Slack, Discord, Microsoft Teams). No I/O; the dispatcher supplies the facts.
An alert tells of incidents, of uptime monitors (down, recovered, certificate expiring), or both
(a summary of a burst)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

_TOP_FRAMES = 5
_LISTED = 20  # incidents named one by one in a summary or digest
_TRIGGER_WORDS = {
    "new": "New incident",
    "regressed": "Regression",
    "spike": "Spike",
    "escalation": "Still open",
    "test": "Test alert",
    "monitor_down": "Monitor down",
    "monitor_recovered": "Monitor recovered",
    "cert_expiring": "Certificate expiring",
}
UPTIME_TRIGGERS = frozenset({"monitor_down", "monitor_recovered", "cert_expiring"})
_LEVEL_COLORS = {"fatal": 0x8B0000, "error": 0xD93025, "warning": 0xF29900}
_MONITOR_COLORS = {"monitor_down": 0xD93025, "monitor_recovered": 0x188038,
                   "cert_expiring": 0xF29900}  # fmt: skip


@dataclass(frozen=True)
class IncidentFacts:
    id: int
    title: str
    level: str
    status: str
    event_count: int
    environments: list[str]
    first_seen: str
    last_seen: str
    frames: list[str]  # top in-app frames, crash first: "path:line in function"
    url: str
    editor_url: str | None
    trigger: str = "new"
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MonitorFacts:
    """One uptime event: trigger is monitor_down, monitor_recovered or cert_expiring."""

    id: int
    name: str
    check: str
    trigger: str
    url: str
    started_at: str | None = None
    resolved_at: str | None = None
    time_to_resolve: float | None = None
    error: str | None = None
    cert_expires_at: str | None = None


@dataclass(frozen=True)
class Alert:
    """Everything a message says. kind: alert | summary | digest | test."""

    kind: str
    project: str
    repository: str
    idempotency_key: str
    incidents: list[IncidentFacts]
    total: int  # incidents and monitor events covered (a summary may list fewer)
    project_url: str
    monitors: list[MonitorFacts] = field(default_factory=list)


def frame_lines(stack: list[dict[str, Any]] | None, top: dict[str, Any] | None) -> list[str]:
    """The top in-app frames, crash first, as `path:line in function`."""
    frames = [f for f in (stack or []) if f.get("in_app")] or ([top] if top else [])
    out = []
    for f in reversed(frames[-_TOP_FRAMES:]):
        where = f.get("path") or f.get("original_path") or f.get("module") or "?"
        line = f":{f['line']}" if f.get("line") else ""
        func = f" in {f['function']}" if f.get("function") else ""
        out.append(f"{where}{line}{func}")
    return out


def editor_url(repository: str, incident_id: int, path: str | None, line: int | None) -> str | None:
    """A `vscode://` link to the incident's top frame, for people with the Railguard extension."""
    if not path:
        return None
    query = f"incident={incident_id}&repository={quote(repository)}&path={quote(path)}"
    return f"vscode://railguard.railguard/open?{query}" + (f"&line={line}" if line else "")


def subject(alert: Alert) -> str:
    if alert.kind == "test":
        return f"[Railguard] Test alert for {alert.project}"
    if alert.kind == "digest":
        what = "alert" if alert.monitors else "incident"
        plural = "" if alert.total == 1 else "s"
        return f"[Railguard] Daily digest for {alert.project}: {alert.total} {what}{plural}"
    if alert.kind == "summary":
        what = ("alert" if alert.monitors else "incident") + ("" if alert.total == 1 else "s")
        return f"[Railguard] {alert.total} {what} in {alert.project}"
    if alert.monitors and not alert.incidents:
        mon = alert.monitors[0]
        words = _TRIGGER_WORDS.get(mon.trigger, "Alert")
        return f"[Railguard] {words} in {alert.project}: {mon.name}"[:250]
    one = alert.incidents[0]
    return (
        f"[Railguard] {_TRIGGER_WORDS.get(one.trigger, 'Alert')} in {alert.project}: {one.title}"[
            :250
        ]
    )


def _why(one: IncidentFacts) -> str:
    d = one.detail
    if one.trigger == "spike" and "count" in d:
        return f"{d['count']} events in {d.get('window_minutes')} min (usual {d.get('usual')})"
    if one.trigger == "escalation" and "open_hours" in d:
        return f"open for {d['open_hours']} h"
    return _TRIGGER_WORDS.get(one.trigger, one.trigger)


def monitor_why(mon: MonitorFacts) -> str:
    """Why a monitor alert fired, in one line."""
    if mon.trigger == "monitor_down":
        return f"down since {mon.started_at}: {mon.error or 'failing'}"
    if mon.trigger == "monitor_recovered":
        took = f"{mon.time_to_resolve:.0f} s" if mon.time_to_resolve is not None else "a while"
        return f"up again at {mon.resolved_at}, after {took} down (since {mon.started_at})"
    if mon.trigger == "cert_expiring":
        return f"its TLS certificate expires at {mon.cert_expires_at}"
    return mon.trigger


def _monitor_lines(alert: Alert) -> list[str]:
    lines: list[str] = []
    for mon in alert.monitors:
        lines += [
            f"{_TRIGGER_WORDS.get(mon.trigger, mon.trigger)}: {mon.name} ({mon.check})",
            f"  {monitor_why(mon)}",
            f"  Monitor: {mon.url}",
            "",
        ]
    return lines


def text_body(alert: Alert) -> str:
    lines = [subject(alert).removeprefix("[Railguard] "), ""]
    if alert.kind == "test":
        lines += [f"This is a test alert for {alert.project} ({alert.repository}).",
                  "If you can read it, this channel works."]  # fmt: skip
    for one in alert.incidents:
        lines += [
            f"{one.title}",
            f"  {_why(one)} · {one.level} · {one.event_count} events · "
            f"{', '.join(one.environments) or 'no environment'}",
            f"  first seen {one.first_seen}, last seen {one.last_seen}",
        ]
        lines += [f"    at {f}" for f in one.frames]
        lines += [f"  Incident: {one.url}"]
        if one.editor_url:
            lines += [f"  Open in editor: {one.editor_url}"]
        lines.append("")
    lines += _monitor_lines(alert)
    listed = len(alert.incidents) + len(alert.monitors)
    if alert.total > listed:
        lines.append(f"... and {alert.total - listed} more: {alert.project_url}")
    lines += ["", f"Alert {alert.idempotency_key} · {alert.project_url}"]
    return "\n".join(lines).rstrip() + "\n"


def html_body(alert: Alert) -> str:
    e = html.escape
    parts = [f"<h2>{e(subject(alert).removeprefix('[Railguard] '))}</h2>"]
    if alert.kind == "test":
        parts.append(f"<p>This is a test alert for {e(alert.project)}. This channel works.</p>")
    for one in alert.incidents:
        frames = "".join(f"<li><code>{e(f)}</code></li>" for f in one.frames)
        links = f'<a href="{e(one.url)}">Incident page</a>'
        if one.editor_url:
            links += f' · <a href="{e(one.editor_url)}">Open in editor</a>'
        parts.append(
            f"<h3>{e(one.title)}</h3><p>{e(_why(one))} · {e(one.level)} · "
            f"<b>{one.event_count}</b> events · {e(', '.join(one.environments))}<br>"
            f"first seen {e(one.first_seen)}, last seen {e(one.last_seen)}</p>"
            f"<ol>{frames}</ol><p>{links}</p>"
        )
    for mon in alert.monitors:
        parts.append(
            f"<h3>{e(_TRIGGER_WORDS.get(mon.trigger, mon.trigger))}: {e(mon.name)}</h3>"
            f"<p>{e(mon.check)} · {e(monitor_why(mon))}</p>"
            f'<p><a href="{e(mon.url)}">Monitor page</a></p>'
        )
    listed = len(alert.incidents) + len(alert.monitors)
    if alert.total > listed:
        more = alert.total - listed
        parts.append(
            f'<p>… and {more} more: <a href="{e(alert.project_url)}">all incidents</a></p>'
        )
    parts.append(f"<p style='color:#888'>Alert {e(alert.idempotency_key)}</p>")
    return "<!doctype html><html><body>" + "".join(parts) + "</body></html>"


def generic_payload(alert: Alert) -> dict[str, Any]:
    return {
        "type": alert.kind,
        "idempotency_key": alert.idempotency_key,
        "project": {"name": alert.project, "repository": alert.repository,
                    "url": alert.project_url},
        "total": alert.total,
        "incidents": [
            {"id": i.id, "title": i.title, "trigger": i.trigger, "level": i.level,
             "status": i.status, "event_count": i.event_count, "environments": i.environments,
             "first_seen": i.first_seen, "last_seen": i.last_seen, "frames": i.frames,
             "url": i.url, "editor_url": i.editor_url, "detail": i.detail}
            for i in alert.incidents
        ],
        "monitors": [
            {"id": m.id, "name": m.name, "check": m.check, "trigger": m.trigger, "url": m.url,
             "started_at": m.started_at, "resolved_at": m.resolved_at,
             "time_to_resolve": m.time_to_resolve, "error": m.error,
             "cert_expires_at": m.cert_expires_at}
            for m in alert.monitors
        ],
    }  # fmt: skip


def _line(one: IncidentFacts) -> str:
    where = f" at {one.frames[0]}" if one.frames else ""
    return f"{_why(one)} · {one.event_count} events{where}"


def slack_payload(alert: Alert) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject(alert)[:150]}}
    ]
    for one in alert.incidents[:_LISTED]:
        text = f"*<{one.url}|{_slack_escape(one.title)}>*\n{_slack_escape(_line(one))}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    for mon in alert.monitors[:_LISTED]:
        text = f"*<{mon.url}|{_slack_escape(mon.name)}>*\n{_slack_escape(monitor_why(mon))}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    if alert.total > len(alert.incidents) + len(alert.monitors):
        more = f"… and {alert.total - len(alert.incidents)} more: <{alert.project_url}|all>"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return {"text": subject(alert), "blocks": blocks}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def discord_payload(alert: Alert) -> dict[str, Any]:
    embeds = [
        {
            "title": one.title[:256],
            "url": one.url,
            "description": (_line(one) + "\n" + "\n".join(f"`{f}`" for f in one.frames))[:4096],
            "color": _LEVEL_COLORS.get(one.level, 0x5865F2),
        }
        for one in alert.incidents[:10]  # Discord takes at most 10 embeds
    ]
    embeds += [
        {"title": mon.name[:256], "url": mon.url, "description": monitor_why(mon)[:4096],
         "color": _MONITOR_COLORS.get(mon.trigger, 0x5865F2)}
        for mon in alert.monitors[: 10 - len(embeds)]
    ]  # fmt: skip
    content = subject(alert)
    if alert.total > len(embeds):
        content += f" (showing {len(embeds)}; all: {alert.project_url})"
    return {"content": content[:2000], "embeds": embeds, "allowed_mentions": {"parse": []}}


def teams_payload(alert: Alert) -> dict[str, Any]:
    """An Adaptive Card message, as Teams incoming webhooks and Workflows accept."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": subject(alert),
         "wrap": True}
    ]  # fmt: skip
    for one in alert.incidents[:_LISTED]:
        body.append({"type": "TextBlock", "text": f"[{one.title}]({one.url})", "wrap": True})
        body.append({"type": "TextBlock", "text": _line(one), "isSubtle": True, "wrap": True})
    for mon in alert.monitors[:_LISTED]:
        body.append({"type": "TextBlock", "text": f"[{mon.name}]({mon.url})", "wrap": True})
        body.append({"type": "TextBlock", "text": monitor_why(mon), "isSubtle": True, "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": "Open Railguard", "url": alert.project_url}
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def webhook_payload(kind: str, alert: Alert) -> dict[str, Any]:
    if kind == "slack":
        return slack_payload(alert)
    if kind == "discord":
        return discord_payload(alert)
    if kind == "teams":
        return teams_payload(alert)
    return generic_payload(alert)
