"""Fixtures for the web app's tests: the app on a port its public URL names (so DSNs and links
shown in pages work as printed), and a real headless Chromium driven by Playwright.

The browser is Debian's `chromium` that `make browser` installs (never Playwright's download):
without it the browser tests skip and say so. axe-core comes from its npm package in
tests/web/node (`npm ci` by the same target).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, async_playwright

from railguard.server.app import create_app
from railguard.server.settings import Settings
from support import free_port

CHROMIUM = Path(os.environ.get("RAILGUARD_TEST_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def web_port() -> int:
    return free_port()


@pytest.fixture
def settings(database_url: str, web_port: int) -> Settings:
    return Settings(
        database_url=database_url, public_url=f"http://127.0.0.1:{web_port}",
        argon2_memory_kib=1024, argon2_time_cost=1, writer_batch_wait_ms=2,
    )  # fmt: skip


@pytest.fixture
async def client(settings: Settings, web_port: int) -> AsyncIterator[TestClient[Any, Any]]:
    server = TestServer(create_app(settings), host="127.0.0.1", port=web_port)
    async with TestClient(server) as test_client:
        yield test_client


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no headless Chromium at {CHROMIUM}: `make browser` installs Debian's "
                    "chromium when run as root with apt-get")  # fmt: skip
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}: run `make browser`")
    return AXE.read_text()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nweb screenshots: {folder}")
    return folder
