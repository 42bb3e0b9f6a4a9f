"""Frames as Rails' backtrace cleaner writes them (docs/rails.md): application frames relative
to Rails.root are repository paths; gem frames (`name (version) path`) are not."""

from __future__ import annotations

import pytest

from railguard.server.ingest.paths import guess_in_app, reduce_path


@pytest.mark.parametrize(
    "gem_frame",
    [
        "actionpack (6.1.7.10) lib/action_dispatch/middleware/static.rb",
        "rack (2.2.22) lib/rack/runtime.rb",
        "sentry-ruby-core (5.3.0) lib/sentry/hub.rb",
    ],
)
def test_cleaned_gem_frames_have_no_repository_path(gem_frame: str) -> None:
    assert reduce_path(
        filename=gem_frame, abs_path=gem_frame, module=None, platform="ruby", rules=[]
    ) == (None, gem_frame)
    assert not guess_in_app(filename=gem_frame, abs_path=None, module=None, platform="ruby")


def test_cleaned_application_frames_are_repository_paths() -> None:
    path = "app/controllers/orders_controller.rb"
    assert reduce_path(filename=path, abs_path=path, module=None, platform="ruby", rules=[]) == (
        path, path,
    )  # fmt: skip
