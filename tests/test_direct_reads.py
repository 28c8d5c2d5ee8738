"""Hot reads run on the driver's cursor (app/direct_reads.py): the same rows as through
SQLAlchemy, seen by the engine's listeners, with SQLAlchemy's errors."""

import os

import psycopg2
import pytest
from sqlalchemy import event, literal_column, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.articles.cards import _article_query, _marks_query, _page_query
from app.connections import PREPARED, prepared
from app.database import read_connection
from app.direct_reads import _direct, rows_of
from app.extensions import db
from config import TestingConfig

HOT_READS = {
    "article": (_article_query(False), {"slug": "first"}),
    "article for a viewer": (_article_query(True), {"slug": "first"}),
    "page": (_page_query(frozenset(), False, True), {"limit": 20, "offset": 0}),
    "tag page for a viewer": (
        _page_query(frozenset({"tag"}), True, True),
        {"tag": "t", "limit": 5, "offset": 0},
    ),
}


@pytest.fixture
def reader_id(make_user, make_article):
    """Return the id of a reader of two articles by another user, "first" and "second"."""
    author = make_user("writer")
    make_article(author, title="First", tags=["t", "u"])
    make_article(author, title="Second", tags=["t"])
    reader = make_user("reader")
    db.session.commit()
    return reader.id


@pytest.mark.parametrize("read", HOT_READS)
def test_a_hot_read_runs_on_the_driver_and_reads_what_sqlalchemy_reads(app, reader_id, read):
    statement, parameters = HOT_READS[read]
    parameters = {**parameters, "viewer_id": reader_id}
    with app.test_request_context("/"), read_connection() as connection:
        through_sqlalchemy = connection.execute(statement, parameters).all()
        direct = rows_of(connection, statement, parameters)

        assert _direct(statement, connection.dialect) is not None
    assert through_sqlalchemy
    assert direct == [tuple(row) for row in through_sqlalchemy]
    assert direct[0]._fields == tuple(through_sqlalchemy[0]._fields)


def test_a_statement_whose_parameters_convert_runs_through_sqlalchemy(app, reader_id):
    statement = _marks_query(True, False)
    parameters = {"viewer_id": reader_id, "article_ids": [1, 2], "author_ids": [1]}

    with app.test_request_context("/"), read_connection() as connection:
        assert _direct(statement, connection.dialect) is None
        assert rows_of(connection, statement, parameters) == []


def test_the_engine_listeners_see_each_direct_read(app, client, reader_id):
    seen = []

    def before(_connection, _cursor, statement, parameters, context, _many):
        seen.append(("before", statement, parameters["slug"], context))

    def after(_connection, _cursor, statement, parameters, context, _many):
        seen.append(("after", statement, parameters["slug"], context))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        response = client.get("/api/v1/articles/first")
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)

    assert response.status_code == 200
    assert [(kind, slug, context) for kind, _, slug, context in seen] == [
        ("before", "first", None),
        ("after", "first", None),
    ]
    assert "FROM articles" in seen[0][1]


def test_a_bad_parameter_raises_sqlalchemys_error_and_leaves_the_connection_usable(app, reader_id):
    statement, parameters = _article_query(True), {"slug": "first", "viewer_id": "one"}

    with app.test_request_context("/"), read_connection() as connection:
        with pytest.raises(DBAPIError) as raised:
            rows_of(connection, statement, parameters)
        assert isinstance(raised.value.orig, psycopg2.DataError)
        assert raised.value.connection_invalidated is False
        assert len(rows_of(connection, statement, {**parameters, "viewer_id": reader_id})) == 1


def _terminate_backend(connection, cursor, *_args) -> None:
    backend = connection.connection.dbapi_connection.get_backend_pid()
    administrator = psycopg2.connect(os.environ["DATABASE_URL"])
    administrator.autocommit = True
    with administrator.cursor() as admin_cursor:
        admin_cursor.execute("SELECT pg_terminate_backend(%s)", (backend,))
    administrator.close()


def test_a_direct_read_whose_connection_dropped_answers_503_and_the_next_is_served(reader_id):
    dropping_app = create_app(TestingConfig())
    with dropping_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _terminate_backend)
    try:
        dropped = dropping_app.test_client().get("/api/v1/articles/first")
    finally:
        event.remove(engine, "before_cursor_execute", _terminate_backend)

    assert dropped.status_code == 503
    assert dropped.json == {"errors": {"database": ["is temporarily unavailable"]}}
    served = dropping_app.test_client().get("/api/v1/articles/first")
    assert served.status_code == 200
    assert served.json["article"]["tagList"] == ["t", "u"]


def test_a_prepared_statement_holding_a_literal_percent_runs_unprepared(app):
    statement = prepared(select(literal_column("'100%'").label("share")))

    with app.test_request_context("/"), read_connection() as connection:
        assert rows_of(connection, statement, {}) == [("100%",)]
        assert rows_of(connection, statement, {})[0].share == "100%"
        prepared_here = connection.connection.info.get(PREPARED, {})
        assert not any("100" in sql for sql in prepared_here)


def test_a_statement_made_for_sqlite_first_still_runs_direct_on_postgresql(app):
    statement = select(literal_column("1").label("one"))

    assert _direct(statement, sqlite.dialect()) is None
    with app.app_context():
        assert _direct(statement, db.engine.dialect) is not None
