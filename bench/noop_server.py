"""The HTTP ceiling: a no-op aiohttp POST handler, run as its own process.

`python -m bench.noop_server PORT`: reads the body (without decompressing it, as Railguard's
app is configured) and answers `{"id": ...}` like the ingest endpoint, with the same aiohttp and
the same `web.run_app` settings as `railguard serve`. Whatever the real server adds on top of this
(decompression, parsing, grouping, the database) is the cost the ratio shows.
"""

from __future__ import annotations

import sys

from aiohttp import web

_BODY = b'{"id":"00000000000000000000000000000000"}'


async def handle(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=_BODY, content_type="application/json")


def main() -> None:
    port = int(sys.argv[1])
    app = web.Application(
        client_max_size=100 * 1024 * 1024, handler_args={"auto_decompress": False}
    )
    app.router.add_post("/{tail:.*}", handle)
    app.router.add_get("/health", health)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, keepalive_timeout=75)


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


if __name__ == "__main__":
    main()
