"""Frame paths → repository-relative paths.

SDK paths are absolute (`/srv/app/myapp/billing.py`), container paths, URLs (`app:///`,
`webpack://`, `file://`, `https://`) or module names. `reduce_path` turns a frame into a path
relative to the repository root, using per-project `PathRule`s first (strip a prefix, prepend a
source root) and the frame data otherwise. It always returns the original path too, so the
editor can still match by suffix when no rule applies.

A returned repository path never contains `..`, a leading `/` or backslashes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote

from railguard.wire.models import PathRule

__all__ = ["guess_in_app", "reduce_path"]

_MAX_PATH = 4096
_DRIVE_RE = re.compile(r"^[A-Za-z]:/")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_OPAQUE_PREFIXES = ("node:", "<", "[", "eval at ", "wasm:", "data:", "blob:")
_JAVA_PLATFORMS = frozenset({"java", "kotlin", "jvm", "android", "scala", "groovy", "clojure"})
_VENDOR_MARKERS = (
    "/site-packages/",
    "/dist-packages/",
    "/node_modules/",
    "/lib/python",
    "/gems/",
    "/vendor/bundle/",
    "/rubygems/",
    "/usr/lib/",
    "/usr/local/lib/",
    "/.venv/",
    "/venv/",
)
_JAVA_VENDOR = ("java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.")


def _slashes(path: str) -> str:
    return path.replace("\\", "/")


def _clean_relative(path: str) -> str | None:
    """Normalise a relative path: drop `.` and empty segments; refuse `..` and control chars."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == ".." or any(ord(ch) < 32 for ch in part):
            return None
        parts.append(part)
    if not parts or _DRIVE_RE.match(parts[0] + "/"):
        return None
    return "/".join(parts)


def _java_path(module: str | None, filename: str | None) -> str | None:
    """`com.example.App` + `App.java` → `com/example/App.java` (relative to a source root)."""
    if not module or not filename or "/" in filename or "." not in module:
        return None
    package = module.rsplit(".", 1)[0]
    if not re.fullmatch(r"[\w$]+(?:\.[\w$]+)*", package):
        return None
    return package.replace(".", "/") + "/" + filename


def _url_forms(path: str) -> str | None:
    """The path a bundler or SDK URL stands for, or None when it is not a URL.

    `webpack://app/./src/x.ts` and `webpack:///src/x.ts` → `src/x.ts`; `app:///src/x.js` →
    `src/x.js`; `file:///srv/app/x.py` → `/srv/app/x.py` (absolute); `https://host/a.js` →
    `/a.js` (absolute: a deployed asset, not a repository file, unless a rule says so).
    """
    match = _SCHEME_RE.match(path)
    if not match or _DRIVE_RE.match(path):
        return None
    scheme = match.group(1).lower()
    rest = path[match.end() :]
    rest = rest.split("?", 1)[0].split("#", 1)[0]
    if scheme in ("webpack", "webpack-internal", "app", "turbopack", "rsc"):
        if rest.startswith("//"):
            rest = rest[2:]
            # webpack://<namespace>/./src/x.ts: the first segment is the library name
            if scheme.startswith("webpack") and not rest.startswith("/"):
                rest = rest.partition("/")[2]
        return unquote(rest).lstrip("/") or None
    if scheme in ("file", "http", "https", "applewebdata"):
        if rest.startswith("//"):
            slash = rest.find("/", 2)
            rest = rest[slash:] if slash >= 0 else "/"
        rest = unquote(rest)
        if _DRIVE_RE.match(rest.lstrip("/")):  # file:///C:/app/x.py
            rest = rest.lstrip("/")
        return rest if rest.startswith("/") or _DRIVE_RE.match(rest) else "/" + rest
    return None


# A gem frame as Rails' backtrace cleaner writes it: `actionpack (6.1.7) lib/action_dispatch/x.rb`.
_RUBY_GEM_RE = re.compile(r"^[A-Za-z0-9_.-]+ \([0-9][\w.\-]*\) ")


def _is_opaque(path: str) -> bool:
    return (
        path.startswith(_OPAQUE_PREFIXES)
        or path in ("<anonymous>", "native", "unknown")
        or bool(_RUBY_GEM_RE.match(path))
    )


def _is_absolute(path: str) -> bool:
    return path.startswith("/") or bool(_DRIVE_RE.match(path))


def _apply_rule(rule: PathRule, candidate: str) -> str | None:
    prefix = _slashes(rule.strip_prefix)
    if prefix:
        if not candidate.startswith(prefix):
            return None
        rest = candidate[len(prefix) :]
        if not prefix.endswith("/") and rest and not rest.startswith("/"):
            return None  # /srv/app must not match /srv/application
    elif _is_absolute(candidate):
        return None  # a rule without prefix only re-roots relative paths
    else:
        rest = candidate
    root = _slashes(rule.source_root).strip("/")
    return _clean_relative(f"{root}/{rest}" if root else rest)


def reduce_path(
    *,
    filename: str | None,
    abs_path: str | None,
    module: str | None,
    platform: str | None,
    rules: Sequence[PathRule],
) -> tuple[str | None, str | None]:
    """(repository-relative path or None, original path or None) for one frame."""
    filename = _slashes(filename)[:_MAX_PATH] if filename else None
    abs_path = _slashes(abs_path)[:_MAX_PATH] if abs_path else None
    java = _java_path(module, filename) if (platform or "").lower() in _JAVA_PLATFORMS else None
    original = abs_path or java or filename
    if original is None:
        return None, None

    # Forms a rule may be written against: raw, then the URL's path; abs_path before filename.
    candidates: list[str] = []
    for path in (abs_path, java, filename):
        if path is None or _is_opaque(path):
            continue
        candidates.append(path)
        url = _url_forms(path)
        if url is not None:
            candidates.append(url)
    for rule in rules:
        for candidate in candidates:
            reduced = _apply_rule(rule, candidate)
            if reduced is not None:
                return reduced, original

    if java is not None:
        return None, original  # relative to a source root (src/main/java) we cannot know
    for path in (abs_path, filename):
        if path is None or _is_opaque(path):
            continue
        url = _url_forms(path)
        if url is not None:
            if not _is_absolute(url):
                return _clean_relative(url), original
            continue
        if not _is_absolute(path):
            # Python's filename is relative to its sys.path root; Ruby's to the project root.
            return _clean_relative(path), original
    return None, original


def guess_in_app(
    *, filename: str | None, abs_path: str | None, module: str | None, platform: str | None
) -> bool:
    """Heuristic `in_app` for frames that came without one (raw text traces, native frames):
    vendored, stdlib and runtime-internal code is not the application's."""
    path = _slashes(abs_path or filename or "")
    if path and _is_opaque(path):
        return False
    padded = "/" + path.lstrip("/")
    if any(marker in padded for marker in _VENDOR_MARKERS):
        return False
    if (platform or "").lower() in _JAVA_PLATFORMS and module and module.startswith(_JAVA_VENDOR):
        return False
    if not path and module and module.startswith(_JAVA_VENDOR):
        return False
    return bool(path or module)
