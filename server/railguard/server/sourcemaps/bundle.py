"""Artifact bundles as `sentry-cli sourcemaps upload` builds them: a zip with `manifest.json`
naming each file's `url`, `type` and `headers` (`debug-id`, `sourcemap`), plus the release and
dist. Pure: bytes in, `SourceFile`s out; a bad bundle is `Invalid` with the reason.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import orjson

from railguard.server.errors import Invalid, PayloadTooLarge
from railguard.server.sourcemaps.files import SourceFile, classify

__all__ = ["Bundle", "read_bundle"]

_KINDS = {"minified_source": "minified_source", "source_map": "source_map"}
_MAX_FILES = 10_000


@dataclass(frozen=True, slots=True)
class Bundle:
    release: str
    dist: str
    files: list[SourceFile]
    skipped: int
    """Files of other types (`source`, indexed RAM bundles, ...), not stored."""


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _headers(entry: dict[str, object]) -> dict[str, str]:
    raw = entry.get("headers")
    if not isinstance(raw, dict):
        return {}
    return {str(k).lower(): v for k, v in raw.items() if isinstance(v, str)}


def read_bundle(data: bytes, *, max_file: int, max_total: int) -> Bundle:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        manifest = orjson.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, orjson.JSONDecodeError) as exc:
        raise Invalid(f"not an artifact bundle: {exc}") from exc
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, dict) or len(entries) > _MAX_FILES:
        raise Invalid("the bundle's manifest has no usable `files`.")
    total, files, skipped = 0, [], 0
    for name, entry in entries.items():
        kind = _KINDS.get(str(entry.get("type"))) if isinstance(entry, dict) else None
        url = entry.get("url") if isinstance(entry, dict) else None
        if kind is None or not isinstance(url, str):
            skipped += 1
            continue
        try:
            info = archive.getinfo(name)
        except KeyError as exc:
            raise Invalid(f"the bundle names {name} but does not hold it.") from exc
        total += info.file_size
        if info.file_size > max_file or total > max_total:
            raise PayloadTooLarge(f"{url}: the bundle's files exceed the upload limits.")
        headers = _headers(entry)
        files.append(
            classify(
                url,
                archive.read(name),
                kind=kind,
                debug_id=headers.get("debug-id"),
                sourcemap_ref=headers.get("sourcemap") or headers.get("x-sourcemap"),
            )  # fmt: skip
        )
    return Bundle(
        release=_text(manifest.get("release"), 200), dist=_text(manifest.get("dist"), 64),
        files=files, skipped=skipped,
    )  # fmt: skip
