"""How requests use database connections: reads in autocommit mode, and pooled connections
the server has closed replaced before use, each without a round trip of its own."""

import re
import select
from weakref import WeakKeyDictionary

from flask import has_request_context, request
from flask_sqlalchemy.session import Session
from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

# Methods that only read (RFC 9110, 9.2.1); no view answering them writes.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The execution option that marks the engine safe requests read through.
AUTOCOMMIT_READS = "conduit_autocommit_reads"
_autocommit_engines: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


class ConduitSession(Session):
    """The app's session: a request with a safe method reads in autocommit mode.

    A read needs no transaction, and autocommit saves its BEGIN and ROLLBACK: two round
    trips beside the query itself. Writes, and everything outside a request (commands,
    tests' setup), keep their transaction.
    """

    def get_bind(self, *args, **kwargs):
        bind = super().get_bind(*args, **kwargs)
        if isinstance(bind, Engine) and only_reads():
            return autocommit(bind)
        return bind


def only_reads() -> bool:
    """Return whether this is a request with a safe method, which no view answers by writing."""
    return has_request_context() and request.method in SAFE_METHODS


def autocommit(engine: Engine) -> Engine:
    """Return engine marked to read in autocommit mode; it shares engine's pool."""
    if engine not in _autocommit_engines:
        _autocommit_engines[engine] = engine.execution_options(**{AUTOCOMMIT_READS: True})
    return _autocommit_engines[engine]


# SQLAlchemy's own isolation_level="AUTOCOMMIT" makes psycopg2 send a SET on the way back
# to the pool, a round trip again; psycopg2's autocommit flag is the client's alone.
@event.listens_for(Engine, "engine_connect")
def _start_autocommit(connection) -> None:
    if connection.get_execution_options().get(AUTOCOMMIT_READS) and (
        connection.dialect.name == "postgresql"
    ):
        connection.connection.dbapi_connection.autocommit = True


@event.listens_for(Pool, "checkin")
def _end_autocommit(dbapi_connection, _record) -> None:
    if getattr(dbapi_connection, "autocommit", False) and not dbapi_connection.closed:
        dbapi_connection.autocommit = False


@event.listens_for(Pool, "checkout")
def _replace_a_closed_connection(dbapi_connection, _record, _proxy) -> None:
    """Make the pool replace a pooled connection the server has closed, before it is used.

    A server that ends a connection (a restart, an idle timeout, pg_terminate_backend) sends
    its last message and closes the socket, so the idle socket turns readable, which a live
    idle connection's never does (a rare notice costs only a reconnect). Unlike
    pool_pre_ping's SELECT 1, looking costs no round trip. SQLite connections have no socket.
    """
    if not hasattr(dbapi_connection, "fileno"):
        return
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the database server closed this pooled connection")


# The execution options that mark a statement to run prepared (see prepared()), and an
# engine allowed to prepare (DB_PREPARED_STATEMENTS).
PREPARED = "conduit_prepared"
PREPARING_ALLOWED = "conduit_preparing_allowed"
NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")


def prepared(statement):
    """Return statement marked to run as a PostgreSQL prepared statement, on each pooled
    connection prepared the first time it runs there.

    For the small read statements every signed-in read runs, planning costs PostgreSQL more
    than executing (0.15 ms against 0.06 for the viewer's marks). DB_PREPARED_STATEMENTS=0
    turns it off, for a pooler that does not keep a server connection per client connection
    (PgBouncer in transaction mode). Elsewhere (SQLite) the mark does nothing.
    """
    return statement.execution_options(**{PREPARED: True})


@event.listens_for(Engine, "before_cursor_execute", retval=True)
def _execute_prepared(connection, cursor, statement, parameters, context, executemany):
    options = context.execution_options if context is not None else {}
    wanted = options.get(PREPARED) and options.get(PREPARING_ALLOWED)
    if not wanted or executemany or connection.dialect.name != "postgresql":
        return statement, parameters
    return run_prepared(connection, cursor, statement), parameters


def run_prepared(connection, cursor, statement: str) -> str:
    """Return the EXECUTE that runs statement prepared on connection, preparing it there the
    first time; statement itself if it holds a literal %, which would need psycopg2's
    escaping, which PREPARE's text does not go through."""
    if "%%" in statement:
        return statement
    prepared_here = connection.connection.info.setdefault(PREPARED, {})
    if statement not in prepared_here:
        prepared_here[statement] = _prepare(cursor, statement, len(prepared_here))
    return prepared_here[statement]


def _prepare(cursor, statement: str, number: int) -> str:
    """Prepare statement on cursor's connection; return the EXECUTE that runs it, with the
    same named parameters."""
    names: list[str] = []

    def positional(match: re.Match) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    name = f"conduit_{number}"
    cursor.execute(f"PREPARE {name} AS {NAMED_PARAMETER.sub(positional, statement)}")
    arguments = ", ".join(f"%({parameter})s" for parameter in names)
    return f"EXECUTE {name} ({arguments})" if names else f"EXECUTE {name}"
