"""requirements.lock (issue 14 item 20): every entry pinned with a SHA-256, and `make install` uses it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY = re.compile(r"^([a-z0-9][a-z0-9._-]*)==([^\s\\]+) \\\n    --hash=sha256:([0-9a-f]{64})$", re.M)


def test_every_locked_package_is_pinned_with_a_hash() -> None:
    text = (ROOT / "requirements.lock").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
    entries = ENTRY.findall(body)
    assert len(entries) >= 50
    assert len("\n".join(m.group(0) for m in ENTRY.finditer(body))) == len(body)  # nothing unpinned in between
    names = [name for name, _version, _digest in entries]
    assert len(names) == len(set(names))


def test_make_install_installs_the_lock_with_hash_checking() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile
    assert re.search(r"^\$\(VENV\)/\.installed: .*requirements\.lock", makefile, re.M)
