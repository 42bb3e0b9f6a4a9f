"""`create_server()`: a language server with every feature set up, in dependency order.

Each feature's `setup` takes the server and the features it uses, registers its handlers and
returns the feature object; no feature reaches another through the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from railguard.lsp.features import (
    actions,
    hover,
    incidents,
    livefeed,
    placement,
    publishing,
    repositories,
    session,
    status,
    watchers,
)
from railguard.lsp.server import RailguardServer


@dataclass(frozen=True, slots=True)
class Features:
    """The features of one server, for tests that drive them in process."""

    repositories: repositories.Repositories
    incidents: incidents.Incidents
    placer: placement.Placer
    publishing: publishing.Publishing
    status: status.Status
    livefeed: livefeed.LiveFeed
    watcher: watchers.HeadWatcher
    session: session.Session
    actions: actions.Actions
    hover: hover.Hover


def set_up(server: RailguardServer) -> Features:
    """Set up every feature on `server`."""
    repos = repositories.setup(server)
    known = incidents.setup(server)
    placer = placement.setup(server)
    publisher = publishing.setup(server, repos, known, placer)
    state = status.setup(server, repos, known)
    feed = livefeed.setup(server, repos, known, publisher, state)
    watcher = watchers.setup(server, repos, placer, publisher)
    return Features(
        repositories=repos,
        incidents=known,
        placer=placer,
        publishing=publisher,
        status=state,
        livefeed=feed,
        watcher=watcher,
        session=session.setup(server, repos, known, placer, publisher, state, feed, watcher),
        actions=actions.setup(server, repos, known, placer, publisher, state),
        hover=hover.setup(server, repos, known, placer, publisher),
    )


def create_server() -> RailguardServer:
    """A new language server, ready for `start_io`."""
    server = RailguardServer()
    set_up(server)
    return server
