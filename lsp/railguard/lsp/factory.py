"""`create_server()`: a language server with every feature set up, in dependency order.

Each feature is an object made from the server and the features it uses; the `setup` of a
module with handlers registers them on the server. No feature reaches another through the
server, and importing a feature module registers nothing.
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
    uptime,
    watchers,
    workspace,
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
    monitors: uptime.MonitorWatch
    actions: actions.Actions
    hover: hover.Hover
    workspace: workspace.WorkspaceIncidents


def set_up(server: RailguardServer) -> Features:
    """Make every feature and register its handlers on `server`, each after the features it
    uses."""
    repos = repositories.setup(server)
    known = incidents.setup(server)
    placer = placement.setup(server)
    publisher = publishing.setup(publishing.Publishing(server, repos, known, placer))
    state = status.setup(status.Status(server, repos, known))
    feed = livefeed.LiveFeed(server, repos, known, publisher, state)
    watcher = watchers.HeadWatcher(server, repos, placer, publisher)
    monitors = uptime.MonitorWatch(server, state)
    return Features(
        repositories=repos,
        incidents=known,
        placer=placer,
        publishing=publisher,
        status=state,
        livefeed=feed,
        watcher=watcher,
        session=session.setup(
            session.Session(server, repos, known, placer, publisher, state, feed, watcher, monitors)
        ),
        monitors=monitors,
        actions=actions.setup(actions.Actions(server, repos, known, placer, publisher, state)),
        hover=hover.setup(hover.Hover(server, repos, known, placer, publisher)),
        workspace=workspace.setup(
            workspace.WorkspaceIncidents(server, repos, known, placer, publisher, state)
        ),
    )


def create_server() -> RailguardServer:
    """A new language server, ready for `start_io`."""
    server = RailguardServer()
    set_up(server)
    return server
