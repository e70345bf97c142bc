"""Run Alembic migrations programmatically (the service upgrades its database at start)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (creating tables on a fresh database)."""
    # Alembic narrates every plugin at INFO; an operator only needs to see failures.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(alembic_config(url), revision)
