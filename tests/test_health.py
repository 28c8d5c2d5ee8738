"""The probes: /healthz answers whenever the process does, /readyz only when PostgreSQL and
Redis answer too, quickly either way, and with no detail an outsider could use."""

import logging
import socket
import time
from collections.abc import Iterator

import pytest

from app import create_app
from config import TestingConfig

# Well under any prober's timeout, with room for a slow test machine.
QUICK_SECONDS = 2


def closed_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers: a hung server."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def client_with(**settings):
    """Return a test client of an app built from TestingConfig with these settings changed."""
    config = type("ProbeConfig", (TestingConfig,), settings)()
    return create_app(config).test_client()


def database_at(port: int) -> str:
    return f"postgresql+psycopg2://conduit@127.0.0.1:{port}/conduit"


def test_healthz_says_the_process_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_touches_neither_the_database_nor_redis(client, count_queries):
    with count_queries() as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert queries.count == 0


def test_healthz_answers_while_the_database_is_unreachable():
    port = closed_port()
    cut_off = client_with(
        SQLALCHEMY_DATABASE_URI=database_at(port), REDIS_URL=f"redis://127.0.0.1:{port}/0"
    )

    response = cut_off.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_ready_when_the_database_and_redis_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_checks_only_the_database_without_a_redis_url():
    response = client_with(REDIS_URL=None).get("/readyz")

    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_is_unavailable_when_the_database_is_unreachable(caplog):
    port = closed_port()
    cut_off = client_with(SQLALCHEMY_DATABASE_URI=database_at(port))

    started = time.monotonic()
    response = cut_off.get("/readyz")

    assert time.monotonic() - started < QUICK_SECONDS
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "error: OperationalError", "redis": "ok"},
    }
    assert str(port) not in response.get_data(as_text=True)
    (warning,) = [record for record in caplog.records if record.name == "app.web.health"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith("Readiness check database failed")
    assert str(port) in warning.getMessage()


def test_readyz_is_unavailable_when_redis_is_unreachable(caplog):
    port = closed_port()
    cut_off = client_with(REDIS_URL=f"redis://127.0.0.1:{port}/0")

    started = time.monotonic()
    response = cut_off.get("/readyz")

    assert time.monotonic() - started < QUICK_SECONDS
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "error: ConnectionError"},
    }
    assert str(port) not in response.get_data(as_text=True)
    (warning,) = [record for record in caplog.records if record.name == "app.web.health"]
    assert warning.getMessage().startswith("Readiness check redis failed")
    assert str(port) in warning.getMessage()


def test_readyz_gives_up_on_a_hung_redis_after_one_short_attempt(silent_port):
    hung = client_with(REDIS_URL=f"redis://127.0.0.1:{silent_port}/0")

    started = time.monotonic()
    response = hung.get("/readyz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "redis": "error: TimeoutError"}
    # One attempt of REDIS_TIMEOUT_SECONDS: redis-py's default retries would take four.
    timeout = TestingConfig.REDIS_TIMEOUT_SECONDS
    assert timeout <= elapsed < 3 * timeout


def test_readyz_is_unavailable_when_both_are_unreachable():
    port = closed_port()
    cut_off = client_with(
        SQLALCHEMY_DATABASE_URI=database_at(port), REDIS_URL=f"redis://127.0.0.1:{port}/0"
    )

    response = cut_off.get("/readyz")

    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "error: OperationalError", "redis": "error: ConnectionError"},
    }
