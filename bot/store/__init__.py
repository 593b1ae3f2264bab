"""Persistence: the SQLAlchemy models, engine and sessions, and the Alembic migrations."""
