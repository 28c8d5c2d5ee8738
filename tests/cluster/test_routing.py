"""Which database answers: the app in-process over a real primary and its streaming replica.

The engines are the app's own; the tests only listen to which of them run statements.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event

from app import create_app
from app.extensions import db, redis_client
from app.replicas import EXTENSION, PRIMARY_UNTIL
from config import TestingConfig, psycopg2_url
from tests import factories
from tests.cluster.conftest import DEAD_PORT
from tests.conftest import RequestScopedClient

pytestmark = pytest.mark.cluster

DATABASE = "conduit_routing"
API = "/api/v1"
# The replicas' own check, which every pick may run: not an answer to the request.
FITNESS_CHECK = "SELECT pg_is_in_recovery()"


class RoutingConfig(TestingConfig):
    """Short bounds, so that a test can outwait them; no cache, so that reads reach SQL."""

    DATABASE_REPLICA_MAX_LAG_SECONDS = 0.5
    DATABASE_REPLICA_CHECK_SECONDS = 0.2
    READ_YOUR_WRITES_SECONDS = 1.0
    CACHE_ENABLED = False


@pytest.fixture
def make_app(primary, caught_up, cluster_redis) -> Iterator[Callable[..., Flask]]:
    """Return a function that builds an app over the primary and, unless told otherwise,
    the replica and the cluster's Redis; the database is emptied after the test."""
    apps: list[Flask] = []

    def build(replica_ports=(caught_up.port,), redis_port=cluster_redis.port, **settings):
        config = RoutingConfig()
        config.SQLALCHEMY_DATABASE_URI = psycopg2_url(primary.url(DATABASE))
        config.DATABASE_REPLICA_URLS = [
            psycopg2_url(f"postgresql://conduit@127.0.0.1:{port}/{DATABASE}")
            for port in replica_ports
        ]
        config.REDIS_URL = f"redis://127.0.0.1:{redis_port}/1"
        for name, value in settings.items():
            setattr(config, name, value)
        app = create_app(config)
        app.test_client_class = RequestScopedClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
    tables = ", ".join(table.name for table in db.metadata.sorted_tables)
    primary.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE", DATABASE)
    cluster_redis.client().flushall()


@contextmanager
def binds_used(app: Flask) -> Iterator[set[str]]:
    """Collect the names of the binds that run the request's statements ("default" for
    the primary's write engine, "reads" for its autocommit one, "replica-N")."""
    used: set[str] = set()
    with app.app_context():
        engines = dict(db.engines)
    listeners = []
    for key, engine in engines.items():

        def note(_conn, _cursor, statement, *_args, name=key or "default"):
            if not statement.startswith(FITNESS_CHECK):
                used.add(name)

        event.listen(engine, "before_cursor_execute", note)
        listeners.append((engine, note))
    try:
        yield used
    finally:
        for engine, note in listeners:
            event.remove(engine, "before_cursor_execute", note)


def register(client, name: str) -> dict[str, str]:
    user = {"username": name, "email": f"{name}@example.com", "password": "long-passphrase-1"}
    response = client.post(f"{API}/users", json={"user": user})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Token {response.get_json()['user']['token']}"}


def write_article(client, headers, title: str) -> str:
    article = {"title": title, "description": "d", "body": "b", "tagList": []}
    response = client.post(f"{API}/articles", json={"article": article}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["article"]["slug"]


def wait_for_replica(primary, replica) -> None:
    deadline = time.monotonic() + 10
    while not replica.caught_up_with(primary):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def test_a_safe_request_reads_from_a_replica(make_app, primary, caught_up):
    app = make_app()
    client = app.test_client()
    write_article(client, register(client, "author"), "Read from afar")
    wait_for_replica(primary, caught_up)

    with binds_used(app) as used:
        response = client.get(f"{API}/articles")

    assert response.status_code == 200
    assert [article["title"] for article in response.get_json()["articles"]] == ["Read from afar"]
    assert used == {"replica-0"}


def test_a_write_request_uses_only_the_primary(make_app):
    app = make_app()
    client = app.test_client()
    headers = register(client, "author")

    with binds_used(app) as used:
        write_article(client, headers, "Written")

    assert used == {"default"}


def test_a_writer_reads_from_the_primary_through_any_node_until_the_window_ends(
    make_app, primary, caught_up
):
    node_a, node_b = make_app(), make_app()
    writer = register(node_a.test_client(), "writer")
    reader = register(node_a.test_client(), "reader")
    time.sleep(RoutingConfig.READ_YOUR_WRITES_SECONDS)
    slug = write_article(node_a.test_client(), writer, "Mine")

    with binds_used(node_b) as used_by_writer:
        mine = node_b.test_client().get(f"{API}/articles/{slug}", headers=writer)
    # Until it has replayed the write, the replica counts as lagging: after an idle spell its
    # last replayed transaction is older than the bound.
    wait_for_replica(primary, caught_up)
    time.sleep(RoutingConfig.DATABASE_REPLICA_CHECK_SECONDS)
    with binds_used(node_b) as used_by_reader:
        node_b.test_client().get(f"{API}/articles/{slug}", headers=reader)
    time.sleep(RoutingConfig.READ_YOUR_WRITES_SECONDS)
    with binds_used(node_b) as used_after_the_window:
        later = node_b.test_client().get(f"{API}/articles/{slug}", headers=writer)

    assert mine.status_code == 200 and later.status_code == 200
    assert used_by_writer == {"reads"}
    assert used_by_reader == {"replica-0"}
    assert used_after_the_window == {"replica-0"}


def test_registering_sends_the_new_users_reads_to_the_primary(make_app):
    app = make_app()
    headers = register(app.test_client(), "newcomer")

    with binds_used(app) as used:
        response = app.test_client().get(f"{API}/user", headers=headers)

    assert response.status_code == 200
    assert used == {"reads"}


def test_a_page_writer_reads_from_the_primary_by_their_session(make_app, login):
    app = make_app()
    browser, stranger = app.test_client(), app.test_client()
    with app.app_context():
        login(browser, factories.make_user("pagewriter"))

    with binds_used(app) as used_by_writer:
        assert browser.get("/settings").status_code == 200
    with binds_used(app) as used_by_stranger:
        assert stranger.get("/").status_code == 200

    assert used_by_writer == {"reads"}
    assert used_by_stranger == {"replica-0"}


def test_a_replica_that_refuses_connections_is_skipped(make_app, caught_up):
    app = make_app(replica_ports=(DEAD_PORT, caught_up.port))

    with binds_used(app) as used:
        responses = [app.test_client().get(f"{API}/tags") for _ in range(4)]

    assert [response.status_code for response in responses] == [200] * 4
    assert used == {"replica-1"}
    with app.app_context():
        dead, alive = app.extensions[EXTENSION].replicas
    assert dead.down_until > time.monotonic() >= alive.down_until


def test_a_lagging_replica_is_skipped_until_it_catches_up(make_app, primary, caught_up):
    app = make_app()
    client = app.test_client()
    headers = register(client, "author")
    caught_up.pause_replay()
    try:
        slug = write_article(client, headers, "Not replayed yet")
        time.sleep(RoutingConfig.DATABASE_REPLICA_MAX_LAG_SECONDS + 0.5)

        with binds_used(app) as used_while_behind:
            response = app.test_client().get(f"{API}/articles/{slug}")
    finally:
        caught_up.resume_replay()
    wait_for_replica(primary, caught_up)
    time.sleep(RoutingConfig.DATABASE_REPLICA_CHECK_SECONDS)
    with binds_used(app) as used_once_caught_up:
        again = app.test_client().get(f"{API}/articles/{slug}")

    assert response.status_code == 200 and again.status_code == 200
    assert used_while_behind == {"reads"}
    assert used_once_caught_up == {"replica-0"}


def test_a_replica_failing_during_a_request_is_answered_from_the_primary(make_app, caught_up):
    # Checked once a minute: the replica is found fit, then stops before the next check.
    app = make_app(DATABASE_REPLICA_CHECK_SECONDS=60.0, READ_YOUR_WRITES_SECONDS=61.0)
    assert app.test_client().get(f"{API}/tags").status_code == 200
    caught_up.stop()

    with binds_used(app) as used:
        response = app.test_client().get(f"{API}/tags")
    with binds_used(app) as used_next:
        following = app.test_client().get(f"{API}/tags")

    assert response.status_code == 200 and following.status_code == 200
    assert used == used_next == {"reads"}
    with app.app_context():
        (replica,) = app.extensions[EXTENSION].replicas
    assert replica.down_until > time.monotonic()


def test_a_replica_failing_before_the_view_is_answered_from_the_primary(
    make_app, primary, caught_up, login
):
    # The admin pages look at their viewer in a before-request hook, before the view.
    app = make_app(DATABASE_REPLICA_CHECK_SECONDS=60.0, READ_YOUR_WRITES_SECONDS=61.0)
    browser = app.test_client()
    with app.app_context():
        admin = factories.make_user("moderator")
        admin.is_admin = True
        db.session.commit()
        login(browser, admin)
    with browser.session_transaction() as cookie_session:
        cookie_session.pop(PRIMARY_UNTIL)
    wait_for_replica(primary, caught_up)
    with binds_used(app) as used_before:
        assert browser.get("/admin/reports").status_code == 200
    caught_up.stop()

    with binds_used(app) as used:
        response = browser.get("/admin/reports")

    assert used_before == {"replica-0"}
    assert response.status_code == 200
    assert used == {"reads"}


def test_with_redis_down_signed_in_api_users_read_from_the_primary(make_app):
    app = make_app(redis_port=DEAD_PORT)
    headers = register(app.test_client(), "author")

    with binds_used(app) as used_signed_in:
        assert app.test_client().get(f"{API}/user", headers=headers).status_code == 200
    with binds_used(app) as used_anonymous:
        assert app.test_client().get(f"{API}/tags").status_code == 200

    assert used_signed_in == {"reads"}
    assert used_anonymous == {"replica-0"}


def test_without_replicas_a_signed_in_read_sends_no_redis_command(make_app):
    app = make_app(replica_ports=(), redis_port=DEAD_PORT)
    headers = register(app.test_client(), "author")
    assert "replica-0" not in app.config["SQLALCHEMY_BINDS"]

    with binds_used(app) as used:
        assert app.test_client().get(f"{API}/user", headers=headers).status_code == 200

    assert used == {"reads"}
    with app.app_context():
        assert redis_client.breaker.closed()
        assert EXTENSION not in app.extensions
