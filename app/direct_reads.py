"""Hot read statements run on the PostgreSQL driver's cursor, past SQLAlchemy's execution.

SQLAlchemy spends about 100 us of CPU executing one statement (its execution context, the
transaction it begins and ends, its result object) where psycopg2 needs 30: on an uncached
article that was a fifth of the request. A statement built once, whose parameters and
columns need no conversion on this driver, runs here instead: compiled once, its rows
named tuples. The engine's before_cursor_execute and after_cursor_execute listeners
(statement counting, tracing) still see it, with no execution context, as their contract
allows; a driver error is raised as SQLAlchemy's, the connection invalidated when it is
gone. Anything else (SQLite, a statement whose types convert) runs through SQLAlchemy.
"""

from collections import namedtuple
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from app.connections import PREPARED, PREPARING_ALLOWED, run_prepared


@dataclass(frozen=True)
class DirectStatement:
    """A statement compiled for one dialect, and the named tuple its rows come in."""

    compiled: object
    sql: str
    row: type
    prepared: bool


# Each statement's direct form (None: through SQLAlchemy), for the dialect it was made for.
_compiled: WeakKeyDictionary[Executable, tuple[Dialect, DirectStatement | None]] = (
    WeakKeyDictionary()
)


def rows_of(connection: Connection, statement: Executable, parameters: dict) -> list:
    """Return every row statement reads with parameters on connection."""
    direct = _direct(statement, connection.dialect)
    if direct is None:
        return connection.execute(statement, parameters).all()
    values = direct.compiled.construct_params(parameters)
    cursor = connection.connection.cursor()
    try:
        sql = direct.sql
        for listener in connection.dispatch.before_cursor_execute:
            sql, values = listener(connection, cursor, sql, values, None, False)
        if direct.prepared and connection.get_execution_options().get(PREPARING_ALLOWED):
            sql = run_prepared(connection, cursor, sql)
        cursor.execute(sql, values)
        connection.dispatch.after_cursor_execute(connection, cursor, sql, values, None, False)
        return list(map(direct.row._make, cursor.fetchall()))
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, cursor, error, sql, values) from error
    finally:
        cursor.close()


def _translated(connection, cursor, error, sql: str, values: dict) -> DBAPIError:
    """Return SQLAlchemy's exception for a driver error, as its own execution raises it;
    a connection that is gone is invalidated, so that the pool replaces it."""
    gone = connection.dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
    if gone:
        connection.invalidate(error)
    return DBAPIError.instance(
        sql,
        values,
        error,
        connection.dialect.loaded_dbapi.Error,
        hide_parameters=connection.engine.hide_parameters,
        dialect=connection.dialect,
        connection_invalidated=gone,
    )


def _direct(statement: Executable, dialect: Dialect) -> DirectStatement | None:
    """Return statement compiled for dialect, or None when it must run through SQLAlchemy."""
    made_for, direct = _compiled.get(statement, (None, None))
    if made_for is not dialect:
        direct = _compile(statement, dialect)
        _compiled[statement] = (dialect, direct)
    return direct


def _compile(statement: Executable, dialect: Dialect) -> DirectStatement | None:
    if dialect.name != "postgresql":
        return None
    compiled = statement.compile(dialect=dialect)
    converts = any(
        bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in compiled.binds.values()
    ) or any(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    if converts or compiled.post_compile_params:
        return None
    row = namedtuple("Row", statement.selected_columns.keys(), rename=True)
    prepared = bool(statement.get_execution_options().get(PREPARED))
    return DirectStatement(compiled, compiled.string, row, prepared)
