"""`IncidentFeature`: what the features that act on the placed incidents (actions, the session)
are made from, declared once.

Each such feature reads the server, the repositories, the incidents, the placer, the
publisher and the status; the factory hands them over in this order, then the feature's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from railguard.lsp.features.incidents import Incidents
from railguard.lsp.features.placement import Placer
from railguard.lsp.features.publishing import Publishing
from railguard.lsp.features.repositories import Repositories
from railguard.lsp.features.status import Status
from railguard.lsp.server import RailguardServer


@dataclass(eq=False)
class IncidentFeature:
    server: RailguardServer
    repositories: Repositories
    incidents: Incidents
    placer: Placer
    publishing: Publishing
    status: Status
