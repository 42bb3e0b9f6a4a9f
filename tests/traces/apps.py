"""Small instrumented apps the trace tests run as subprocesses: an aiohttp service under the
real `sentry_sdk` (traces_sample_rate=1.0) and one under the OpenTelemetry SDK."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

SENTRY_APP = textwrap.dedent(
    """\
    import asyncio
    import sys
    import time

    import aiohttp
    import sentry_sdk
    from aiohttp import web
    from sentry_sdk.integrations.aiohttp import AioHttpIntegration

    sentry_sdk.init(
        dsn=sys.argv[1], traces_sample_rate=1.0, environment="staging", release="shop@1.0",
        integrations=[AioHttpIntegration(transaction_style="method_and_path_pattern")],
    )


    async def order(request):
        number = int(request.match_info["id"])
        with sentry_sdk.start_span(op="db", name=f"SELECT * FROM orders WHERE id = {number}"):
            time.sleep(0.02)
        with sentry_sdk.start_span(op="http.client", name="GET http://pricing/quote"):
            time.sleep(0.005)
        if number == 0:
            raise ZeroDivisionError("no order zero")
        return web.json_response({"id": number})


    async def main():
        app = web.Application()
        app.router.add_get("/orders/{id}", order)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        async with aiohttp.ClientSession() as session:
            for number in (1, 2, 3, 0):
                async with session.get(
                    f"http://127.0.0.1:{port}/orders/{number}",
                    headers={"Authorization": "Bearer s3cret-token", "X-Shop": "blue"},
                ) as resp:
                    await resp.read()
        await runner.cleanup()
        sentry_sdk.flush(timeout=20)


    asyncio.run(main())
    """
)


async def run_script(folder: Path, source: str, *args: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(source)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "app.py", *args, cwd=folder,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, out.decode()
    return out.decode()


OTEL_APP = textwrap.dedent(
    """\
    import sys
    import time

    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind, Status, StatusCode

    endpoint, key = sys.argv[1], sys.argv[2]
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(
        {"service.name": "checkout", "deployment.environment.name": "prod",
         "service.version": "2.0"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("shop")

    for n in range(3):
        with tracer.start_as_current_span(
            "GET /cart/{id}", kind=SpanKind.SERVER,
            attributes={"http.request.method": "GET", "http.route": "/cart/{id}",
                        "http.request.header.authorization": ["Bearer hunter2"]},
        ) as server:
            with tracer.start_as_current_span(
                "SELECT cart", kind=SpanKind.CLIENT,
                attributes={"db.system": "postgresql",
                            "db.statement": f"SELECT * FROM carts WHERE id = {n}",
                            "code.function": "load_cart", "code.lineno": 12},
            ):
                time.sleep(0.01)
            if n == 2:
                server.set_status(Status(StatusCode.ERROR, "boom"))

    exporter = OTLPSpanExporter(endpoint=endpoint, headers={"X-Railguard-Key": key})
    result = exporter.export(memory.get_finished_spans())
    exporter.shutdown()
    print(result)
    sys.exit(0 if result == SpanExportResult.SUCCESS else 1)
    """
)
