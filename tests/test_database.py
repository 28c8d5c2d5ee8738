"""The database layer (app/database.py, app/extensions.py): a request that only reads does
so in autocommit mode and may not write, a write runs in a transaction, and a pooled
connection the server closed is replaced before it is used."""

import os
import time

import psycopg2
import pytest
from sqlalchemy import event, func, insert, select

from app import create_app
from app.articles.tags import Tag
from app.database import WriteInSafeRequest
from app.extensions import READS_BIND, db
from config import TestingConfig


@pytest.fixture
def statements_seen(app):
    """Record, for each statement run, whether it ran on the reads engine, in autocommit."""
    seen: list[tuple[bool, bool]] = []

    def record(connection, *_args) -> None:
        autocommit = connection.connection.dbapi_connection.autocommit
        seen.append((connection.engine is db.engines[READS_BIND], autocommit))

    engines = list(db.engines.values())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_runs_its_statements_on_the_reads_engine_without_a_transaction(
    client, make_article, statements_seen, method
):
    make_article()
    statements_seen.clear()

    response = client.open("/api/v1/articles", method=method)

    assert response.status_code == 200
    assert statements_seen and set(statements_seen) == {(True, True)}


def test_a_write_runs_its_statements_in_a_transaction(
    client, make_user, auth_headers, statements_seen
):
    headers = auth_headers(make_user())
    article = {"title": "In a transaction", "description": "d", "body": "b"}
    statements_seen.clear()

    response = client.post("/api/v1/articles", json={"article": article}, headers=headers)

    assert response.status_code == 201
    assert statements_seen and set(statements_seen) == {(False, False)}


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_flush_while_answering_a_safe_request_raises(app, method):
    with app.test_request_context("/", method=method):
        db.session.add(Tag(name="written-by-a-read"))

        with pytest.raises(WriteInSafeRequest):
            db.session.flush()
        db.session.rollback()

    assert db.session.scalar(select(func.count()).select_from(Tag)) == 0


def test_a_core_write_while_answering_a_get_raises(app):
    with app.test_request_context("/"), pytest.raises(WriteInSafeRequest):
        db.session.execute(insert(Tag).values(name="written-by-a-read"))


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_write_request_flushes_as_usual(app, method):
    with app.test_request_context("/", method=method):
        db.session.add(Tag(name=f"written-by-{method.lower()}"))
        db.session.commit()

    assert db.session.scalars(select(Tag.name)).all() == [f"written-by-{method.lower()}"]


def test_outside_a_request_writes_are_allowed(app):
    db.session.add(Tag(name="written-by-a-command"))
    db.session.commit()

    assert db.session.scalar(select(func.count()).select_from(Tag)) == 1


def test_a_page_that_would_write_on_get_answers_500_and_writes_nothing(caplog):
    other = create_app(TestingConfig())

    @other.get("/test-writes-on-get")
    def writes_on_get():
        db.session.add(Tag(name="written-by-a-read"))
        db.session.commit()
        return "written"

    response = other.test_client().get("/test-writes-on-get")

    assert response.status_code == 500
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 0
    errors = [record.exc_info[1] for record in caplog.records if record.exc_info]
    assert [type(error) for error in errors] == [WriteInSafeRequest]


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
    db.engine.dispose()  # so that the pool holds only the connection dropped below
    dropped = _backend_pid()
    _terminate(dropped)

    response = client.get("/api/v1/articles")

    assert response.status_code == 200
    assert _backend_pid() != dropped


def test_the_reads_engine_is_the_same_database_with_the_same_pool_in_autocommit(app):
    default, reads = db.engines[None], db.engines[READS_BIND]

    assert reads.url == default.url
    assert reads.pool.size() == default.pool.size()
    with reads.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is True
    with default.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit is False
