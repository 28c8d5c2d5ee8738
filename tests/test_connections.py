"""How requests use database connections (app/connections.py): reads in autocommit mode,
and a pooled connection the server closed replaced before it is used."""

import os
import socket
import time

import psycopg2
import pytest
from sqlalchemy import event, func, select, text

from app import create_app
from app.articles.cards import page_rows
from app.articles.models import Article
from app.extensions import db
from config import TestingConfig


@pytest.fixture
def autocommit_seen(app):
    """Record, for each statement a request runs, whether its connection was in autocommit."""
    seen: list[bool] = []

    def record(connection, *_args) -> None:
        seen.append(connection.connection.dbapi_connection.autocommit)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_runs_its_statements_without_a_transaction(client, autocommit_seen, method):
    response = client.open("/api/v1/articles", method=method)

    assert response.status_code == 200
    assert autocommit_seen and all(autocommit_seen)


def test_a_write_runs_in_a_transaction(client, autocommit_seen):
    user = {"username": "ada", "email": "ada@example.com", "password": "a long passphrase 1"}

    response = client.post("/api/v1/users", json={"user": user})

    assert response.status_code == 201
    assert autocommit_seen and not any(autocommit_seen)


def test_a_read_alone_takes_a_pooled_connection_and_begins_no_session(app, make_article):
    make_article()
    db.session.remove()

    with app.test_request_context("/api/v1/articles"):
        head, rows = page_rows({}, None, limit=20, offset=0, counting=True)

        assert (head.total, len(rows)) == (1, 1)
        assert not db.session.registry.has()


def test_a_read_in_a_write_sees_what_its_session_has_not_committed_yet(app, make_user):
    author = make_user()

    with app.test_request_context("/api/v1/articles", method="POST"):
        article = Article(author=author, slug="draft", title="Draft", description="d", body="b")
        db.session.add(article)
        db.session.flush()
        _, rows = page_rows({}, None, limit=20, offset=0, counting=True)
        db.session.rollback()

    assert [row.slug for row in rows] == ["draft"]


def test_a_read_after_the_session_has_begun_shares_its_connection(app, make_user):
    make_user()
    db.session.remove()
    used = []

    def record(connection, *_args) -> None:
        used.append(connection.connection.dbapi_connection)

    with app.test_request_context("/"):
        session_connection = db.session.connection().connection.dbapi_connection
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            page_rows({}, None, limit=20, offset=0, counting=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    assert used == [session_connection]


def test_a_read_on_its_own_connection_answers_503_while_the_database_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg2://conduit@127.0.0.1:{closed_port}/x"
    config.REDIS_URL = None

    response = create_app(config).test_client().get("/api/v1/articles")

    assert response.status_code == 503
    assert response.json == {"errors": {"database": ["is temporarily unavailable"]}}


def test_a_connection_leaves_autocommit_when_it_returns_to_the_pool(client, app):
    db.engine.dispose()  # so that the pool holds only the connection the request used
    client.get("/api/v1/articles")

    with db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is False


def _backend_pid() -> int:
    pid = db.session.scalar(select(func.pg_backend_pid()))
    db.session.remove()
    return pid


def _terminate(pid: int) -> None:
    admin = psycopg2.connect(os.environ["DATABASE_URL"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)
    admin.close()


def test_a_pooled_connection_the_server_closed_is_replaced_before_use(client, app):
    with app.app_context():
        db.engine.dispose()  # so that the pool holds only the connection dropped below
        dropped = _backend_pid()
    _terminate(dropped)

    response = client.get("/api/v1/articles")

    assert response.status_code == 200
    with app.app_context():
        assert _backend_pid() != dropped


def _prepared_statements() -> list[str]:
    """Return the statements prepared on the connection the pool hands out next."""
    with db.engine.connect() as connection:
        return list(connection.scalars(text("SELECT statement FROM pg_prepared_statements")))


def test_signed_in_reads_run_prepared_statements(client, make_user, make_article, auth_headers):
    make_article(make_user("writer"))
    headers = auth_headers(make_user("reader"))
    db.engine.dispose()  # so that the pool holds only the connection the requests use

    for _ in range(2):  # prepares, then executes what it prepared
        response = client.get("/api/v1/articles", headers=headers)
        assert response.status_code == 200
        assert response.json["articles"][0]["author"]["username"] == "writer"

    prepared = _prepared_statements()
    assert any("FROM favorites" in statement for statement in prepared)
    assert all(statement.startswith("PREPARE conduit_") for statement in prepared)


def test_nothing_is_prepared_when_db_prepared_statements_is_off(make_user, make_article):
    config = TestingConfig()
    config.DB_PREPARED_STATEMENTS = False
    unprepared = create_app(config)
    make_article(make_user("writer"))
    with unprepared.app_context():
        db.engine.dispose()
        response = unprepared.test_client().get("/api/v1/articles")
        assert response.status_code == 200
        assert response.json["articlesCount"] == 1
        assert _prepared_statements() == []
