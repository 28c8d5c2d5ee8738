"""PostgreSQL restarts under load: requests it cannot serve meanwhile get a clean 503 (JSON
under /api/, a page elsewhere, never a traceback), and the app recovers by itself. Then the
error handler behind it, in process: which database errors are an outage, and which a bug."""

import logging
import time

import psycopg2
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.faults.client import API, Reply, Traffic, call, create_article, new_article, register
from tests.faults.servers import Gunicorn

OUTAGE_SECONDS = 2.0
# Refused connections fail fast; the rest is headroom for a busy test machine.
REQUEST_SECONDS = 3.0
FIRST_REQUESTS_AFTER = 12
UNAVAILABLE = {"errors": {"database": ["is temporarily unavailable"]}}
# What must never reach a client: a traceback, or the driver's words for what went wrong.
LEAKS = ("Traceback", "psycopg2", "OperationalError", "SELECT", "127.0.0.1")
USERNAME = "restarter"
# A page that always reads the database: anonymous visitors get the article's from the cache.
PROFILE_PAGE = f"/profile/{USERNAME}"


def database_traffic(token: str, slug: str):
    """Return a traffic script of requests that each need the database."""

    def script(traffic: Traffic, number: int, iteration: int) -> None:
        traffic.call("GET", f"{API}/user", token=token)
        traffic.call("GET", f"{API}/articles/{slug}/comments", token=token)
        title = f"During {traffic.phase} {number}-{iteration}"
        traffic.call("POST", f"{API}/articles", new_article(title), token=token)
        traffic.call("GET", PROFILE_PAGE)

    return script


def is_api(reply: Reply) -> bool:
    return reply.path.startswith("/api/")


def assert_clean_unavailable(reply: Reply) -> None:
    assert reply.status == 503, str(reply)
    assert int(reply.headers["retry-after"]) > 0
    assert not any(leak in reply.text for leak in LEAKS), reply.text
    if is_api(reply):
        assert reply.headers["content-type"] == "application/json"
        assert reply.json == UNAVAILABLE
    else:
        assert reply.headers["content-type"].startswith("text/html")
        assert "503" in reply.text
        assert "try again" in reply.text


def first_requests_after(app: Gunicorn, token: str, slug: str) -> list[Reply]:
    """The first requests once PostgreSQL is back, sent one after the other, so that every
    worker meets its pooled connections from before the restart."""
    replies = []
    for number in range(FIRST_REQUESTS_AFTER // 4):
        replies.append(call(app.port, "GET", f"{API}/user", token=token))
        replies.append(call(app.port, "GET", PROFILE_PAGE))
        title = f"After {number}"
        replies.append(call(app.port, "POST", f"{API}/articles", new_article(title), token=token))
        replies.append(call(app.port, "GET", f"{API}/articles/{slug}/comments"))
    return replies


def test_a_postgresql_restart_answers_503_meanwhile_and_the_app_recovers_by_itself(
    postgres, database, redis_server, start_app
):
    app = start_app(postgres.url(database), redis_server.url)
    token = register(app.port, USERNAME)
    slug = create_article(app.port, token, "Before the restart")

    try:
        with Traffic(app.port, database_traffic(token, slug)) as traffic:
            traffic.run_phase("before", 1.0)
            stopped_at = time.monotonic()
            postgres.stop("fast")
            traffic.run_phase("outage", OUTAGE_SECONDS)
            readiness = call(app.port, "GET", "/readyz")
    finally:
        if not postgres.answers():
            postgres.start()
    after = first_requests_after(app, token, slug)

    assert not traffic.crashes
    replies = [reply for _phase, reply in traffic.replies]
    # Those that ended before the stop had the database; the others may have met the outage.
    before = [reply for reply in replies if reply.ended < stopped_at]
    meanwhile = [reply for reply in replies if reply.ended >= stopped_at]
    assert before
    assert [str(reply) for reply in before if reply.status not in (200, 201)] == []
    unavailable = [reply for reply in meanwhile if reply.status == 503]
    assert [str(reply) for reply in meanwhile if reply.status not in (200, 201, 503)] == []
    assert {"GET", "POST"} <= {reply.method for reply in unavailable if is_api(reply)}
    assert any(not is_api(reply) for reply in unavailable)
    for reply in unavailable:
        assert_clean_unavailable(reply)
    assert max(reply.seconds for reply in meanwhile) < REQUEST_SECONDS
    assert readiness.status == 503
    assert readiness.json == {
        "status": "unavailable",
        "checks": {"database": "error: OperationalError", "redis": "ok"},
    }
    assert [str(reply) for reply in after if reply.status not in (200, 201)] == []
    stored = {title for (title,) in postgres.query("SELECT title FROM articles", database)}
    assert {f"After {number}" for number in range(FIRST_REQUESTS_AFTER // 4)} <= stored
    assert app.process.poll() is None
    assert_outage_logged_with_request_ids(app, len(unavailable))


def assert_outage_logged_with_request_ids(app: Gunicorn, unavailable: int) -> None:
    """One warning per 503, tagged with its request id, and no traceback in the log."""
    records = app.log_records()
    warnings = [
        record
        for record in records
        if record["logger"] == "app.errors" and record["level"] == "WARNING"
    ]
    answered_503 = [record for record in records if record.get("status") == 503]
    assert len(warnings) >= unavailable
    assert {record["request_id"] for record in answered_503 if record["path"] != "/readyz"} <= {
        record["request_id"] for record in warnings
    }
    assert [record for record in records if record["level"] in {"ERROR", "CRITICAL"}] == []
    assert "Traceback" not in app.log()


# The error handler, in process: which database errors mean "try again later".

SQL = "SELECT 1"


def connection_refused() -> OperationalError:
    refused = psycopg2.OperationalError('connection to server at "127.0.0.1" failed: refused')
    return OperationalError(SQL, {}, refused)


def connection_dropped() -> DBAPIError:
    closed = psycopg2.InterfaceError("connection already closed")
    return DBAPIError(SQL, {}, closed, connection_invalidated=True)


def syntax_error() -> ProgrammingError:
    return ProgrammingError(SQL, {}, psycopg2.ProgrammingError("syntax error at or near"))


def duplicate_key() -> IntegrityError:
    return IntegrityError(SQL, {}, psycopg2.IntegrityError("duplicate key value"))


def client_raising(error: Exception):
    """Return a client of a throwaway app whose /api/v1/fail and /fail raise error."""
    failing_app = create_app(TestingConfig())

    def fail():
        raise error

    failing_app.add_url_rule("/api/v1/fail", "api_fail", fail)
    failing_app.add_url_rule("/fail", "page_fail", fail)
    return failing_app.test_client()


@pytest.mark.parametrize("error", [connection_refused(), connection_dropped()])
def test_an_unreachable_database_answers_503_json_with_retry_after(error, caplog):
    with caplog.at_level(logging.WARNING, logger="app.errors"):
        response = client_raising(error).get("/api/v1/fail")

    assert response.status_code == 503
    assert response.json == UNAVAILABLE
    assert int(response.headers["Retry-After"]) > 0
    (record,) = [record for record in caplog.records if record.name == "app.errors"]
    assert record.levelno == logging.WARNING
    assert not record.exc_info
    assert record.getMessage().startswith("Database unavailable on GET /api/v1/fail: ")


def test_an_unreachable_database_answers_a_503_page_without_details():
    response = client_raising(connection_refused()).get("/fail")

    assert response.status_code == 503
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "try again" in body
    assert not any(leak in body for leak in LEAKS)


@pytest.mark.parametrize("error", [syntax_error(), duplicate_key()])
def test_a_database_error_from_a_bug_still_answers_500(error, caplog):
    with caplog.at_level(logging.ERROR, logger="app.errors"):
        response = client_raising(error).get("/api/v1/fail")

    assert response.status_code == 500
    assert response.json == {"errors": {"body": ["Internal server error"]}}
    assert "Retry-After" not in response.headers
    assert any(record.exc_info for record in caplog.records)


def test_a_connection_dropped_after_the_answer_was_made_leaves_the_answer_alone():
    """The request's transaction is still open when the database drops the connection (a
    restart); ending the session at teardown finds it gone, which must not turn the answer,
    maybe of a committed write, into a 500."""
    dropping_app = create_app(TestingConfig())

    @dropping_app.get("/api/v1/answered")
    def answered():
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as administrator:
            administrator.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        return {"answered": True}

    response = dropping_app.test_client().get("/api/v1/answered")

    assert (response.status_code, response.json) == (200, {"answered": True})
