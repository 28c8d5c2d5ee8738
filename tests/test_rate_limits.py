"""Rate limits: sign-in and registration per client IP and per account, writes per user,
counted in the real Redis at REDIS_URL (under a key prefix of each test's own), and what
happens when Redis cannot be reached."""

import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.articles.comments.models import Comment
from app.articles.models import favorites
from app.extensions import db as database
from app.users.models import User
from config import TestingConfig
from tests.factories import DEFAULT_PASSWORD

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:56379/0")
RETRY_MESSAGE = re.compile(r"Too many requests; retry in (\d+) seconds")
ROOMY = "1000/minute"


def closed_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def limited_app() -> Iterator:
    """Return a function that builds an app with rate limits on, and clean up after it."""
    prefix = f"test-{uuid.uuid4().hex}"
    built: list[Flask] = []

    def build(**settings) -> Flask:
        config = TestingConfig()
        config.RATELIMIT_ENABLED = True
        config.RATELIMIT_KEY_PREFIX = prefix
        config.REDIS_URL = REDIS_URL
        config.RATELIMIT_SIGN_IN_PER_IP = ROOMY
        config.RATELIMIT_SIGN_IN_PER_ACCOUNT = ROOMY
        config.RATELIMIT_WRITES_PER_USER = ROOMY
        for name, value in settings.items():
            setattr(config, name, value)
        app = create_app(config)
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            database.engine.dispose()
    store = redis.Redis.from_url(REDIS_URL)
    for key in store.scan_iter(match=f"*{prefix}*"):
        store.delete(key)
    store.close()


def api_login(client, email: str, password: str = "wrong-password", ip: str = "192.0.2.1"):
    return client.post(
        "/api/v1/users/login",
        json={"user": {"email": email, "password": password}},
        environ_overrides={"REMOTE_ADDR": ip},
    )


def api_register(client, username: str, email: str, ip: str = "192.0.2.1"):
    user = {"username": username, "email": email, "password": DEFAULT_PASSWORD}
    return client.post("/api/v1/users", json={"user": user}, environ_overrides={"REMOTE_ADDR": ip})


def retry_after(response) -> int:
    """Return the response's Retry-After, checking it matches the message and is sane."""
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 3600
    message = RETRY_MESSAGE.search(response.get_data(as_text=True))
    assert message is not None and int(message.group(1)) == seconds
    return seconds


def assert_api_rate_limited(response) -> None:
    assert response.status_code == 429
    assert response.is_json
    assert set(response.json) == {"errors"}
    assert set(response.json["errors"]) == {"rate_limit"}
    [message] = response.json["errors"]["rate_limit"]
    assert RETRY_MESSAGE.fullmatch(message)
    assert retry_after(response) <= 60


def test_login_is_limited_per_account_whatever_the_ip_and_case(limited_app, make_user):
    make_user("victim", email="victim@example.com")
    client = limited_app(RATELIMIT_SIGN_IN_PER_ACCOUNT="3/minute").test_client()

    answers = [
        api_login(client, "victim@example.com", ip="192.0.2.1"),
        api_login(client, " VICTIM@example.com", ip="192.0.2.2"),
        api_login(client, "Victim@Example.COM ", ip="192.0.2.3"),
    ]
    limited = api_login(client, "victim@example.com", DEFAULT_PASSWORD, ip="192.0.2.4")
    other_account = api_login(client, "someone@example.com", ip="192.0.2.4")

    assert [answer.status_code for answer in answers] == [401, 401, 401]
    assert_api_rate_limited(limited)
    assert "token" not in limited.get_data(as_text=True)
    assert other_account.status_code == 401


def test_login_is_limited_per_ip_across_accounts(limited_app, make_user):
    user = make_user()
    client = limited_app(RATELIMIT_SIGN_IN_PER_IP="3/minute").test_client()

    answers = [api_login(client, f"guess{number}@example.com") for number in range(3)]
    limited = api_login(client, user.email, DEFAULT_PASSWORD)
    from_elsewhere = api_login(client, user.email, DEFAULT_PASSWORD, ip="198.51.100.7")

    assert [answer.status_code for answer in answers] == [401, 401, 401]
    assert_api_rate_limited(limited)
    assert from_elsewhere.status_code == 200
    assert from_elsewhere.json["user"]["token"]


def test_an_ipv6_client_is_counted_by_its_64_bit_prefix(limited_app):
    client = limited_app(RATELIMIT_SIGN_IN_PER_IP="2/minute").test_client()

    api_login(client, "a@example.com", ip="2001:db8:1:2::1")
    api_login(client, "b@example.com", ip="2001:db8:1:2:ffff::9")
    limited = api_login(client, "c@example.com", ip="2001:db8:1:2:abcd::5")
    other_network = api_login(client, "c@example.com", ip="2001:db8:1:3::1")

    assert_api_rate_limited(limited)
    assert other_network.status_code == 401


def test_registration_is_limited_per_ip(limited_app, db):
    client = limited_app(RATELIMIT_SIGN_IN_PER_IP="2/minute").test_client()

    answers = [
        api_register(client, f"new{number}", f"new{number}@example.com") for number in (1, 2)
    ]
    limited = api_register(client, "new3", "new3@example.com")

    assert [answer.status_code for answer in answers] == [201, 201]
    assert_api_rate_limited(limited)
    assert User.by_username("new3") is None
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_registration_is_limited_per_email(limited_app, db):
    client = limited_app(RATELIMIT_SIGN_IN_PER_ACCOUNT="2/minute").test_client()

    taken = [
        api_register(client, f"probe{number}", "Probe@Example.com", ip=f"192.0.2.{number}")
        for number in (1, 2)
    ]
    limited = api_register(client, "probe3", "probe@example.com", ip="192.0.2.3")

    assert [answer.status_code for answer in taken] == [201, 422]
    assert_api_rate_limited(limited)


def test_login_and_registration_are_counted_apart(limited_app, make_user):
    user = make_user()
    client = limited_app(RATELIMIT_SIGN_IN_PER_IP="2/minute").test_client()

    registered = [
        api_register(client, f"fresh{number}", f"fresh{number}@example.com") for number in (1, 2)
    ]
    signed_in = api_login(client, user.email, DEFAULT_PASSWORD)

    assert [answer.status_code for answer in registered] == [201, 201]
    assert signed_in.status_code == 200


def test_the_login_page_shares_the_api_count_and_answers_a_friendly_page(
    limited_app, make_user, csrf_token
):
    user = make_user()
    client = limited_app(RATELIMIT_SIGN_IN_PER_ACCOUNT="2/minute").test_client()
    token = csrf_token(client, "/login")

    api_attempt = api_login(client, user.email, ip="127.0.0.1")
    page_attempt = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": "wrong-password"}
    )
    limited = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": DEFAULT_PASSWORD}
    )

    assert api_attempt.status_code == 401
    assert page_attempt.status_code == 401
    assert limited.status_code == 429
    assert limited.mimetype == "text/html"
    assert retry_after(limited) <= 60
    page = limited.get_data(as_text=True)
    assert 'data-testid="error-page"' in page
    assert "Too many requests; retry in" in page


def test_showing_the_login_and_register_pages_is_not_counted(limited_app):
    client = limited_app(RATELIMIT_SIGN_IN_PER_IP="1/minute").test_client()

    pages = [client.get(path) for path in ("/login", "/login", "/register", "/register")]

    assert [page.status_code for page in pages] == [200, 200, 200, 200]


def test_the_register_page_is_limited_per_ip(limited_app, csrf_token, db):
    client = limited_app(RATELIMIT_SIGN_IN_PER_IP="1/minute").test_client()
    token = csrf_token(client, "/register")
    form = {"csrf_token": token, "password": DEFAULT_PASSWORD}

    first = client.post("/register", data=form | {"username": "one", "email": "one@example.com"})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client, "/register")
    second = client.post(
        "/register",
        data=form | {"csrf_token": token, "username": "two", "email": "two@example.com"},
    )

    assert first.status_code == 302
    assert second.status_code == 429
    assert User.by_username("two") is None


def test_writes_are_limited_per_user_and_reads_are_not(
    limited_app, make_user, make_article, auth_headers, db
):
    writer, bystander = make_user(), make_user()
    articles = [make_article() for _ in range(3)]
    client = limited_app(RATELIMIT_WRITES_PER_USER="2/minute").test_client()

    reads = [client.get("/api/v1/user", headers=auth_headers(writer)) for _ in range(5)]
    writes = [
        client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(writer))
        for article in articles
    ]
    bystander_write = client.post(
        f"/api/v1/articles/{articles[2].slug}/favorite", headers=auth_headers(bystander)
    )

    assert {read.status_code for read in reads} == {200}
    assert [write.status_code for write in writes[:2]] == [200, 200]
    assert_api_rate_limited(writes[2])
    assert bystander_write.status_code == 200
    favorited = db.session.execute(select(favorites.c.user_id, favorites.c.article_id)).all()
    assert sorted(favorited) == sorted(
        [(writer.id, articles[0].id), (writer.id, articles[1].id), (bystander.id, articles[2].id)]
    )


def test_writes_from_the_pages_count_against_the_same_user(
    limited_app, make_user, make_article, auth_headers, login, csrf_token, db
):
    writer = make_user()
    article = make_article()
    app = limited_app(RATELIMIT_WRITES_PER_USER="2/minute")
    client = app.test_client()
    login(client, writer)
    api_write = client.post(
        f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(writer)
    )

    token = csrf_token(client, f"/article/{article.slug}")
    page_write = client.post(f"/article/{article.slug}/unfavorite", data={"csrf_token": token})
    limited = client.post(f"/article/{article.slug}/favorite", data={"csrf_token": token})

    assert api_write.status_code == 200
    assert page_write.status_code == 302
    assert limited.status_code == 429
    assert limited.mimetype == "text/html"
    assert retry_after(limited) <= 60
    assert db.session.scalar(select(func.count()).select_from(favorites)) == 0


def test_editing_a_comment_counts_as_a_write_in_the_api_and_on_the_pages(
    limited_app, make_article, make_comment, auth_headers, login, csrf_token, db
):
    comment = make_comment(make_article(), body="first draft")
    author, comment_id, slug = comment.author, comment.id, comment.article.slug
    api_url = f"/api/v1/articles/{slug}/comments/{comment_id}"
    page_url = f"/article/{slug}/comments/{comment_id}/edit"
    client = limited_app(RATELIMIT_WRITES_PER_USER="2/minute").test_client()

    api_edit = client.put(
        api_url, json={"comment": {"body": "second"}}, headers=auth_headers(author)
    )
    login(client, author)
    page_edit = client.post(
        page_url, data={"csrf_token": csrf_token(client, page_url), "body": "third"}
    )
    limited = client.put(
        api_url, json={"comment": {"body": "fourth"}}, headers=auth_headers(author)
    )

    assert api_edit.status_code == 200
    assert page_edit.status_code == 302
    assert_api_rate_limited(limited)
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).body == "third"


def test_reports_count_against_the_same_write_limit(
    limited_app, make_user, make_article, auth_headers
):
    reader = make_user()
    first, second = make_article(), make_article()
    client = limited_app(RATELIMIT_WRITES_PER_USER="1/minute").test_client()
    body = {"report": {"reason": "spam"}}

    reported = client.post(
        f"/api/v1/articles/{first.slug}/reports", json=body, headers=auth_headers(reader)
    )
    again = client.post(
        f"/api/v1/articles/{second.slug}/reports", json=body, headers=auth_headers(reader)
    )

    assert reported.status_code == 201
    assert_api_rate_limited(again)


def test_anonymous_writes_answer_as_before(limited_app, make_article):
    article = make_article()
    client = limited_app(RATELIMIT_WRITES_PER_USER="1/minute").test_client()

    answers = [client.post(f"/api/v1/articles/{article.slug}/favorite") for _ in range(3)]
    bad_token = client.post(
        "/api/v1/articles", json={}, headers={"Authorization": "Token not-a-jwt"}
    )

    assert [answer.status_code for answer in answers] == [401, 401, 401]
    assert bad_token.status_code == 401
    assert set(bad_token.json["errors"]) == {"token"}


def test_counts_are_shared_by_every_app_on_the_same_redis(limited_app, make_user):
    user = make_user()
    first = limited_app(RATELIMIT_SIGN_IN_PER_ACCOUNT="2/minute").test_client()
    second = limited_app(RATELIMIT_SIGN_IN_PER_ACCOUNT="2/minute").test_client()

    api_login(first, user.email)
    api_login(second, user.email)
    limited = api_login(first, user.email, DEFAULT_PASSWORD)

    assert_api_rate_limited(limited)


def test_redis_keys_hold_no_email_address(limited_app, make_user):
    user = make_user(email="Private.Person@example.com")
    app = limited_app()
    api_login(app.test_client(), user.email)

    store = redis.Redis.from_url(REDIS_URL)
    keys = [
        key.decode() for key in store.scan_iter(match=f"*{app.config['RATELIMIT_KEY_PREFIX']}*")
    ]
    store.close()
    assert any("/login/account/" in key for key in keys)
    assert any("/login/ip/192.0.2.1/" in key for key in keys)
    assert not any("private" in key.lower() or "@" in key for key in keys)


def test_without_redis_logins_are_limited_in_memory_writes_pass_and_nothing_fails(
    limited_app, make_user, make_article, auth_headers, caplog
):
    user = make_user()
    articles = [make_article() for _ in range(3)]
    app = limited_app(
        REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
        RATELIMIT_SIGN_IN_PER_ACCOUNT="2/minute",
        RATELIMIT_WRITES_PER_USER="1/minute",
    )
    client = app.test_client()
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="app.extensions"):
        logins = [api_login(client, user.email, DEFAULT_PASSWORD) for _ in range(2)]
        limited = api_login(client, user.email, DEFAULT_PASSWORD)
        writes = [
            client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(user))
            for article in articles
        ]

    assert [answer.status_code for answer in logins] == [200, 200]
    assert_api_rate_limited(limited)
    assert [write.status_code for write in writes] == [200, 200, 200]
    warnings = [record for record in caplog.records if record.name == "app.extensions"]
    assert warnings and all(record.levelno == logging.WARNING for record in warnings)
    assert "Redis unavailable (rate limit failed" in warnings[0].getMessage()
    assert time.monotonic() - started < 10


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """Return the URL of a "Redis" that accepts connections and never answers.

    It closes after 10 s, so that a client without a read timeout fails instead of hanging.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    closer = threading.Timer(10, listener.close)
    closer.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    closer.cancel()
    listener.close()


def test_a_redis_that_hangs_costs_one_short_timeout_not_a_stuck_worker(
    limited_app, make_user, auth_headers, silent_redis
):
    user = make_user()
    client = limited_app(
        REDIS_URL=silent_redis, RATELIMIT_SIGN_IN_PER_ACCOUNT="3/minute"
    ).test_client()
    started = time.monotonic()

    logins = [api_login(client, user.email, DEFAULT_PASSWORD) for _ in range(4)]
    writes = [
        client.put("/api/v1/user", json={"user": {}}, headers=auth_headers(user)) for _ in range(3)
    ]

    assert [answer.status_code for answer in logins[:3]] == [200, 200, 200]
    assert_api_rate_limited(logins[3])
    assert [write.status_code for write in writes] == [200, 200, 200]
    assert time.monotonic() - started < 3


def test_the_suites_app_has_no_limits(client, make_user):
    user = make_user()

    answers = [api_login(client, user.email) for _ in range(30)]

    assert {answer.status_code for answer in answers} == {401}


def test_live_previews_have_their_own_limit_and_leave_the_writes_alone(
    limited_app, make_user, auth_headers, login, csrf_token
):
    writer = make_user()
    client = limited_app(
        RATELIMIT_WRITES_PER_USER="1/minute", RATELIMIT_PREVIEWS_PER_USER="2/minute"
    ).test_client()
    login(client, writer)
    token = csrf_token(client, "/editor")

    previews = [
        client.post("/editor/preview", data={"csrf_token": token, "body": "b"}) for _ in range(3)
    ]
    article = {"title": "T", "description": "d", "body": "b", "tagList": []}
    write = client.post("/api/v1/articles", json={"article": article}, headers=auth_headers(writer))

    assert [preview.status_code for preview in previews] == [200, 200, 429]
    assert write.status_code == 201
