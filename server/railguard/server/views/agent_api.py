"""The API an external agent speaks, authenticated by its key: claim due checks (which is also
its liveness report) and send results."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from railguard.server.endpoints import Endpoint
from railguard.server.http import json_response, parse_request
from railguard.server.keys import POOL
from railguard.server.uptime import agents
from railguard.server.uptime.builtin import claim_jobs
from railguard.server.uptime.checks import CheckResult
from railguard.server.uptime.results import apply_result
from railguard.wire import uptime as u


def _key(request: web.Request) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


async def claim(request: web.Request) -> web.Response:
    body = await parse_request(request, u.AgentClaimRequest)
    pool = request.app[POOL]
    agent = await agents.authenticate(pool, _key(request), body)
    jobs = await claim_jobs(pool, agent_id=agent["id"], lookahead=body.lookahead_seconds, limit=500)
    return json_response(
        u.AgentClaim(
            agent_id=agent["id"],
            server_time=datetime.now(UTC),
            jobs=[
                u.AgentJob(
                    monitor_id=j.monitor_id,
                    due_at=j.due_at,
                    timeout_seconds=j.timeout,
                    check=j.check,
                )  # fmt: skip
                for j in jobs
            ],
        )
    )


async def results(request: web.Request) -> web.Response:
    pool = request.app[POOL]
    agent = await agents.authenticate(pool, _key(request), None)
    body = await parse_request(request, u.AgentResultsRequest)
    accepted = 0
    for item in body.results:
        result = CheckResult(item.ok, item.latency_ms, item.error, item.cert_expires_at)
        # Only the agent's own monitors: anything else is skipped, and not counted.
        if await apply_result(pool, monitor_id=item.monitor_id, result=result,
                              checked_at=item.checked_at, due_at=item.due_at,
                              agent_id=agent["id"]):  # fmt: skip
            accepted += 1
    return json_response(u.AgentResultsAccepted(accepted=accepted))


ENDPOINTS = [
    Endpoint("POST", "/api/v1/agent/claim", claim, "agent_claim",
             "An external agent's liveness report; answers the checks now due for it.",
             request=u.AgentClaimRequest, response=u.AgentClaim, authenticated=False,
             errors=(400, 401, 422)),
    Endpoint("POST", "/api/v1/agent/results", results, "agent_results",
             "An external agent's check results.", request=u.AgentResultsRequest,
             response=u.AgentResultsAccepted, authenticated=False, errors=(400, 401, 422)),
]  # fmt: skip
