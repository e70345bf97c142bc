"""What the API needs from the running site, built once by the service and handed to create_app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from vms.config import SiteConfig
from vms.exports import ExportRunner
from vms.paths import DataPaths
from vms.secrets import CredentialVault


@dataclass(frozen=True)
class AppContext:
    config: SiteConfig
    paths: DataPaths
    session_factory: sessionmaker[Session]
    vault: CredentialVault
    # Live worker PIDs and restart counts from the supervisor (empty when no workers run).
    worker_info: Callable[[], dict[str, dict[str, int | None]]] = lambda: {}
    # Called after cameras are created, edited or deleted through the API, once the change is
    # committed: the running site starts, restarts or stops that camera's worker.
    cameras_changed: Callable[[], None] = lambda: None
    # Runs export jobs in the background (set by the site; None = exports run inline, for tests).
    exporter: "ExportRunner | None" = None
    # Figures of the node's processes (vms.runtime.metrics.node_snapshot) for /metrics.
    node_metrics: Callable[[], dict] = lambda: {}
