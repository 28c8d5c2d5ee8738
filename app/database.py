"""The database layer: timestamps, idempotent inserts, the engine's options, and the rules
every session follows (no write while answering a safe request, SQLite's foreign keys on,
ended cleanly even when the server has gone)."""

import logging
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Flask, request
from sqlalchemy import Engine, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.extensions import READS_BIND, db
from app.web.http import in_safe_request

log = logging.getLogger(__name__)


class WriteInSafeRequest(RuntimeError):
    """A GET, HEAD or OPTIONS request tried to write: a bug, never a client's fault."""


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def insert_if_absent(table: Table, **values: Any) -> bool:
    """Insert one row unless its key exists already, so a retried request cannot duplicate
    it; return whether it was inserted."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing()
    return bool(db.session.execute(statement).rowcount)  # type: ignore[attr-defined]


def engine_options(config: dict) -> dict:
    """Return the engine options for config: its pool settings, JSON columns decoded by
    orjson, and a connect timeout of seconds, not the OS's minutes, on PostgreSQL."""
    options = {**config["SQLALCHEMY_ENGINE_OPTIONS"], "json_deserializer": orjson.loads}
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": config["DB_CONNECT_TIMEOUT"]}
    return options


def configure_engines(config: dict) -> None:
    """Set config's engine options, and the engines of the requests that only read
    (app.extensions.RequestSession), in autocommit mode: READS_BIND on the same database,
    and one bind per read replica (app.replicas)."""
    options = engine_options(config)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    reads = {**options, "isolation_level": "AUTOCOMMIT"}
    binds = {READS_BIND: {"url": config["SQLALCHEMY_DATABASE_URI"], **reads}}
    for number, url in enumerate(config["DATABASE_REPLICA_URLS"]):
        binds[replica_bind(number)] = {"url": url, **reads}
    config["SQLALCHEMY_BINDS"] = binds


def replica_bind(number: int) -> str:
    """Return the bind name of the read replica at that place in DATABASE_REPLICA_URLS."""
    return f"replica-{number}"


def register_database(app: Flask) -> None:
    # Runs before Flask-SQLAlchemy's own teardown, which then finds no session to end.
    app.teardown_appcontext(end_session)


def database_unavailable(error: DBAPIError) -> bool:
    """Return whether the database is out of reach (down, restarting, refusing connections,
    the connection dropped), which a retry can outlast, rather than a fault in the query."""
    return error.connection_invalidated or isinstance(error, OperationalError)


def driver_reason(error: DBAPIError) -> str:
    """Return the driver's first line about error: no SQL, no parameters."""
    return str(error.orig).strip().partition("\n")[0]


def end_session(_error: BaseException | None = None) -> None:
    """End the request's session, even when the database has dropped its connection.

    A request's reads leave a transaction open until this rollback; if the database went
    away meanwhile, the rollback fails after the answer was made, perhaps for a committed
    write. The pool has discarded the connection by then, so a second try ends cleanly.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        if not database_unavailable(error):
            raise
        log.warning("Database connection lost while ending the session: %s", driver_reason(error))
        db.session.remove()


@event.listens_for(Session, "before_flush")
def _refuse_flush_in_safe_request(session: Session, _flush: UOWTransaction, _objects) -> None:
    if in_safe_request():
        raise WriteInSafeRequest(f"{request.method} {request.path} tried to flush a change")


@event.listens_for(Session, "do_orm_execute")
def _refuse_write_in_safe_request(execution: ORMExecuteState) -> None:
    if (execution.is_insert or execution.is_update or execution.is_delete) and in_safe_request():
        raise WriteInSafeRequest(f"{request.method} {request.path} tried to write")


@event.listens_for(Engine, "connect")
def _enable_sqlite_foreign_keys(dbapi_connection, _connection_record) -> None:
    """SQLite ignores ON DELETE CASCADE unless foreign keys are switched on per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
