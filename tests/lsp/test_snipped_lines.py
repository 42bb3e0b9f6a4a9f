"""A frame's `context_line` as the JavaScript SDKs send a long (minified) line: a window of it
with `{snip}` at each cut end. It still confirms the line; a window of another line does not."""

from __future__ import annotations

from railguard.lsp.core.linerules import normalize, same_text

LINE = "var n=Object.defineProperty;var a=Object.getOwnPropertyDescriptor;function t(r,o){throw o}"


def test_snipped_windows_match_their_line_only() -> None:
    assert same_text(LINE, normalize("var n=Object.defineProperty;var a=Object.getOwn {snip}"))
    assert same_text(LINE, normalize("{snip} Object.getOwnPropertyDescriptor;function t( {snip}"))
    assert same_text(LINE, normalize("{snip} getOwnPropertyDescriptor;function t(r,o){throw o}"))
    assert not same_text(LINE, normalize("{snip} Object.getOwnPropertyNames;function t( {snip}"))
    assert not same_text(LINE, normalize("{snip} short {snip}"))  # too little to confirm
