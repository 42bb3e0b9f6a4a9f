"""Uptime events rendered for every channel from their outbox decision: down, recovered and
certificate expiring each say what, why and where to look."""

from __future__ import annotations

from typing import Any

import pytest

from railguard.server.alerts import render
from railguard.server.alerts.deliver import build_alert

BASE = "https://rg.example"
DETAILS: dict[str, dict[str, Any]] = {
    "monitor_down": {
        "monitor": {"id": 7, "name": "shop <health>", "kind": "http"},
        "outage": {"id": 3, "started_at": "2026-12-02T10:00:00+00:00", "resolved_at": None,
                   "time_to_resolve": None, "first_error": "status 500, expected 200-399"},
    },
    "monitor_recovered": {
        "monitor": {"id": 7, "name": "shop <health>", "kind": "http"},
        "outage": {"id": 3, "started_at": "2026-12-02T10:00:00+00:00",
                   "resolved_at": "2026-12-02T10:02:05+00:00", "time_to_resolve": 125.0,
                   "first_error": "status 500, expected 200-399"},
    },
    "cert_expiring": {
        "monitor": {"id": 7, "name": "shop <health>", "kind": "http"},
        "cert_expires_at": "2026-12-09T00:00:00+00:00",
    },
}  # fmt: skip
WORDS = {
    "monitor_down": ("Monitor down", "down since 2026-12-02T10:00:00+00:00: status 500"),
    "monitor_recovered": ("Monitor recovered", "after 125 s down"),
    "cert_expiring": ("Certificate expiring", "expires at 2026-12-09T00:00:00+00:00"),
}


def _alert(trigger: str, kind: str = "alert") -> render.Alert:
    row = {"kind": kind, "triggers": [trigger], "incident_ids": [], "outbox_ids": [41],
           "project_name": "Shop", "repository": "github.com/acme/shop", "project_id": 1,
           "idempotency_key": "rg-a41-c2-abc"}  # fmt: skip
    outbox = {41: {"id": 41, "incident_id": None, "trigger": trigger, "detail": DETAILS[trigger]}}
    return build_alert(row, {}, outbox, BASE)


@pytest.mark.parametrize("trigger", list(DETAILS))
def test_every_channel_tells_the_event(trigger: str) -> None:
    alert = _alert(trigger)
    title, why = WORDS[trigger]
    assert render.subject(alert) == f"[Railguard] {title} in Shop: shop <health>"
    text = render.text_body(alert)
    assert why in text and f"{BASE}/monitors/7" in text
    html = render.html_body(alert)
    assert "shop &lt;health&gt;" in html and "<health>" not in html
    assert f'href="{BASE}/monitors/7"' in html
    generic = render.generic_payload(alert)
    assert generic["incidents"] == [] and generic["total"] == 1
    (monitor,) = generic["monitors"]
    assert monitor["trigger"] == trigger and monitor["url"] == f"{BASE}/monitors/7"
    slack = render.slack_payload(alert)
    assert why.replace("<", "&lt;") in slack["blocks"][1]["text"]["text"]
    assert render.discord_payload(alert)["embeds"][0]["url"] == f"{BASE}/monitors/7"
    card = render.teams_payload(alert)["attachments"][0]["content"]
    assert any(why in block["text"] for block in card["body"])


def test_a_summary_counts_monitor_events_as_alerts() -> None:
    alert = _alert("monitor_down", kind="summary")
    assert render.subject(alert) == "[Railguard] 1 alert in Shop"
