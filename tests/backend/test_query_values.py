"""Every query parameter of the JSON API answers 4xx, never 500, to out-of-range or invalid
values: far-future times with extreme offsets, huge limits and cursors, negative and oversized
numbers, NUL characters and undecodable percent-escapes.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from railguard.server.app import all_endpoints
from support import Api

_FORGED_CURSORS = [
    base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    for value in (
        ["9999-12-31T23:59:59-14:00", 1],
        ["0001-01-01T00:00:00+14:00", 1],
        ["2026-01-01T00:00:00+00:00", -1],
        ["2026-01-01T00:00:00+00:00", 2**64],
        ["2026-01-01T00:00:00+00:00", "1" * 5000],
        ["2026-01-01T00:00:00", 1],
        "x",
        [],
    )
]
BAD_VALUES = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999+00:00",
    "-1",
    "-9223372036854775809",
    "99999999999999999999999999",
    "9" * 5000,
    "0",
    "1e308",
    "NaN",
    "%00",
    "a%00b",
    "%ED%A0%80",
    "%FF%FE",
    "x" * 10_000,
    *_FORGED_CURSORS,
]


def _query_endpoints() -> list[tuple[str, str]]:
    out = []
    for endpoint in all_endpoints():
        for param in endpoint.query:
            out.append((endpoint.path, param.name))
    return out


def _fill(path: str, project_id: int) -> str:
    return path.replace("{project_id}", str(project_id)).replace("{incident_id}", "1")


@pytest.mark.parametrize(("path", "param"), _query_endpoints())
async def test_query_values_never_500(api: Api, path: str, param: str) -> None:
    owner = await api.account()
    project = await api.project(owner)
    base = _fill(path, project["id"])
    others = "&repository=" + project["repository"] if param != "repository" else ""
    failures: list[Any] = []
    for value in BAD_VALUES:
        url = f"{base}?{param}={value}{others}"
        resp = await api.client.get(url, headers=owner.headers)
        if resp.headers.get("Content-Type", "").startswith("text/event-stream"):
            resp.close()  # a valid value opens the live stream, which never ends
            continue
        body = await resp.read()
        if resp.status >= 500:
            failures.append((value[:60], resp.status, body[:200]))
    assert not failures


async def test_far_future_since_is_400(api: Api) -> None:
    owner = await api.account()
    project = await api.project(owner)
    resp = await api.client.get(
        f"/api/v1/projects/{project['id']}/incidents",
        params={"since": "9999-12-31T23:59:59-14:00"},
        headers=owner.headers,
    )
    assert resp.status == 400, await resp.text()
