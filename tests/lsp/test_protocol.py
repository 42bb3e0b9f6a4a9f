"""The pre-rendered publish (`RailguardProtocol.notify_json`) against pygls's own `notify`:
the same frame for the same payload, with pygls's internals and without them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lsprotocol import types
from lsprotocol.converters import get_converter

from railguard.lsp.factory import create_server
from railguard.lsp.protocol import RailguardProtocol

PARAMS: dict[str, Any] = {
    "uri": "file:///r/app/caf%C3%A9.py",
    "diagnostics": [
        {
            "range": {"start": {"line": 3, "character": 4}, "end": {"line": 3, "character": 9}},
            "severity": 1,
            "code": 7,
            "source": "railguard",
            "message": "ZeroDivisionError: división ☃ (3 events; last seen 5 min ago)",
            "data": {"incidentId": 7, "placement": "exact"},
        }
    ],
    "version": 4,
}


class Sink:
    """The transport: what the protocol writes, as bytes."""

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data

    def close(self) -> None:
        pass


def sent(protocol: RailguardProtocol, send: Any) -> tuple[dict[str, str], bytes]:
    sink = Sink()
    protocol.set_writer(sink)
    send()
    head, _, body = sink.data.partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode("ascii").split("\r\n"))
    return headers, body


def test_notify_json_sends_the_frame_notify_sends() -> None:
    protocol = create_server().protocol
    method = "textDocument/publishDiagnostics"
    text = json.dumps(PARAMS, separators=(",", ":"))
    ours = sent(protocol, lambda: protocol.notify_json(method, text))
    typed = get_converter().structure(PARAMS, types.PublishDiagnosticsParams)
    theirs = sent(protocol, lambda: protocol.notify(method, typed))
    assert ours[0].keys() == theirs[0].keys() == {"Content-Length", "Content-Type"}
    assert ours[0]["Content-Type"] == theirs[0]["Content-Type"]
    for headers, body in (ours, theirs):
        assert int(headers["Content-Length"]) == len(body)
    assert json.loads(ours[1]) == json.loads(theirs[1])
    assert json.loads(ours[1]) == {"jsonrpc": "2.0", "method": method, "params": PARAMS}


def test_without_headers_it_sends_the_body_alone_as_notify_does() -> None:
    protocol = create_server().protocol
    sink = Sink()
    protocol.set_writer(sink, include_headers=False)
    protocol.notify_json("railguard/status", '{"connected":false}')
    ours, sink.data = sink.data, b""
    protocol.notify("railguard/status", {"connected": False})
    assert json.loads(ours) == json.loads(sink.data)


def test_without_pygls_internals_it_falls_back_to_notify(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    protocol = create_server().protocol
    calls: list[tuple[str, Any]] = []
    monkeypatch.delattr(protocol, "_include_headers")
    monkeypatch.setattr(protocol, "notify", lambda method, params: calls.append((method, params)))
    protocol.notify_json("textDocument/publishDiagnostics", json.dumps(PARAMS))
    assert calls == [("textDocument/publishDiagnostics", PARAMS)]
