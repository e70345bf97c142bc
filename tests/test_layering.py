"""The import direction holds: vms -> camera_drivers -> detectors, and nothing imports vms.

detectors/ is the pure core (no database, no HTTP), so it also must not import the database or
web libraries. camera_drivers/ talks to cameras and yields frames; running the analysis on them
(pipeline, rules, the per-camera loop) is the service's business (vms.runtime, vms.analysis).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "detectors": {"vms", "camera_drivers", "sqlalchemy", "fastapi", "httpx", "aiohttp", "av"},
    "camera_drivers": {"vms", "sqlalchemy", "fastapi", "detectors.pipeline", "detectors.rules", "detectors.analysis"},
}


def imported_roots(path: Path) -> set[str]:
    """Every prefix of every imported module: `import a.b.c` gives {"a", "a.b", "a.b.c"}."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)  # from detectors import rules
    parts = (m.split(".") for m in modules)
    return {".".join(p[:i]) for p in parts for i in range(1, len(p) + 1)}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downwards(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
        if imported_roots(path) & FORBIDDEN[package]
    }
    assert offenders == {}
