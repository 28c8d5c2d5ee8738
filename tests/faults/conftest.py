"""Fixtures for the fault tests: a PostgreSQL cluster of their own for the session, a fresh
migrated database and a Redis per test, and the app under real gunicorn in production
configuration. The suite's shared servers are never stopped."""

import contextlib
import uuid
from collections.abc import Callable, Iterator

import psycopg2
import pytest

from tests.faults.client import call
from tests.faults.servers import (
    Gunicorn,
    PostgresServer,
    RedisServer,
    migrate,
    production_environment,
    wait_for,
)

TEMPLATE_DATABASE = "conduit_migrated"
PG_BACK_SECONDS = 30


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster whose template database has every migration applied."""
    server = PostgresServer()
    try:
        server.init()
        server.start()
        server.execute(f"CREATE DATABASE {TEMPLATE_DATABASE}")
        migrate(production_environment(server.url(TEMPLATE_DATABASE), None))
        yield server
    finally:
        server.destroy()


@pytest.fixture
def database(postgres: PostgresServer) -> Iterator[str]:
    """The name of a fresh, migrated database, copied from the template."""
    name = f"faults_{uuid.uuid4().hex[:12]}"
    wait_for(postgres.answers, PG_BACK_SECONDS, "PostgreSQL answering")
    postgres.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    yield name
    # A failed test may leave the server down; destroy() removes everything at the end.
    with contextlib.suppress(psycopg2.OperationalError):
        postgres.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def answers_healthz(app: Gunicorn) -> bool:
    return call(app.port, "GET", "/healthz", timeout=1).status == 200


@pytest.fixture
def start_app(tmp_path) -> Iterator[Callable[..., Gunicorn]]:
    """Return a function that starts the app under gunicorn; each is killed at the end."""
    started: list[Gunicorn] = []

    def start(database_url: str, redis_url: str | None, workers: int = 2, **env) -> Gunicorn:
        environment = production_environment(database_url, redis_url, **env)
        app = Gunicorn(environment, tmp_path / f"gunicorn-{len(started)}.log", workers)
        started.append(app)
        app.start(answers_healthz)
        return app

    yield start
    for app in started:
        app.kill()
