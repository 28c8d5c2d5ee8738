"""Helpers shared by the models: timestamps, idempotent inserts, SQLite pragmas."""

from datetime import UTC, datetime

from sqlalchemy import Engine, Table, event
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def insert_if_absent(table: Table, **values) -> None:
    """Insert one row unless its key exists already, so a retried request cannot duplicate it."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


@event.listens_for(Engine, "connect")
def _enable_sqlite_foreign_keys(dbapi_connection, _connection_record) -> None:
    """SQLite ignores ON DELETE CASCADE unless foreign keys are switched on per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
