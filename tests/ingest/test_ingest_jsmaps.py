"""Pure source map logic: which frames want a map, the names a minified file is looked up by,
how a map rewrites frames (function names from callers, context, unmapped reasons), and what an
upload's content says about itself. Real maps, parsed by `symbolic`."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from railguard.server.errors import Invalid
from railguard.server.ingest.frames import RawFrame
from railguard.server.ingest.jsmaps import (
    MapOutcome,
    apply_maps,
    candidate_urls,
    debug_ids,
    requests_for,
    source_path,
)
from railguard.server.sourcemaps.bundle import read_bundle
from railguard.server.sourcemaps.files import classify, join_url
from railguard.server.sourcemaps.parsed import CorruptMap, parse

# function t(a){throw new Error(a)}function n(){t("x")}n();  (one line, from src/a.js)
SOURCE = (
    "function boom(message) {\n  throw new Error(message);\n}\n"
    "function run() {\n  boom('x');\n}\nrun();\n"
)
MINIFIED = b'function t(a){throw new Error(a)}function n(){t("x")}n();\n'
# Hand-checked VLQ: segments map generated columns to source lines 1-7.
MAP = {
    "version": 3,
    "sources": ["../src/a.js"],
    "sourcesContent": [SOURCE],
    "names": ["boom", "message", "Error", "run"],
    "mappings": "AAAA,SAASA,EAAKC,GACZ,MAAM,IAAIC,MAAMD,EAClB,CACA,SAASE,IACPH,EAAK,IACP,CACAG",
}


def frame(col: int, function: str, path: str = "https://cdn.example.com/static/app.js") -> RawFrame:
    return RawFrame(
        abs_path=path, filename=path, function=function, lineno=1, colno=col, in_app=True
    )


def test_candidate_urls_go_from_the_url_to_ever_shorter_tilde_paths() -> None:
    assert candidate_urls("https://cdn.example.com/static/js/main.js?v=3#x") == [
        "https://cdn.example.com/static/js/main.js?v=3",
        "https://cdn.example.com/static/js/main.js",
        "~/static/js/main.js", "~/js/main.js", "~/main.js",
    ]  # fmt: skip
    assert candidate_urls("/srv/app/dist/main.js")[-2:] == ["~/dist/main.js", "~/main.js"]


@pytest.mark.parametrize(
    "source, path",
    [
        ("../src/a.js", "src/a.js"),
        ("./src/a.js", "src/a.js"),
        ("../../../src/a.ts", "src/a.ts"),
        ("webpack://app/./src/a.ts", "webpack://app/./src/a.ts"),
        ("/home/ci/app/src/a.ts", "/home/ci/app/src/a.ts"),
    ],
)
def test_source_path_drops_relative_segments_in_front(source: str, path: str) -> None:
    assert source_path(source) == path


def test_only_javascript_frames_with_a_position_in_a_real_file_are_requested() -> None:
    frames = [
        frame(10, "a"),
        RawFrame(abs_path="node:internal/x", lineno=1, colno=2),
        RawFrame(abs_path="/app/node_modules/lib/index.js", lineno=1, colno=2),
        RawFrame(abs_path="/app/x.js", lineno=3),  # no column
        frame(20, "b"),
    ]
    payload = {"debug_meta": {"images": [
        {"type": "sourcemap", "code_file": "https://cdn.example.com/static/app.js",
         "debug_id": "A1A389AD-6469-5BC4-B5A5-87FD33CE1E6F"},
        {"type": "macho", "code_file": "x", "debug_id": "a1a389ad-6469-5bc4-b5a5-87fd33ce1e6f"},
    ]}}  # fmt: skip
    (request,) = requests_for(frames, "javascript", payload)
    assert request.debug_id == "a1a389ad-6469-5bc4-b5a5-87fd33ce1e6f"
    assert requests_for(frames, "python", payload) == []
    assert debug_ids({"debug_meta": {"images": "junk"}}) == {}


def test_a_map_rewrites_frames_with_caller_names_and_context() -> None:
    parsed = parse(json.dumps(MAP).encode(), MINIFIED)
    # Oldest first: n() calls t("x") at column 47; t throws at column 15.
    frames = [frame(55, "?"), frame(47, "n"), frame(15, "t")]
    requests = requests_for(frames, "javascript", {})
    mapped = apply_maps(frames, "javascript", requests, {requests[0].abs_path: MapOutcome(parsed)},
                        release="1")  # fmt: skip
    top = mapped[-1]
    assert (top.abs_path, top.lineno, top.function) == ("src/a.js", 2, "boom")
    assert top.context_line == "  throw new Error(message);"
    assert top.pre_context == ["function boom(message) {"]
    assert top.module is None and top.mapping is not None
    assert (top.mapping.minified_line, top.mapping.minified_column) == (1, 15)
    assert (mapped[1].lineno, mapped[1].function) == (5, "run")


def test_unmapped_frames_keep_their_place_and_say_why() -> None:
    parsed = parse(json.dumps(MAP).encode(), None)
    frames = [frame(15, "t"), RawFrame(abs_path="https://x/app.js", lineno=9, colno=1)]
    requests = requests_for(frames, "javascript", {})
    outcomes = {"https://cdn.example.com/static/app.js": MapOutcome(parsed),
                "https://x/app.js": MapOutcome(None, "no_map_for_release")}  # fmt: skip
    first, second = apply_maps(frames, "javascript", requests, outcomes, release="7")
    assert first.lineno == 2
    assert second.lineno == 9 and second.mapping is not None
    assert (second.mapping.status, second.mapping.reason) == ("unmapped", "no_map_for_release")
    assert "release 7" in (second.mapping.hint or "")
    # Line 9 does not exist in the map: another build's map.
    outcomes = {"https://x/app.js": MapOutcome(parsed)}
    wrong = apply_maps(frames[1:], "javascript", requests[1:], outcomes,
                       release="7")  # fmt: skip
    assert wrong[0].mapping is not None and wrong[0].mapping.reason == "no_such_position"


def test_corrupt_maps_are_refused() -> None:
    with pytest.raises(CorruptMap):
        parse(b'{"version": 3, "mappings": "@@', None)


def test_uploaded_files_tell_their_kind_debug_id_and_map() -> None:
    js = classify(
        "~/main.js",
        b"x()\n//# sourceMappingURL=main.js.map\n"
        b"//# debugId=a1a389ad-6469-5bc4-b5a5-87fd33ce1e6f\n",
    )
    assert (js.kind, js.debug_id, js.sourcemap_ref) == (
        "minified_source", "a1a389ad-6469-5bc4-b5a5-87fd33ce1e6f", "main.js.map",
    )  # fmt: skip
    sm = classify("~/main.js.map", json.dumps({**MAP, "debugId": "a1a389ad6469"}).encode())
    assert sm.kind == "source_map" and sm.debug_id is None
    with pytest.raises(Invalid):
        classify("~/notes.txt", b"x")
    assert join_url("~/static/main.js", "main.js.map") == "~/static/main.js.map"
    assert join_url("~/static/js/main.js", "../maps/main.js.map") == "~/static/maps/main.js.map"
    assert join_url("https://h/a/main.js", "/m/main.js.map") == "https://h/m/main.js.map"


def test_artifact_bundles_are_read_from_their_manifest() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("files/_/_/main.js", MINIFIED)
        z.writestr("files/_/_/main.js.map", json.dumps(MAP))
        z.writestr("files/_/_/src.js", SOURCE)
        z.writestr("manifest.json", json.dumps({"release": "1.0", "files": {
            "files/_/_/main.js": {"type": "minified_source", "url": "~/main.js",
                                  "headers": {"debug-id": "a1a389ad-6469-5bc4-b5a5-87fd33ce1e6f",
                                              "Sourcemap": "main.js.map"}},
            "files/_/_/main.js.map": {"type": "source_map", "url": "~/main.js.map"},
            "files/_/_/src.js": {"type": "source", "url": "~/src.js"},
        }}))  # fmt: skip
    bundle = read_bundle(out.getvalue(), max_file=10**6, max_total=10**6)
    assert (bundle.release, bundle.skipped) == ("1.0", 1)
    assert [(f.url, f.kind, f.sourcemap_ref) for f in bundle.files] == [
        ("~/main.js", "minified_source", "main.js.map"), ("~/main.js.map", "source_map", None),
    ]  # fmt: skip
    with pytest.raises(Invalid):
        read_bundle(b"not a zip", max_file=10, max_total=10)
