"""Which commit produced an event, from what the event itself carries.

Order: the native API's `commit_sha`; else a `release` that is, or ends in, a git SHA
(`1a2b3c4…`, `myapp@1a2b3c4d`, `v1.2-abc1234`, `v1.2.3-4-gabc1234` from `git describe`); else
a `commit`/`commit_sha`/`git_commit`/`revision` tag. The release → commit table (registered
releases) is consulted by the writer, not here, and gives the source `mapping`.

A SHA is 7–40 or 64 hex digits. A run of digits only (`20240101`, a build number) is not a
SHA unless it is a full 40 digits long.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from railguard.wire.models import CommitSource

__all__ = ["COMMIT_TAGS", "commit_from", "looks_like_sha"]

COMMIT_TAGS = ("commit", "commit_sha", "git_commit", "revision")

_SHA_RE = re.compile(r"[0-9a-fA-F]{7,64}")
_RELEASE_SHA_RE = re.compile(r"(?:^|[@+./]|-(?:\d+-g)?)([0-9a-fA-F]{7,64})$")


def looks_like_sha(value: str) -> bool:
    """7–40 or 64 hex digits, with at least one letter unless it is 40 long."""
    if not _SHA_RE.fullmatch(value):
        return False
    if len(value) > 40 and len(value) != 64:
        return False
    return len(value) == 40 or any(ch in "abcdefABCDEF" for ch in value)


def _sha_in_release(release: str) -> str | None:
    match = _RELEASE_SHA_RE.search(release.strip()[-200:])
    if match and looks_like_sha(match.group(1)):
        return match.group(1)
    return None


def commit_from(
    *, native_sha: str | None, release: str | None, tags: Mapping[str, str]
) -> tuple[str | None, CommitSource]:
    """(lowercase SHA or None, where it came from)."""
    if native_sha:
        sha = native_sha.strip()
        if _SHA_RE.fullmatch(sha) and (len(sha) <= 40 or len(sha) == 64):
            return sha.lower(), "native"
    if release:
        sha_or_none = _sha_in_release(release)
        if sha_or_none:
            return sha_or_none.lower(), "release"
    for name in COMMIT_TAGS:
        value = tags.get(name)
        if isinstance(value, str) and looks_like_sha(value.strip()):
            return value.strip().lower(), "tag"
    return None, "none"
