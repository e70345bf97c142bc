"""Fixtures of the threat-model suite: one real service shared by the attacks of a module."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from tests.security import service as svc


@pytest.fixture(scope="module")
def service() -> Iterator[svc.Service]:
    base = Path(tempfile.mkdtemp(prefix="vms-security-"))
    running = svc.start(base)
    try:
        yield running
    finally:
        svc.stop(running)
        shutil.rmtree(base, ignore_errors=True)
