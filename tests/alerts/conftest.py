"""Alert tests run the app with a real SMTP server on loopback and fast retries."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The end-to-end ingest helpers (projects, envelopes, polling) are shared with those tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest_e2e"))

from alertkit import SmtpSink, alert_settings
from railguard.server.settings import Settings


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def settings(database_url: str, smtp: SmtpSink) -> Settings:
    return alert_settings(database_url, smtp)
