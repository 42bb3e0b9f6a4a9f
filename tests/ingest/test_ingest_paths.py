"""Frame path → repository path reduction, with and without per-project rules."""

from __future__ import annotations

import pytest

from railguard.server.ingest.paths import guess_in_app, reduce_path
from railguard.wire.models import PathRule

SRV = PathRule(strip_prefix="/srv/app/")
MONO = PathRule(strip_prefix="/srv/app", source_root="services/api")
ASSETS = PathRule(strip_prefix="https://shop.example.com/assets/", source_root="web/dist/")
JAVA = PathRule(strip_prefix="", source_root="src/main/java")


@pytest.mark.parametrize(
    ("filename", "abs_path", "module", "platform", "rules", "expected"),
    [
        # Python: filename is relative to the sys.path root
        pytest.param(
            "myapp/billing.py",
            "/srv/app/myapp/billing.py",
            "myapp.billing",
            "python",
            [],
            ("myapp/billing.py", "/srv/app/myapp/billing.py"),
            id="python-relative-filename",
        ),
        pytest.param(
            "run.py",
            "/srv/app/run.py",
            "__main__",
            "python",
            [SRV],
            ("run.py", "/srv/app/run.py"),
            id="python-rule",
        ),
        pytest.param(
            "myapp/billing.py",
            "/srv/app/myapp/billing.py",
            None,
            "python",
            [MONO],
            ("services/api/myapp/billing.py", "/srv/app/myapp/billing.py"),
            id="monorepo-source-root",
        ),
        pytest.param(
            None,
            "/srv/application/x.py",
            None,
            "python",
            [MONO],
            (None, "/srv/application/x.py"),
            id="prefix-respects-directory-boundary",
        ),
        pytest.param(
            "<frozen runpy>",
            "<frozen runpy>",
            "runpy",
            "python",
            [],
            (None, "<frozen runpy>"),
            id="frozen",
        ),
        pytest.param("<string>", None, None, "python", [SRV], (None, "<string>"), id="string"),
        # Node: absolute filename, no abs_path
        pytest.param(
            "/srv/app/services/billing.js",
            None,
            "services:billing",
            "node",
            [],
            (None, "/srv/app/services/billing.js"),
            id="node-absolute-no-rule",
        ),
        pytest.param(
            "/srv/app/services/billing.js",
            None,
            "services:billing",
            "node",
            [SRV],
            ("services/billing.js", "/srv/app/services/billing.js"),
            id="node-rule",
        ),
        pytest.param(
            "node:internal/modules/run_main",
            None,
            None,
            "node",
            [SRV],
            (None, "node:internal/modules/run_main"),
            id="node-internal",
        ),
        # bundler URLs
        pytest.param(
            "webpack://app/./src/x.ts",
            None,
            None,
            "javascript",
            [],
            ("src/x.ts", "webpack://app/./src/x.ts"),
            id="webpack-namespace",
        ),
        pytest.param(
            "webpack:///src/x.ts",
            None,
            None,
            "javascript",
            [],
            ("src/x.ts", "webpack:///src/x.ts"),
            id="webpack-triple-slash",
        ),
        pytest.param(
            "webpack:///./src/x.ts?abc",
            None,
            None,
            "javascript",
            [],
            ("src/x.ts", "webpack:///./src/x.ts?abc"),
            id="webpack-query",
        ),
        pytest.param(
            "app:///src/x.js",
            "app:///src/x.js",
            None,
            "javascript",
            [],
            ("src/x.js", "app:///src/x.js"),
            id="app-url",
        ),
        pytest.param(
            "app:///../etc/passwd",
            None,
            None,
            "javascript",
            [],
            (None, "app:///../etc/passwd"),
            id="app-url-dotdot",
        ),
        pytest.param(
            "file:///srv/app/x.py",
            None,
            None,
            "python",
            [],
            (None, "file:///srv/app/x.py"),
            id="file-url-absolute-no-rule",
        ),
        pytest.param(
            "file:///srv/app/x.py",
            None,
            None,
            "python",
            [SRV],
            ("x.py", "file:///srv/app/x.py"),
            id="file-url-with-rule",
        ),
        pytest.param(
            "/assets/index-BxY3kZ9a.js",
            "https://shop.example.com/assets/index-BxY3kZ9a.js",
            None,
            "javascript",
            [],
            (None, "https://shop.example.com/assets/index-BxY3kZ9a.js"),
            id="https-asset-no-rule",
        ),
        pytest.param(
            None,
            "https://shop.example.com/assets/app.js",
            None,
            "javascript",
            [ASSETS],
            ("web/dist/app.js", "https://shop.example.com/assets/app.js"),
            id="https-rule",
        ),
        # Windows
        pytest.param(
            "C:\\app\\billing.py",
            None,
            None,
            "python",
            [],
            (None, "C:/app/billing.py"),
            id="windows-absolute",
        ),
        pytest.param(
            "C:\\app\\billing.py",
            None,
            None,
            "python",
            [PathRule(strip_prefix="C:\\app\\")],
            ("billing.py", "C:/app/billing.py"),
            id="windows-rule",
        ),
        pytest.param(
            "myapp\\billing.py",
            None,
            None,
            "python",
            [],
            ("myapp/billing.py", "myapp/billing.py"),
            id="windows-relative",
        ),
        # relative path hygiene
        pytest.param(
            "./lib/x.rb",
            "/srv/app/lib/x.rb",
            None,
            "ruby",
            [],
            ("lib/x.rb", "/srv/app/lib/x.rb"),
            id="dot-slash",
        ),
        pytest.param(
            "../secrets/x.py",
            None,
            None,
            "python",
            [],
            (None, "../secrets/x.py"),
            id="dotdot-refused",
        ),
        pytest.param(
            None,
            "/srv/app/../etc/x.py",
            None,
            "python",
            [SRV],
            (None, "/srv/app/../etc/x.py"),
            id="dotdot-after-rule",
        ),
        pytest.param(
            "x.py",
            None,
            None,
            "python",
            [PathRule(strip_prefix="", source_root="/backend/")],
            ("backend/x.py", "x.py"),
            id="root-only-rule-relative",
        ),
        # Java: module + filename
        pytest.param(
            "App.java",
            None,
            "com.example.App",
            "java",
            [],
            (None, "com/example/App.java"),
            id="java-no-rule",
        ),
        pytest.param(
            "App.java",
            None,
            "com.example.App",
            "java",
            [JAVA],
            ("src/main/java/com/example/App.java", "com/example/App.java"),
            id="java-source-root",
        ),
        pytest.param(
            None, None, "com.example.App", "java", [JAVA], (None, None), id="java-no-file"
        ),
        # nothing at all
        pytest.param(None, None, None, None, [SRV], (None, None), id="empty"),
        pytest.param("", "", "", "", [], (None, None), id="empty-strings"),
    ],
)
def test_reduce_path(
    filename: str | None,
    abs_path: str | None,
    module: str | None,
    platform: str | None,
    rules: list[PathRule],
    expected: tuple[str | None, str | None],
) -> None:
    assert (
        reduce_path(
            filename=filename, abs_path=abs_path, module=module, platform=platform, rules=rules
        )
        == expected
    )


def test_first_matching_rule_wins() -> None:
    rules = [PathRule(strip_prefix="/srv/"), PathRule(strip_prefix="/srv/app/")]
    assert reduce_path(
        filename=None, abs_path="/srv/app/x.py", module=None, platform="python", rules=rules
    ) == ("app/x.py", "/srv/app/x.py")


@pytest.mark.parametrize(
    ("filename", "module", "platform", "expected"),
    [
        pytest.param("/srv/app/x.py", None, "python", True, id="app"),
        pytest.param("/usr/lib/python3.11/json/decoder.py", None, "python", False, id="stdlib"),
        pytest.param(
            "/srv/app/.venv/lib/python3.11/site-packages/flask/app.py",
            None,
            "python",
            False,
            id="site-packages",
        ),
        pytest.param(
            "/srv/app/node_modules/express/lib/router.js", None, "node", False, id="node_modules"
        ),
        pytest.param("node:internal/process/task_queues", None, "node", False, id="node-internal"),
        pytest.param("<frozen runpy>", None, "python", False, id="frozen"),
        pytest.param("/usr/local/bundle/gems/rack-3.0/lib/rack.rb", None, "ruby", False, id="gems"),
        pytest.param("App.java", "com.example.App", "java", True, id="java-app"),
        pytest.param("Thread.java", "java.lang.Thread", "java", False, id="java-jdk"),
        pytest.param(None, "jdk.internal.reflect.X", "java", False, id="java-native"),
        pytest.param(None, None, None, False, id="nothing"),
    ],
)
def test_guess_in_app(
    filename: str | None, module: str | None, platform: str | None, expected: bool
) -> None:
    assert (
        guess_in_app(filename=filename, abs_path=None, module=module, platform=platform) is expected
    )
