"""The Alembic migrations build exactly the schema the models describe (no drift in either direction)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from vms.db.engine import make_engine
from vms.db.migrate import upgrade
from vms.db.models import Base


def test_migrated_database_matches_the_models(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
