"""Alembic environment: migrations run online against the URL given in the config."""

from alembic import context

from vms.db.engine import make_engine
from vms.db.models import Base

url = context.config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set"
engine = make_engine(url)
with engine.connect() as connection:
    # Batch mode lets later migrations alter SQLite tables (SQLite has no ALTER COLUMN).
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
