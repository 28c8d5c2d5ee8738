"""Fixtures: one app per session on the real PostgreSQL, a clean database for every test."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from app import create_app
from app.auth.tokens import issue_token
from app.extensions import db as database
from app.extensions import redis_client
from config import TestingConfig
from tests import factories

# The SMTP server, the Celery worker and the app that queues for it (tests/mail_fixtures.py).
pytest_plugins = ["tests.mail_fixtures"]


class RequestScopedClient(FlaskClient):
    """Runs each request in an app context of its own, as a server does.

    Without it a request reuses the test's app context, and so its database session:
    objects and failed transactions would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.exit("The suite needs DATABASE_URL to name a PostgreSQL database: run `make test`.")
    app = create_app(TestingConfig())
    app.test_client_class = RequestScopedClient
    with app.app_context():
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        _empty_redis()
    return app


@pytest.fixture(autouse=True)
def db(app) -> Iterator:
    """The database, emptied after each test so that no test sees another's rows."""
    with app.app_context():
        yield database
        database.session.remove()
        tables = ", ".join(table.name for table in database.metadata.sorted_tables)
        with database.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _empty_redis()


def _empty_redis() -> None:
    """Forget the cache and the rate limits in Redis: they describe rows that are gone."""
    if redis_client.client is not None:
        redis_client.client.flushdb()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth_headers():
    def headers_for(user, scheme: str = "Token") -> dict[str, str]:
        return {"Authorization": f"{scheme} {issue_token(user)}"}

    return headers_for


@pytest.fixture
def make_user():
    return factories.make_user


@pytest.fixture
def make_article():
    return factories.make_article


@pytest.fixture
def make_comment():
    return factories.make_comment


class StatementCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(db):
    """Return a context manager that counts the SQL statements run inside it, on every
    engine (the reads' and the writes')."""

    @contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()
        engines = list(db.engines.values())
        for engine in engines:
            event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", counter)

    return counting


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def csrf_token():
    """Return a function that fetches a page and returns the CSRF token in its forms."""

    def token_from(client, url: str = "/login") -> str:
        page = client.get(url)
        match = CSRF_FIELD.search(page.get_data(as_text=True))
        assert match, f"no CSRF token in the page at {url} ({page.status_code})"
        return match.group(1)

    return token_from


@pytest.fixture
def login(csrf_token):
    """Return a function that signs user in to client through the login form."""

    def sign_in(client, user, password: str = factories.DEFAULT_PASSWORD):
        response = client.post(
            "/login",
            data={"csrf_token": csrf_token(client), "email": user.email, "password": password},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in
