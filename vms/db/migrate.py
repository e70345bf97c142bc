"""Run Alembic migrations programmatically (the service upgrades its database at start)."""

from __future__ import annotations

import logging
from pathlib import Path

# Alembic narrates every plugin at INFO (some at import time); an operator needs only failures.
logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creating tables on a fresh database)."""
    command.upgrade(alembic_config(url), revision)
