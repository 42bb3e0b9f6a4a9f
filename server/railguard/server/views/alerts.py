"""Alert rules, channels, your own preferences, the delivery log and test alerts of a project.

Members read; admins change rules and channels; everyone sets their own preferences and may
send themselves a test alert.
"""

from __future__ import annotations

from aiohttp import web

from railguard.server.alerts import store
from railguard.server.auth import USER, membership
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import Invalid
from railguard.server.http import int_param, json_response, parse_request, query_int
from railguard.server.keys import POOL, SETTINGS
from railguard.wire import alerts as a

_STATUSES = {"pending", "held", "delivered", "failed", "digested"}


async def _member(request: web.Request, *, owner: bool = False) -> tuple[int, int]:
    """The caller and the project; `owner`: changes to the project's alerting (admins)."""
    project = await membership(request, role="admin" if owner else "viewer")
    return request[USER].id, project.project_id


async def list_rules(request: web.Request) -> web.Response:
    _, project_id = await _member(request)
    return json_response(await store.list_rules(request.app[POOL], project_id))


async def create_rule(request: web.Request) -> web.Response:
    _, project_id = await _member(request, owner=True)
    body = await parse_request(request, a.AlertRuleRequest)
    return json_response(await store.create_rule(request.app[POOL], project_id, body), status=201)


async def update_rule(request: web.Request) -> web.Response:
    _, project_id = await _member(request, owner=True)
    rule_id = int_param(request, "rule_id")
    body = await parse_request(request, a.AlertRuleRequest)
    return json_response(await store.update_rule(request.app[POOL], project_id, rule_id, body))


async def delete_rule(request: web.Request) -> web.Response:
    _, project_id = await _member(request, owner=True)
    await store.delete_rule(request.app[POOL], project_id, int_param(request, "rule_id"))
    return web.Response(status=204)


async def list_channels(request: web.Request) -> web.Response:
    _, project_id = await _member(request)
    return json_response(await store.list_channels(request.app[POOL], project_id))


async def create_channel(request: web.Request) -> web.Response:
    _, project_id = await _member(request, owner=True)
    body = await parse_request(request, a.AlertChannelRequest)
    created = await store.create_channel(request.app[POOL], project_id, body)
    return json_response(created, status=201)


async def delete_channel(request: web.Request) -> web.Response:
    _, project_id = await _member(request, owner=True)
    await store.delete_channel(request.app[POOL], project_id, int_param(request, "channel_id"))
    return web.Response(status=204)


async def get_preferences(request: web.Request) -> web.Response:
    user_id, project_id = await _member(request)
    return json_response(await store.get_preferences(request.app[POOL], user_id, project_id))


async def put_preferences(request: web.Request) -> web.Response:
    user_id, project_id = await _member(request)
    body = await parse_request(request, a.AlertPreferencesRequest)
    prefs = await store.put_preferences(request.app[POOL], user_id, project_id, body)
    return json_response(prefs)


async def list_deliveries(request: web.Request) -> web.Response:
    _, project_id = await _member(request)
    status = request.query.get("status") or None
    if status is not None and status not in _STATUSES:
        raise Invalid(f"status must be one of {', '.join(sorted(_STATUSES))}.")
    before = query_int(request, "before", 1, 2**62)
    limit = query_int(request, "limit", 1, 200) or 50
    page = await store.list_deliveries(
        request.app[POOL], project_id, status=status, before=before, limit=limit
    )
    return json_response(page)


async def send_test(request: web.Request) -> web.Response:
    user_id, project_id = await _member(request)
    body = await parse_request(request, a.AlertTestRequest)
    sent = await store.send_test(
        request.app[POOL], request.app[SETTINGS], project_id,
        channel_id=body.channel_id, only_user=user_id,
    )  # fmt: skip
    return json_response(sent, status=202)


_P = "/api/v1/projects/{project_id}/alerts"
ENDPOINTS = [
    Endpoint("GET", _P + "/rules", list_rules, "list_alert_rules", "A project's alert rules.",
             response=a.AlertRule, many=True, errors=(404,)),
    Endpoint("POST", _P + "/rules", create_rule, "create_alert_rule",
             "Add an alert rule (admins).", request=a.AlertRuleRequest, response=a.AlertRule,
             status=201, errors=(403, 404)),
    Endpoint("PUT", _P + "/rules/{rule_id}", update_rule, "update_alert_rule",
             "Replace an alert rule (admins).", request=a.AlertRuleRequest,
             response=a.AlertRule, errors=(403, 404)),
    Endpoint("DELETE", _P + "/rules/{rule_id}", delete_rule, "delete_alert_rule",
             "Delete an alert rule (admins).", status=204, errors=(403, 404)),
    Endpoint("GET", _P + "/channels", list_channels, "list_alert_channels",
             "A project's alert channels (secrets are never shown).", response=a.AlertChannel,
             many=True, errors=(404,)),
    Endpoint("POST", _P + "/channels", create_channel, "create_alert_channel",
             "Add an email or webhook channel (admins).", request=a.AlertChannelRequest,
             response=a.AlertChannel, status=201, errors=(403, 404)),
    Endpoint("DELETE", _P + "/channels/{channel_id}", delete_channel, "delete_alert_channel",
             "Delete an alert channel (admins).", status=204, errors=(403, 404)),
    Endpoint("GET", _P + "/preferences", get_preferences, "get_alert_preferences",
             "Your alert preferences for this project.", response=a.AlertPreferences,
             errors=(404,)),
    Endpoint("PUT", _P + "/preferences", put_preferences, "put_alert_preferences",
             "Set your alert preferences for this project.", request=a.AlertPreferencesRequest,
             response=a.AlertPreferences, errors=(404,), scope="triage"),
    Endpoint("GET", _P + "/deliveries", list_deliveries, "list_alert_deliveries",
             "The delivery log: what was sent, to whom, when, status and last error.",
             response=a.AlertDeliveryPage, errors=(404, 422),
             query=(QueryParam("status", "Only deliveries in this status."),
                    QueryParam("before", "Only deliveries with a smaller id (paging).",
                               "integer"),
                    QueryParam("limit", "At most this many (1-200, default 50).", "integer"))),
    Endpoint("POST", _P + "/test", send_test, "send_test_alert",
             "Send a test alert on every channel (or one); member email goes to you only.",
             request=a.AlertTestRequest, response=a.AlertDelivery, many=True, status=202,
             errors=(404, 422)),
]  # fmt: skip
