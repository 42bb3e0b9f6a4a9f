"""Parsers for raw text stack traces sent to the native API (`NativeEvent.stack_trace`).

Formats: Python tracebacks, JavaScript V8 (Node, Chrome), Firefox/Safari (`fn@file:line:col`),
Ruby backtraces and Java/Kotlin stack traces. Frames come out oldest → newest (caller → crash
site) whatever the language prints. Nothing here raises on garbage: unparseable text gives no
frames and its first line as the message.

Chained exceptions: Python prints the cause first and the raised exception last, so the LAST
traceback is the one parsed. Java prints the outermost exception first and its causes after
(`Caused by:`); we take the LAST `Caused by:` (the root cause) because its newest frame is where
the failure actually happened, and complete its `... N more` tail from the enclosing trace so
the stack reaches `main`. The outer wrappers are lost from the frames, which is acceptable for
locating the bug in the editor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from railguard.server.ingest.frames import RawFrame, keep_newest

__all__ = ["ParsedTrace", "detect_format", "parse_stack_trace"]

_MAX_LINE = 4096
"""Longer lines are never frames; skipping them keeps every regex cheap."""
_MAX_LINES = 20_000


@dataclass(slots=True)
class ParsedTrace:
    error_type: str | None = None
    message: str | None = None
    frames: list[RawFrame] = field(default_factory=list)
    platform: str | None = None
    """The detected format's platform (`python`, `javascript`, `ruby`, `java`), else None."""


# --- Python ----------------------------------------------------------------------------------
#   Traceback (most recent call last):
#     File "/srv/app/run.py", line 16, in <module>
#       main()
#   ValueError: Invoice 99 not found

_PY_HEADER = re.compile(r"^[\s|+]*(?:Exception Group )?Traceback \(most recent call last\):")
_PY_FRAME = re.compile(r'^[\s|]*File "([^"\n]*)", line (\d+)(?:, in (.+))?$')
_PY_EXC = re.compile(r"^[\s|]*([A-Za-z_][\w.]*)(?:: ?(.*))?$")


def _parse_python(lines: list[str]) -> ParsedTrace | None:
    starts = [i for i, line in enumerate(lines) if _PY_HEADER.match(line)]
    if not starts:
        if not any(_PY_FRAME.match(line) for line in lines):
            return None
        starts = [0]
    frames: list[RawFrame] = []
    index = starts[-1]
    tail: list[str] = []
    for line in lines[index + 1 :]:
        if tail:
            tail.append(line)
            continue
        match = _PY_FRAME.match(line)
        if match:
            frames.append(
                RawFrame(
                    filename=match.group(1),
                    abs_path=match.group(1),
                    function=(match.group(3) or "").strip() or None,
                    lineno=int(match.group(2)[:9]),
                )
            )
        elif not line.strip(" \t|~^"):  # blank, or a 3.11+ caret line
            continue
        elif line[:1] in (" ", "\t", "|") and frames and frames[-1].context_line is None:
            frames[-1].context_line = line.strip().lstrip("| ")
        elif line[:1] not in (" ", "\t"):
            tail.append(line)
    error_type, message = None, None
    if tail:
        match = _PY_EXC.match(tail[0])
        if match:
            error_type = match.group(1)
            rest = [match.group(2) or "", *tail[1:]]
            message = "\n".join(rest).strip() or None
        else:
            message = "\n".join(tail).strip() or None
    return ParsedTrace(error_type, message, frames, "python")


# --- Java ------------------------------------------------------------------------------------
#   Exception in thread "main" java.lang.IllegalStateException: boom
#   	at com.example.App.run(App.java:42)
#   Caused by: java.lang.NullPointerException
#   	at com.example.Dao.load(Dao.java:7)
#   	... 1 more

_JAVA_FRAME = re.compile(r"^\s*at\s+([^\s(]+)\(([^()]*)\)(?:\s*~?\[[^\]]*\])?\s*$")
_JAVA_HINT = re.compile(
    r"^\s+at\s+[\w$.<>/]+\((?:[^()]*\.(?:java|kt|kts|scala|groovy|clj)(?::\d+)?"
    r"|Native Method|Unknown Source)\)"
)
_JAVA_MORE = re.compile(r"^\s*\.\.\. (\d+) (?:more|common frames omitted)\s*$")
_JAVA_THREAD = re.compile(r'^Exception in thread "[^"]*" ')
_JAVA_HEAD = re.compile(r"^([A-Za-z_$][\w$.]*)(?:: (.*))?$", re.DOTALL)
_JAVA_EXC_LINE = re.compile(
    r"^(?:(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*|[A-Z][\w$]*(?:Exception|Error|Throwable))(?::|$)"
)


def _java_frame(qualified: str, source: str) -> RawFrame:
    qualified = qualified.rsplit("/", 1)[-1]  # java.base/java.lang.Thread.run, app//Foo.bar
    cls, _, method = qualified.rpartition(".")
    filename, _, line = source.partition(":")
    if filename in ("Native Method", "Unknown Source", ""):
        filename = ""
    return RawFrame(
        filename=filename or None,
        module=cls or None,
        function=method or qualified,
        lineno=int(line[:9]) if line.isdigit() else None,
    )


def _parse_java(lines: list[str]) -> ParsedTrace | None:
    if not any(_JAVA_HINT.match(line) for line in lines):
        return None
    # Each section: (header, frames newest-first, "... N more" count).
    sections: list[tuple[str, list[RawFrame], int]] = []
    header: str | None = None
    frames: list[RawFrame] = []
    more = 0
    skipping = False  # inside "Suppressed:" blocks, nested causes, or junk after a trace

    def close() -> None:
        if frames or more or header is not None:
            sections.append((header or "", frames, more))

    for raw in lines:
        line = raw.rstrip()
        stripped = line.strip()
        frame = _JAVA_FRAME.match(line)
        if frame:
            if not skipping:
                frames.append(_java_frame(frame.group(1), frame.group(2)))
            continue
        count = _JAVA_MORE.match(line)
        if count:
            if not skipping:
                more = int(count.group(1)[:6])
            continue
        if not stripped:
            continue
        if line[:1] in (" ", "\t"):
            if stripped.startswith(("Suppressed:", "Caused by:")):
                skipping = True
            continue
        cause = stripped.startswith("Caused by:")
        text = _JAVA_THREAD.sub("", stripped.removeprefix("Caused by:").strip())
        if cause or _JAVA_THREAD.match(stripped) or _JAVA_EXC_LINE.match(text):
            close()
            skipping = False
            header, frames, more = text, [], 0
        elif header is not None and not frames and not more and not skipping:
            header += "\n" + stripped  # a multi-line exception message
        else:
            close()  # log noise before or after the trace
            skipping = header is not None or bool(frames)
            header, frames, more = None, [], 0
    close()
    sections = [s for s in sections if s[1] or s[2]]
    if not sections:
        return None
    # Rebuild every section's full stack: its frames plus the last N of the enclosing one.
    full: list[RawFrame] = []
    for _, section_frames, omitted in sections:
        tail = full[len(full) - omitted :] if 0 < omitted <= len(full) else []
        full = section_frames + tail
    head = sections[-1][0]
    error_type, message = None, head or None
    match = _JAVA_HEAD.match(head)
    if match:
        error_type, message = match.group(1), match.group(2)
    return ParsedTrace(error_type, message, full[::-1], "java")


# --- JavaScript V8 ---------------------------------------------------------------------------
#   TypeError: Cannot read properties of undefined (reading 'id')
#       at Object.loadInvoice (/srv/app/services/billing.js:10:15)
#       at async Promise.all (index 0)
#       at /srv/app/main.js:5:1

_V8_LOC = re.compile(r"^(.*):(\d+):(\d+)$|^(.*):(\d+)$")
_V8_EVAL = re.compile(r"\(([^()]+?):(\d+):(\d+)\)")
_ERROR_HEAD = re.compile(r"^(?:Uncaught )?([A-Z_$][\w$.]*)(?:: ?(.*))?$", re.DOTALL)


def _v8_frame(function: str | None, location: str) -> RawFrame:
    if function is not None:
        function = function.removeprefix("async ").strip() or None
    if location.startswith("eval at "):
        inner = _V8_EVAL.findall(location)
        location = f"{inner[-1][0]}:{inner[-1][1]}:{inner[-1][2]}" if inner else location
    location = location.removeprefix("async ")
    match = _V8_LOC.match(location)
    if match:
        path = match.group(1) if match.group(1) is not None else match.group(4)
        line = match.group(2) or match.group(5)
        col = match.group(3)
        return RawFrame(
            filename=path or None,
            abs_path=path or None,
            function=function,
            lineno=int(line[:9]),
            colno=int(col[:9]) if col else None,
        )
    # `native`, `<anonymous>`, `index 0`: no usable location
    return RawFrame(filename=location or None, function=function)


def _head(lines: list[str]) -> tuple[str | None, str | None]:
    text = "\n".join(lines).strip()
    if not text:
        return None, None
    match = _ERROR_HEAD.match(text)
    if match and (match.group(2) is not None or "." not in match.group(1)):
        return match.group(1), (match.group(2) or "").strip() or None
    return None, text


def _parse_v8(lines: list[str]) -> ParsedTrace | None:
    frames: list[RawFrame] = []
    head: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith("at ") and len(text) > 3:
            # Split by hand (first " (") rather than with a backtracking regex.
            rest = text[3:].strip()
            paren = rest.find(" (")
            if paren > 0 and rest.endswith(")"):
                frames.append(_v8_frame(rest[:paren], rest[paren + 2 : -1]))
            else:
                frames.append(_v8_frame(None, rest))
        elif not frames:
            head.append(line)
        elif line.strip():
            break  # a second error (e.g. a logged cause) starts: keep the first
    if not frames:
        return None
    error_type, message = _head(head)
    return ParsedTrace(error_type, message, frames[::-1], "javascript")


# --- Firefox / Safari -------------------------------------------------------------------------
#   loadInvoice@https://shop.example.com/assets/app.js:10:15
#   @https://shop.example.com/assets/app.js:1:1

# Matched against stripped lines: no leading/trailing \s* that could backtrack quadratically.
_GECKO_FRAME = re.compile(r"^([^@\s]*(?: [^@\s]+)*)@(.+?)(?::(\d+))?(?::(\d+))?$")
_GECKO_HINT = re.compile(r"^\s*[^@\s]*@\S+:\d+(?::\d+)?\s*$")


def _parse_gecko(lines: list[str]) -> ParsedTrace | None:
    if not any(_GECKO_HINT.match(line) for line in lines):
        return None
    frames: list[RawFrame] = []
    head: list[str] = []
    for line in lines:
        match = _GECKO_FRAME.match(line.strip()) if "@" in line else None
        if match and (match.group(3) or "/" in match.group(2)):
            path = match.group(2)
            frames.append(
                RawFrame(
                    filename=path,
                    abs_path=path,
                    function=match.group(1) or None,
                    lineno=int(match.group(3)[:9]) if match.group(3) else None,
                    colno=int(match.group(4)[:9]) if match.group(4) else None,
                )
            )
        elif not frames:
            head.append(line)
    if not frames:
        return None
    error_type, message = _head(head)
    return ParsedTrace(error_type, message, frames[::-1], "javascript")


# --- Ruby ------------------------------------------------------------------------------------
#   app/models/user.rb:10:in 'User#save': undefined method 'x' for nil (NoMethodError)
#   	from app/controllers/users_controller.rb:5:in 'block in create'

# Matched against stripped lines with any leading "from " removed (see `_ruby_line`).
_RUBY_FRAME = re.compile(r"^(.+?):(\d+):in [`'](.*?)'(?:: (.*))?$")
_RUBY_PLAIN = re.compile(r"^([^\s:]+\.(?:rb|erb|rake|haml|slim)):(\d+)$")


def _ruby_line(line: str) -> str:
    text = line.strip()
    return text[5:].lstrip() if text.startswith("from ") else text


_RUBY_TYPE = re.compile(r" \(([A-Z][\w:]*)\)$")


def _parse_ruby(lines: list[str]) -> ParsedTrace | None:
    frames: list[RawFrame] = []
    error_type: str | None = None
    message_lines: list[str] = []
    head: list[str] = []
    for line in lines:
        text = _ruby_line(line)
        match = _RUBY_FRAME.match(text)
        plain = None if match else _RUBY_PLAIN.match(text)
        if match:
            frames.append(
                RawFrame(
                    filename=match.group(1),
                    abs_path=match.group(1),
                    function=match.group(3) or None,
                    lineno=int(match.group(2)[:9]),
                )
            )
            if len(frames) == 1 and match.group(4) is not None:
                message_lines.append(match.group(4))
        elif plain:
            path = plain.group(1)
            frames.append(RawFrame(filename=path, abs_path=path, lineno=int(plain.group(2)[:9])))
        elif len(frames) == 1 and message_lines:
            message_lines.append(line)  # a multi-line message continues after the first frame
        elif not frames:
            head.append(line)
    if not frames:
        return None
    if message_lines:
        first = message_lines[0]
        found = _RUBY_TYPE.search(first)
        if found:
            error_type = found.group(1)
            message_lines[0] = first[: found.start()]
        message: str | None = "\n".join(message_lines).strip() or None
    else:
        error_type, message = _head(head)
    return ParsedTrace(error_type, message, frames[::-1], "ruby")


# --- dispatch --------------------------------------------------------------------------------

_Parser = Callable[[list[str]], ParsedTrace | None]
_PARSERS: dict[str, _Parser] = {
    "python": _parse_python,
    "java": _parse_java,
    "javascript": _parse_v8,
    "firefox": _parse_gecko,
    "ruby": _parse_ruby,
}
_AUTODETECT = ("python", "java", "javascript", "ruby", "firefox")
_PLATFORM_FORMATS = {
    "python": ("python",),
    "javascript": ("javascript", "firefox"),
    "node": ("javascript", "firefox"),
    "browser": ("javascript", "firefox"),
    "typescript": ("javascript", "firefox"),
    "ruby": ("ruby",),
    "java": ("java",),
    "kotlin": ("java",),
    "jvm": ("java",),
    "android": ("java",),
    "scala": ("java",),
}


def detect_format(text: str) -> str | None:
    """The format a parser recognises first (`python`, `java`, `javascript`, `ruby`,
    `firefox`), or None."""
    lines = _lines(text)
    for name in _AUTODETECT:
        parsed = _safe(_PARSERS[name], lines)
        if parsed is not None and parsed.frames:
            return name
    return None


def _lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", _MAX_LINES)[:_MAX_LINES]
    return [line if len(line) <= _MAX_LINE else "" for line in lines]


def _safe(parser: _Parser, lines: list[str]) -> ParsedTrace | None:
    try:
        return parser(lines)
    except (ValueError, IndexError):  # defensive: a parser bug must not lose the event
        return None


def parse_stack_trace(text: str, platform: str | None = None) -> ParsedTrace:
    """Parse a raw trace; `platform` picks the parser, else (or if it finds nothing) the
    format is detected. Never raises."""
    if not isinstance(text, str):
        return ParsedTrace()
    lines = _lines(text)
    preferred = _PLATFORM_FORMATS.get((platform or "").strip().lower(), ())
    order = [*preferred, *(name for name in _AUTODETECT if name not in preferred)]
    for name in order:
        parsed = _safe(_PARSERS[name], lines)
        if parsed is not None and parsed.frames:
            parsed.frames = keep_newest(parsed.frames)
            if parsed.message is not None:
                parsed.message = parsed.message[:8192]
            return parsed
    first = next((line.strip() for line in text[:65536].splitlines() if line.strip()), None)
    return ParsedTrace(error_type=None, message=first[:8192] if first else None)
