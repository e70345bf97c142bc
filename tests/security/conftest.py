"""Fixtures of the threat-model suite: one real service shared by the attacks of a module.

A module that needs other site settings overrides `service_extra` (merged into the site config).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.security import service as svc


@pytest.fixture(scope="module")
def service_extra() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def service(service_extra: dict[str, Any]) -> Iterator[svc.Service]:
    base = Path(tempfile.mkdtemp(prefix="vms-security-"))
    running = svc.start(base, service_extra)
    try:
        yield running
    finally:
        svc.stop(running)
        shutil.rmtree(base, ignore_errors=True)
