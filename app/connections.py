"""How requests use database connections: reads in autocommit mode, and pooled connections
the server has closed replaced before use, each without a round trip of its own."""

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
        if isinstance(bind, Engine) and has_request_context() and request.method in SAFE_METHODS:
            return _autocommit(bind)
        return bind


def _autocommit(engine: Engine) -> Engine:
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
