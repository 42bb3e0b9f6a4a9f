"""Repository identity: a clone URL or `host/owner/name` reduced to one canonical `host/owner/name`.

Both the backend (a project's repository) and the language server (a workspace's `origin`
remote) use this, so that the two sides agree on what "the same repository" means.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>(?!//).+)$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_CASE_INSENSITIVE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "dev.azure.com"}


class InvalidRepository(ValueError):
    """The text is not a clone URL or `host/owner/name` with a host and at least two segments."""


def normalize_repository(text: str) -> str:
    """Return the canonical `host/owner/name` of a clone URL or an identity.

    Accepts https/http/git/ssh URLs (ports and credentials are dropped), scp-like
    `user@host:owner/name.git` and bare `host/owner/name`. Local paths and `file://` URLs
    have no identity and raise `InvalidRepository`.
    """
    raw = text.strip()
    if not raw:
        raise InvalidRepository("repository is empty")
    host: str
    path: str
    if "://" in raw:
        parts = urlsplit(raw)
        if parts.scheme.lower() not in {"http", "https", "ssh", "git", "git+ssh", "ssh+git"}:
            raise InvalidRepository(f"unsupported repository URL scheme {parts.scheme!r}")
        host = parts.hostname or ""
        path = parts.path
    elif (m := _SCP_LIKE.match(raw)) and "/" not in raw.split(":", 1)[0]:
        host, path = m.group("host"), m.group("path")
    else:
        host, _, path = raw.partition("/")
    host = host.lower().removeprefix("www.")
    if not host or not _HOST.match(host) or "." not in host and host != "localhost":
        raise InvalidRepository(f"repository {text!r} has no valid host")
    path = path.strip("/")
    path = path.removesuffix(".git").strip("/")
    segments = [s for s in path.split("/") if s]
    if host == "ssh.dev.azure.com" and segments and segments[0].lower() == "v3":
        host, segments = "dev.azure.com", segments[1:]
    if host == "dev.azure.com" and "_git" in segments:
        segments = [s for s in segments if s != "_git"]
    if len(segments) < 2 or any(s in {".", ".."} for s in segments):
        raise InvalidRepository(f"repository {text!r} needs an owner and a name")
    identity = "/".join([host, *segments])
    if host in _CASE_INSENSITIVE_HOSTS:
        identity = identity.lower()
    return identity
