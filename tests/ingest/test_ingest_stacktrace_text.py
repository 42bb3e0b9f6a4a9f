"""Raw text trace parsers: every format comes out oldest → newest."""

from __future__ import annotations

import time

import pytest

from railguard.server.ingest.stacktrace_text import detect_format, parse_stack_trace

PYTHON = """\
Traceback (most recent call last):
  File "/srv/app/run.py", line 16, in <module>
    main()
  File "/srv/app/myapp/billing.py", line 10, in charge
    invoice = load_invoice(number)
              ^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
ValueError: Invoice 99 not found
"""

PYTHON_CHAINED = """\
Traceback (most recent call last):
  File "/srv/app/myapp/billing.py", line 3, in load_invoice
    return invoices[number]
           ~~~~~~~~^^^^^^^^
KeyError: 99

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/app/run.py", line 16, in <module>
    charge(99)
  File "/srv/app/myapp/billing.py", line 10, in charge
    raise ValueError(f"Invoice {number} not found") from exc
ValueError: Invoice 99 not found
"""

PYTHON_DURING = PYTHON_CHAINED.replace(
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)

PYTHON_MULTILINE = """\
Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "/srv/app/tool.py", line 4, in main
    raise RuntimeError("first line\\nsecond")
RuntimeError: first line
second line
"""

PYTHON_NO_MESSAGE = """\
Traceback (most recent call last):
  File "app.py", line 1, in <module>
    raise KeyboardInterrupt
KeyboardInterrupt
"""

V8 = """\
TypeError: Cannot read properties of undefined (reading 'id')
    at Object.loadInvoice (/srv/app/services/billing.js:10:15)
    at charge (/srv/app/services/billing.js:20:3)
    at async Promise.all (index 0)
    at new Invoice (/srv/app/models/invoice.js:5:11)
    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:122:12)
    at /srv/app/main.js:5:1
"""

V8_ASYNC_EVAL = """\
Error: boom
    at eval (eval at <anonymous> (/srv/app/loader.js:3:9), <anonymous>:1:7)
    at async handler (/srv/app/server.js:44:5)
    at Array.map (<anonymous>)
"""

V8_BROWSER_UNCAUGHT = """\
Uncaught ReferenceError: foo is not defined
    at https://shop.example.com/assets/index-BxY3kZ9a.js:1:2345
"""

FIREFOX = """\
loadInvoice@https://shop.example.com/assets/app.js:10:15
charge/<@https://shop.example.com/assets/app.js:20:3
@https://shop.example.com/assets/app.js:1:1
"""

RUBY = """\
/srv/app/app/models/user.rb:10:in 'User#save': undefined method 'name' for nil (NoMethodError)
\tfrom /srv/app/app/controllers/users_controller.rb:5:in 'block in create'
\tfrom /srv/app/app/controllers/users_controller.rb:3:in 'UsersController#create'
\tfrom /usr/local/bundle/gems/actionpack-7.1.0/lib/base.rb:215:in 'process_action'
"""

RUBY_BACKTICK = """\
app/models/user.rb:10:in `save': undefined method `name' for nil:NilClass (NoMethodError)
\tfrom app/controllers/users_controller.rb:5:in `block in create'
"""

RUBY_LOGGED = """\
ZeroDivisionError: divided by 0
app/services/math.rb:3:in `/'
app/services/math.rb:3:in `ratio'
"""

JAVA = """\
Exception in thread "main" java.lang.IllegalStateException: could not charge
\tat com.example.billing.Billing.charge(Billing.java:42)
\tat com.example.App.main(App.java:10)
Caused by: java.lang.RuntimeException: wrapped
\tat com.example.billing.Dao.query(Dao.java:20)
\tat com.example.billing.Billing.charge(Billing.java:40)
\t... 1 more
Caused by: java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null
\tat com.example.billing.Dao.load(Dao.java:7)
\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
\tat com.example.billing.Dao.query(Dao.java:18)
\t... 2 more
"""

JAVA_SIMPLE = """\
java.lang.ArithmeticException: / by zero
\tat com.example.Calc.divide(Calc.java:5)
\tat com.example.Calc$Inner.lambda$run$0(Unknown Source)
\tat app//com.example.Main.main(Main.java:3)
\tSuppressed: java.io.IOException: close failed
\t\tat com.example.Res.close(Res.java:9)
\t\t... 1 more
"""


def _frames(
    text: str, platform: str | None = None
) -> list[tuple[str | None, int | None, str | None]]:
    return [(f.filename, f.lineno, f.function) for f in parse_stack_trace(text, platform).frames]


@pytest.mark.parametrize(
    ("text", "platform", "error_type", "message", "frames"),
    [
        pytest.param(
            PYTHON,
            None,
            "ValueError",
            "Invoice 99 not found",
            [
                ("/srv/app/run.py", 16, "<module>"),
                ("/srv/app/myapp/billing.py", 10, "charge"),
                ("/usr/lib/python3.11/json/__init__.py", 346, "loads"),
            ],
            id="python",
        ),
        pytest.param(
            PYTHON_CHAINED,
            None,
            "ValueError",
            "Invoice 99 not found",
            [("/srv/app/run.py", 16, "<module>"), ("/srv/app/myapp/billing.py", 10, "charge")],
            id="python-chained-cause-takes-last",
        ),
        pytest.param(
            PYTHON_DURING,
            "python",
            "ValueError",
            "Invoice 99 not found",
            [("/srv/app/run.py", 16, "<module>"), ("/srv/app/myapp/billing.py", 10, "charge")],
            id="python-during-handling",
        ),
        pytest.param(
            PYTHON_MULTILINE,
            None,
            "RuntimeError",
            "first line\nsecond line",
            [("<frozen runpy>", 198, "_run_module_as_main"), ("/srv/app/tool.py", 4, "main")],
            id="python-multiline-message-frozen-frame",
        ),
        pytest.param(
            PYTHON_NO_MESSAGE,
            None,
            "KeyboardInterrupt",
            None,
            [("app.py", 1, "<module>")],
            id="python-no-message",
        ),
        pytest.param(
            V8,
            None,
            "TypeError",
            "Cannot read properties of undefined (reading 'id')",
            [
                ("/srv/app/main.js", 5, None),
                (
                    "node:internal/modules/run_main",
                    122,
                    "Function.executeUserEntryPoint [as runMain]",
                ),
                ("/srv/app/models/invoice.js", 5, "new Invoice"),
                ("index 0", None, "Promise.all"),
                ("/srv/app/services/billing.js", 20, "charge"),
                ("/srv/app/services/billing.js", 10, "Object.loadInvoice"),
            ],
            id="v8",
        ),
        pytest.param(
            V8_ASYNC_EVAL,
            "node",
            "Error",
            "boom",
            [
                ("<anonymous>", None, "Array.map"),
                ("/srv/app/server.js", 44, "handler"),
                ("/srv/app/loader.js", 3, "eval"),
            ],
            id="v8-async-eval-native",
        ),
        pytest.param(
            V8_BROWSER_UNCAUGHT,
            "javascript",
            "ReferenceError",
            "foo is not defined",
            [("https://shop.example.com/assets/index-BxY3kZ9a.js", 1, None)],
            id="v8-browser-uncaught",
        ),
        pytest.param(
            FIREFOX,
            None,
            None,
            None,
            [
                ("https://shop.example.com/assets/app.js", 1, None),
                ("https://shop.example.com/assets/app.js", 20, "charge/<"),
                ("https://shop.example.com/assets/app.js", 10, "loadInvoice"),
            ],
            id="firefox",
        ),
        pytest.param(
            "TypeError: x is undefined\n" + FIREFOX,
            "javascript",
            "TypeError",
            "x is undefined",
            [
                ("https://shop.example.com/assets/app.js", 1, None),
                ("https://shop.example.com/assets/app.js", 20, "charge/<"),
                ("https://shop.example.com/assets/app.js", 10, "loadInvoice"),
            ],
            id="firefox-with-message",
        ),
        pytest.param(
            RUBY,
            None,
            "NoMethodError",
            "undefined method 'name' for nil",
            [
                (
                    "/usr/local/bundle/gems/actionpack-7.1.0/lib/base.rb",
                    215,
                    "process_action",
                ),
                ("/srv/app/app/controllers/users_controller.rb", 3, "UsersController#create"),
                ("/srv/app/app/controllers/users_controller.rb", 5, "block in create"),
                ("/srv/app/app/models/user.rb", 10, "User#save"),
            ],
            id="ruby-3.4",
        ),
        pytest.param(
            RUBY_BACKTICK,
            "ruby",
            "NoMethodError",
            "undefined method `name' for nil:NilClass",
            [
                ("app/controllers/users_controller.rb", 5, "block in create"),
                ("app/models/user.rb", 10, "save"),
            ],
            id="ruby-backtick",
        ),
        pytest.param(
            RUBY_LOGGED,
            None,
            "ZeroDivisionError",
            "divided by 0",
            [("app/services/math.rb", 3, "ratio"), ("app/services/math.rb", 3, "/")],
            id="ruby-logged-backtrace",
        ),
        pytest.param(
            JAVA,
            None,
            "java.lang.NullPointerException",
            'Cannot invoke "String.length()" because "s" is null',
            [
                ("App.java", 10, "main"),
                ("Billing.java", 40, "charge"),
                ("Dao.java", 18, "query"),
                (None, None, "invoke0"),
                ("Dao.java", 7, "load"),
            ],
            id="java-root-cause-with-more",
        ),
        pytest.param(
            JAVA_SIMPLE,
            "java",
            "java.lang.ArithmeticException",
            "/ by zero",
            [("Main.java", 3, "main"), (None, None, "lambda$run$0"), ("Calc.java", 5, "divide")],
            id="java-suppressed-ignored",
        ),
    ],
)
def test_parse(
    text: str,
    platform: str | None,
    error_type: str | None,
    message: str | None,
    frames: list[tuple[str | None, int | None, str | None]],
) -> None:
    parsed = parse_stack_trace(text, platform)
    assert (parsed.error_type, parsed.message) == (error_type, message)
    assert _frames(text, platform) == frames


def test_java_frame_module() -> None:
    frames = parse_stack_trace(JAVA_SIMPLE).frames
    assert [f.module for f in frames] == [
        "com.example.Main",
        "com.example.Calc$Inner",
        "com.example.Calc",
    ]


def test_v8_columns() -> None:
    newest = parse_stack_trace(V8).frames[-1]
    assert (newest.lineno, newest.colno) == (10, 15)


def test_python_context_line() -> None:
    frames = parse_stack_trace(PYTHON).frames
    assert frames[1].context_line == "invoice = load_invoice(number)"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        pytest.param(PYTHON, "python", id="python"),
        pytest.param(JAVA, "java", id="java"),
        pytest.param(V8, "javascript", id="v8"),
        pytest.param(RUBY, "ruby", id="ruby"),
        pytest.param(FIREFOX, "firefox", id="firefox"),
        pytest.param("just some words", None, id="none"),
    ],
)
def test_detect_format(text: str, fmt: str | None) -> None:
    assert detect_format(text) == fmt


@pytest.mark.parametrize(
    ("text", "platform", "message"),
    [
        pytest.param("", None, None, id="empty"),
        pytest.param("\n\n  \n", None, None, id="blank"),
        pytest.param(
            "Something went wrong\nmore detail", None, "Something went wrong", id="plain-text"
        ),
        pytest.param(
            "  padded first line  \nx", "python", "padded first line", id="platform-without-frames"
        ),
        pytest.param("at", None, "at", id="bare-at"),
        pytest.param("@", None, "@", id="bare-at-sign"),
        pytest.param("x" * 10_000, None, "x" * 8192, id="one-huge-line"),
        pytest.param('File "x", line', None, 'File "x", line', id="truncated-python-frame"),
        pytest.param("\x00\x01\ufffd", None, "\x00\x01\ufffd", id="control-chars"),
    ],
)
def test_garbage_gives_no_frames(text: str, platform: str | None, message: str | None) -> None:
    parsed = parse_stack_trace(text, platform)
    assert parsed.frames == []
    assert parsed.error_type is None
    assert parsed.message == message


def test_platform_hint_falls_back_to_detection() -> None:
    parsed = parse_stack_trace(PYTHON, "ruby")
    assert parsed.platform == "python"
    assert len(parsed.frames) == 3


def test_deep_trace_keeps_newest_250() -> None:
    lines = ["Traceback (most recent call last):"]
    lines += [f'  File "/srv/app/r.py", line {i}, in f{i}' for i in range(1, 1001)]
    lines.append("RecursionError: maximum recursion depth exceeded")
    frames = parse_stack_trace("\n".join(lines)).frames
    assert len(frames) == 250
    assert frames[-1].lineno == 1000


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(" " * 4000 + "x", id="spaces"),
        pytest.param("\tfrom" + " " * 4000 + "x", id="ruby-from"),
        pytest.param("f@" + " " * 4000 + "x", id="gecko-spaces"),
        pytest.param("a:1:in '" + " " * 4000 + "x", id="ruby-spaces"),
        pytest.param(" ^" * 2000 + "x", id="carets"),
        pytest.param("    at " + "x:" * 2000, id="v8-colons"),
    ],
)
def test_pathological_lines_stay_linear(line: str) -> None:
    # Each of these once took seconds through a backtracking regex; 250 lines must be quick.
    started = time.monotonic()
    for platform in (None, "python", "javascript", "ruby", "java"):
        parse_stack_trace("\n".join([line] * 250), platform)
    assert time.monotonic() - started < 2
