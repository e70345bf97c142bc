"""Database: typed SQLAlchemy 2.0 models, engine set-up (SQLite WAL or PostgreSQL), Alembic migrations."""
