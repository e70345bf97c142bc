"""What the API needs from the running site, built once by the service and handed to create_app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from vms.config import SiteConfig
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
    # Call after cameras were added, changed or removed: the running workers follow the database.
    reload_workers: Callable[[], None] = lambda: None
