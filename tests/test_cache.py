"""The Redis cache: what it stores and how, that every write invalidates what it changed, that
nothing one viewer sees is shared with another, and that a missing, dead or stalled Redis
costs a cache miss and a warning, never an error."""

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from redis import Redis, RedisError

from app import cache, create_app
from app.extensions import db, redis_client
from config import TestingConfig
from tests.conftest import RequestScopedClient
from tests.factories import DEFAULT_PASSWORD

ARTICLES = "/api/v1/articles"
STARTUP_SECONDS = 10


def keys(pattern: str = "conduit:*") -> list[str]:
    return sorted(key.decode() for key in redis_client.client.keys(pattern))


def entries() -> list[dict]:
    """Return every cache entry stored, decoded."""
    return [orjson.loads(redis_client.client.get(key)) for key in keys(f"{cache.KEY_PREFIX}*")]


def new_article(client, headers, title="Fresh news", tags=("news",)) -> dict:
    article = {"title": title, "description": "d", "body": "b", "tagList": list(tags)}
    response = client.post(ARTICLES, json={"article": article}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["article"]


def slugs(response) -> list[str]:
    return [article["slug"] for article in response.json["articles"]]


# What is stored, and how


def test_a_list_served_from_the_cache_runs_no_sql(client, make_article, count_queries):
    article = make_article(tags=["python"])
    assert slugs(client.get(ARTICLES)) == [article.slug]
    db.session.remove()

    with count_queries() as counter:
        response = client.get(ARTICLES)

    assert slugs(response) == [article.slug]
    assert counter.count == 0


def test_entries_are_namespaced_versioned_json_with_a_ttl(app, client, make_article):
    make_article(tags=["python"])

    client.get(ARTICLES)
    client.get(f"{ARTICLES}/{client.get(ARTICLES).json['articles'][0]['slug']}")
    client.get("/api/v1/tags")

    stored = keys(f"{cache.KEY_PREFIX}*")
    names = sorted(key.split(":")[2] for key in stored)
    # The data (a page of the list, the article, the tags), and the anonymous answers built
    # from it.
    assert names == ["article", "article-answer", "article-page", "articles-answer", "tags"]
    assert all(key.startswith(f"conduit:v{cache.CACHE_SCHEMA_VERSION}:") for key in stored)
    for key in stored:
        assert 0 < redis_client.client.ttl(key) <= app.config["CACHE_TTL_SECONDS"]
    assert {"versions", "value"} == set(entries()[0])
    assert f"{cache.VERSION_PREFIX}{cache.ARTICLE_LISTS}" in keys()


def test_an_answer_is_stored_once_whatever_made_up_arguments_come_with_it(client, make_article):
    article = make_article(tags=["python"])

    for number in range(5):
        response = client.get(ARTICLES, query_string={"tag": "python", f"junk{number}": "x"})
        assert slugs(response) == [article.slug]
    answers = keys(f"{cache.KEY_PREFIX}articles-answer:*")
    client.get(ARTICLES, query_string={"tag": "python"})
    client.get(f"{ARTICLES}?limit=20&tag=python")

    assert answers == []
    assert len(keys(f"{cache.KEY_PREFIX}articles-answer:*")) == 2


def test_every_page_of_a_list_shares_one_cached_count(client, make_article, count_queries):
    for number in range(3):
        make_article(title=f"Article {number}")
    assert client.get(ARTICLES, query_string={"limit": 1}).json["articlesCount"] == 3
    db.session.remove()

    with count_queries() as counter:
        second_page = client.get(ARTICLES, query_string={"limit": 1, "offset": 1})

    assert second_page.json["articlesCount"] == 3
    assert len(counter.statements) == 1
    assert " AS total" not in counter.statements[0]


def test_entries_written_under_another_schema_version_are_not_read(
    client, make_article, count_queries, monkeypatch
):
    make_article()
    client.get(ARTICLES)
    monkeypatch.setattr(cache, "KEY_PREFIX", "conduit:v999:")
    db.session.remove()

    with count_queries() as counter:
        client.get(ARTICLES)

    assert counter.count == 1


def test_the_decorator_calls_the_helper_once_per_distinct_arguments(app):
    calls = []

    @cache.cached("test-double", depends_on=["test"])
    def double(number: int) -> dict:
        calls.append(number)
        return {"double": number * 2}

    assert [double(2), double(2), double(3)] == [{"double": 4}, {"double": 4}, {"double": 6}]
    assert calls == [2, 3]
    cache.invalidate("test")
    assert double(2) == {"double": 4}
    assert calls == [2, 3, 2]


def test_a_value_computed_before_a_write_is_never_served_after_it(app):
    found = cache.lookup("test-race", ["key"], ["test"])
    cache.invalidate("test")
    found.store("computed before the write")

    assert not cache.lookup("test-race", ["key"], ["test"]).hit


def test_an_evicted_version_counts_as_a_change(app):
    cache.lookup("test-evicted", [], ["test"]).store("old")
    assert cache.lookup("test-evicted", [], ["test"]).hit

    redis_client.client.delete(f"{cache.VERSION_PREFIX}test")

    assert not cache.lookup("test-evicted", [], ["test"]).hit


# Every write invalidates what it changed


def test_a_new_article_appears_in_the_lists_and_tags_at_once(client, make_user, auth_headers):
    headers = auth_headers(make_user("writer"))
    assert client.get(ARTICLES).json == {"articles": [], "articlesCount": 0}
    assert client.get("/api/v1/tags").json == {"tags": []}
    assert client.get(ARTICLES, query_string={"author": "writer"}).json["articlesCount"] == 0

    article = new_article(client, headers)

    assert slugs(client.get(ARTICLES)) == [article["slug"]]
    assert slugs(client.get(ARTICLES, query_string={"author": "writer"})) == [article["slug"]]
    assert slugs(client.get(ARTICLES, query_string={"tag": "news"})) == [article["slug"]]
    assert client.get("/api/v1/tags").json == {"tags": ["news"]}


def test_an_edit_shows_in_the_article_and_the_lists_at_once(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    slug = new_article(client, headers, title="Before", tags=["old"])["slug"]
    client.get(f"{ARTICLES}/{slug}")
    client.get(ARTICLES)
    client.get("/api/v1/tags")

    changes = {"article": {"title": "After", "tagList": ["new"]}}
    assert client.put(f"{ARTICLES}/{slug}", json=changes, headers=headers).status_code == 200

    assert client.get(f"{ARTICLES}/{slug}").status_code == 404
    assert client.get(f"{ARTICLES}/after").json["article"]["title"] == "After"
    assert [article["title"] for article in client.get(ARTICLES).json["articles"]] == ["After"]
    assert client.get("/api/v1/tags").json == {"tags": ["new"]}


def test_a_favorite_changes_the_counts_at_once(client, make_user, make_article, auth_headers):
    article = make_article()
    fan = auth_headers(make_user())
    assert client.get(f"{ARTICLES}/{article.slug}").json["article"]["favoritesCount"] == 0
    assert client.get(ARTICLES).json["articles"][0]["favoritesCount"] == 0
    assert client.get(ARTICLES, query_string={"favorited": "nobody"}).json["articlesCount"] == 0

    client.post(f"{ARTICLES}/{article.slug}/favorite", headers=fan)

    assert client.get(f"{ARTICLES}/{article.slug}").json["article"]["favoritesCount"] == 1
    assert client.get(ARTICLES).json["articles"][0]["favoritesCount"] == 1

    client.delete(f"{ARTICLES}/{article.slug}/favorite", headers=fan)

    assert client.get(f"{ARTICLES}/{article.slug}").json["article"]["favoritesCount"] == 0
    assert client.get(ARTICLES).json["articles"][0]["favoritesCount"] == 0


def test_a_deleted_article_leaves_the_lists_and_tags_at_once(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    slug = new_article(client, headers)["slug"]
    client.get(f"{ARTICLES}/{slug}")
    client.get(ARTICLES)
    client.get("/api/v1/tags")

    assert client.delete(f"{ARTICLES}/{slug}", headers=headers).status_code == 204

    assert client.get(f"{ARTICLES}/{slug}").status_code == 404
    assert client.get(ARTICLES).json == {"articles": [], "articlesCount": 0}
    assert client.get("/api/v1/tags").json == {"tags": []}


def test_a_profile_change_shows_in_every_author_block_at_once(
    client, make_user, make_article, auth_headers
):
    author = make_user("before", bio="Old bio")
    article = make_article(author)
    assert client.get(ARTICLES).json["articles"][0]["author"]["username"] == "before"
    assert client.get(f"{ARTICLES}/{article.slug}").json["article"]["author"]["bio"] == "Old bio"

    changes = {"user": {"username": "after", "bio": "New bio"}}
    assert client.put("/api/v1/user", json=changes, headers=auth_headers(author)).status_code == 200

    assert client.get(ARTICLES).json["articles"][0]["author"]["username"] == "after"
    assert client.get(f"{ARTICLES}/{article.slug}").json["article"]["author"]["bio"] == "New bio"
    assert slugs(client.get(ARTICLES, query_string={"author": "after"})) == [article.slug]


def test_the_home_page_is_cached_for_visitors_without_cookies(
    client, make_user, make_article, auth_headers, count_queries
):
    author = make_user("author")
    first = make_article(author, title="First")
    assert first.slug in client.get("/").get_data(as_text=True)
    db.session.remove()

    with count_queries() as counter:
        cached = client.get("/")
    new_article(client, auth_headers(author), title="Second")
    after_write = client.get("/").get_data(as_text=True)

    assert counter.count == 0
    assert first.slug in cached.get_data(as_text=True)
    assert "second" in after_write
    assert 'data-testid="popular-tags"' in after_write


def test_the_article_page_is_cached_for_visitors_until_its_comments_change(
    client, make_user, make_article, auth_headers, count_queries
):
    article = make_article(make_user("author"), title="Cached page")
    page = f"/article/{article.slug}"
    comments = f"{ARTICLES}/{article.slug}/comments"
    assert client.get(page).status_code == 200
    db.session.remove()

    with count_queries() as counter:
        cached = client.get(page).get_data(as_text=True)
    reader = auth_headers(make_user("reader"))
    added = client.post(comments, json={"comment": {"body": "First!"}}, headers=reader)
    after_comment = client.get(page).get_data(as_text=True)
    renamed = client.put("/api/v1/user", json={"user": {"username": "renamed"}}, headers=reader)
    after_rename = client.get(page).get_data(as_text=True)
    client.delete(f"{comments}/{added.json['comment']['id']}", headers=reader)
    after_delete = client.get(page).get_data(as_text=True)

    assert counter.count == 0
    assert "Cached page" in cached
    assert "First!" in after_comment
    assert renamed.status_code == 200
    assert 'href="/profile/renamed"' in after_rename
    assert "First!" not in after_delete


def test_the_apis_comments_are_cached_for_anonymous_readers_until_they_change(
    client, make_user, make_article, auth_headers, count_queries
):
    article = make_article(make_user("author"))
    comments = f"{ARTICLES}/{article.slug}/comments"
    reader = auth_headers(make_user("reader"))
    added = client.post(comments, json={"comment": {"body": "First!"}}, headers=reader).json
    assert client.get(comments).status_code == 200
    db.session.remove()

    with count_queries() as counter:
        cached = client.get(comments).json["comments"]
    fan = auth_headers(make_user("fan"))
    client.post("/api/v1/profiles/reader/follow", headers=fan)
    as_fan = client.get(comments, headers=fan).json["comments"]
    client.put("/api/v1/user", json={"user": {"username": "renamed"}}, headers=reader)
    after_rename = client.get(comments).json["comments"]
    client.delete(f"{comments}/{added['comment']['id']}", headers=reader)
    after_delete = client.get(comments).json["comments"]

    assert counter.count == 0
    assert [comment["body"] for comment in cached] == ["First!"]
    assert as_fan[0]["author"]["following"] is True
    assert after_rename[0]["author"]["username"] == "renamed"
    assert after_delete == []


def test_the_article_page_is_cached_until_the_article_or_its_favorites_change(
    client, make_user, make_article, auth_headers
):
    author = make_user("author")
    article = make_article(author, title="Before")
    page = f"/article/{article.slug}"
    before = client.get(page).get_data(as_text=True)

    client.post(f"{ARTICLES}/{article.slug}/favorite", headers=auth_headers(make_user("fan")))
    favorited = client.get(page).get_data(as_text=True)
    edit = {"article": {"body": "An edited body"}}
    client.put(f"{ARTICLES}/{article.slug}", json=edit, headers=auth_headers(author))
    edited = client.get(page).get_data(as_text=True)

    assert 'data-testid="favorites-count">0<' in before
    assert 'data-testid="favorites-count">1<' in favorited
    assert "An edited body" not in favorited
    assert "An edited body" in edited


def test_a_visitor_with_a_session_never_gets_the_anonymous_page(
    client, make_user, make_article, login
):
    make_article(make_user("author"))
    anonymous = client.get("/").get_data(as_text=True)
    login(client, make_user("reader"))

    signed_in = client.get("/").get_data(as_text=True)

    assert 'data-testid="tab-feed"' not in anonymous
    assert 'data-testid="tab-feed"' in signed_in
    assert "reader" in signed_in


# What one viewer sees is never shared


def test_one_viewers_marks_are_never_served_to_another(
    client, make_user, make_article, auth_headers
):
    author = make_user("author")
    article = make_article(author)
    fan = make_user("fan")
    client.post(f"{ARTICLES}/{article.slug}/favorite", headers=auth_headers(fan))
    client.post("/api/v1/profiles/author/follow", headers=auth_headers(fan))

    as_fan = client.get(ARTICLES, headers=auth_headers(fan)).json["articles"][0]
    one_as_fan = client.get(f"{ARTICLES}/{article.slug}", headers=auth_headers(fan)).json
    anonymous = client.get(ARTICLES).json["articles"][0]
    stranger = auth_headers(make_user("stranger"))
    as_stranger = client.get(ARTICLES, headers=stranger).json["articles"][0]
    one_as_stranger = client.get(f"{ARTICLES}/{article.slug}", headers=stranger).json

    assert (as_fan["favorited"], as_fan["author"]["following"]) == (True, True)
    assert (one_as_fan["article"]["favorited"], one_as_fan["article"]["author"]["following"]) == (
        True,
        True,
    )
    for shown in (anonymous, as_stranger, one_as_stranger["article"]):
        assert (shown["favorited"], shown["author"]["following"]) == (False, False)
        assert shown["favoritesCount"] == 1
    stored = orjson.dumps(entries())
    assert b'"favorited":true' not in stored
    assert b'"following":true' not in stored


FEED = f"{ARTICLES}/feed"


def follow(client, headers, username: str, *, method: str = "POST") -> None:
    response = client.open(f"/api/v1/profiles/{username}/follow", method=method, headers=headers)
    assert response.status_code == 200, response.json


def test_a_feed_is_cached_for_its_reader_who_then_costs_their_lookup_and_one_query(
    client, make_user, make_article, auth_headers, count_queries
):
    reader = auth_headers(make_user())
    article = make_article(make_user("writer"))
    follow(client, reader, "writer")
    assert slugs(client.get(FEED, headers=reader)) == [article.slug]
    db.session.remove()

    with count_queries() as counter:
        response = client.get(FEED, headers=reader)

    assert slugs(response) == [article.slug]
    assert response.json["articles"][0]["author"]["following"] is True
    assert counter.count == 2  # their token's user, and their marks on the page


def test_a_feed_follows_its_readers_follows_at_once(client, make_user, make_article, auth_headers):
    reader = auth_headers(make_user())
    first = make_article(make_user("first"))
    second = make_article(make_user("second"))
    follow(client, reader, "first")
    assert slugs(client.get(FEED, headers=reader)) == [first.slug]

    follow(client, reader, "second")
    assert slugs(client.get(FEED, headers=reader)) == [second.slug, first.slug]

    follow(client, reader, "first", method="DELETE")
    assert slugs(client.get(FEED, headers=reader)) == [second.slug]


def test_a_new_article_reaches_its_authors_followers_feeds_at_once(client, make_user, auth_headers):
    reader = auth_headers(make_user())
    writer = auth_headers(make_user("writer"))
    follow(client, reader, "writer")
    assert client.get(FEED, headers=reader).json == {"articles": [], "articlesCount": 0}

    article = new_article(client, writer)

    assert slugs(client.get(FEED, headers=reader)) == [article["slug"]]


def test_one_readers_feed_is_never_served_to_another(client, make_user, make_article, auth_headers):
    article = make_article(make_user("writer"))
    follower, stranger = auth_headers(make_user()), auth_headers(make_user())
    follow(client, follower, "writer")
    assert slugs(client.get(FEED, headers=follower)) == [article.slug]

    assert client.get(FEED, headers=stranger).json == {"articles": [], "articlesCount": 0}


# Fail open


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_with(**settings):
    """Return an app of its own on the suite's database, with these settings changed."""
    config = TestingConfig()
    for name, value in settings.items():
        setattr(config, name, value)
    other = create_app(config)
    other.test_client_class = RequestScopedClient
    return other


@pytest.fixture
def redis_server(tmp_path) -> Iterator[tuple[int, subprocess.Popen]]:
    """A redis-server of this test's own on a spare loopback port; stopped at the end."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: run `make test`, which installs it")
    port = free_port()
    server = start_redis(port, tmp_path)
    yield port, server
    stop_redis(server)


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(directory)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            probe.ping()
            return server
        except RedisError:
            time.sleep(0.05)
    stop_redis(server)
    pytest.fail(f"redis-server did not start on port {port}")


def stop_redis(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=STARTUP_SECONDS)


def cache_warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "app.extensions"]


def test_without_redis_url_nothing_is_cached_and_everything_works(make_user, make_article):
    other = app_with(REDIS_URL=None)
    article = make_article(make_user("author"))
    client = other.test_client()

    assert slugs(client.get(ARTICLES)) == [article.slug]
    assert client.get(f"{ARTICLES}/{article.slug}").status_code == 200
    assert client.get("/api/v1/tags").status_code == 200
    assert other.extensions["redis"].client is None
    assert keys() == []


def test_with_the_cache_switched_off_nothing_is_stored(make_article):
    other = app_with(CACHE_ENABLED=False)
    article = make_article()
    client = other.test_client()

    assert slugs(client.get(ARTICLES)) == [article.slug]
    assert client.get("/api/v1/tags").status_code == 200
    assert keys(f"{cache.KEY_PREFIX}*") == []


def test_a_node_with_the_cache_off_still_invalidates_for_the_others(
    client, make_user, make_article, auth_headers
):
    author = make_user()
    make_article(author, title="First")
    assert client.get(ARTICLES).json["articlesCount"] == 1
    without_cache = app_with(CACHE_ENABLED=False).test_client()

    new_article(without_cache, auth_headers(author), title="Second")

    assert client.get(ARTICLES).json["articlesCount"] == 2


def test_an_entry_that_is_not_one_of_ours_is_a_miss(client, make_article):
    make_article(title="Listed")
    client.get(ARTICLES)
    for key in keys(f"{cache.KEY_PREFIX}*"):
        redis_client.client.set(key, b"not json")

    response = client.get(ARTICLES)

    assert response.status_code == 200
    assert response.json["articlesCount"] == 1


def test_an_unreachable_redis_is_a_miss_and_one_warning(make_user, make_article, caplog):
    other = app_with(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    author = make_user()
    make_article(author)
    client = other.test_client()
    token = client.post(
        "/api/v1/users/login",
        json={"user": {"email": author.email, "password": DEFAULT_PASSWORD}},
    ).json["user"]["token"]
    headers = {"Authorization": f"Token {token}"}

    with caplog.at_level(logging.WARNING, logger="app.extensions"):
        reads = [client.get(ARTICLES) for _ in range(5)]
        created = new_article(client, headers)
        after = client.get(ARTICLES)

    assert all(response.status_code == 200 for response in reads)
    assert after.json["articlesCount"] == 2
    assert created["slug"] in slugs(after)
    warnings = cache_warnings(caplog)
    assert len(warnings) == 1
    assert "Redis unavailable (lookup failed" in warnings[0]


def test_a_redis_that_stops_is_a_miss_and_the_writes_still_land(
    redis_server, make_user, make_article, auth_headers, tmp_path, caplog
):
    port, server = redis_server
    other = app_with(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    client = other.test_client()
    author = make_user()
    make_article(author, title="First")
    assert client.get(ARTICLES).json["articlesCount"] == 1
    assert Redis(port=port).keys(f"{cache.KEY_PREFIX}*")

    stop_redis(server)
    headers = auth_headers(author)
    with caplog.at_level(logging.WARNING, logger="app.extensions"):
        while_down = client.get(ARTICLES)
        written = new_article(client, headers, title="Second")
        after_write = client.get(ARTICLES)

    assert while_down.status_code == 200
    assert while_down.json["articlesCount"] == 1
    assert after_write.json["articlesCount"] == 2
    assert written["slug"] in slugs(after_write)
    assert cache_warnings(caplog)
    restarted = start_redis(port, tmp_path)
    try:
        other.extensions["redis"].breaker.open_until = 0
        assert client.get(ARTICLES).json["articlesCount"] == 2
    finally:
        stop_redis(restarted)


def test_a_stalled_redis_is_a_miss_not_a_hang(redis_server, make_article, caplog):
    port, _ = redis_server
    other = app_with(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    client = other.test_client()
    make_article()
    client.get(ARTICLES)

    with caplog.at_level(logging.WARNING, logger="app.extensions"):
        Redis(port=port).client_pause(2000)
        response = client.get(ARTICLES)

    assert response.status_code == 200
    assert response.json["articlesCount"] == 1
    assert "Timeout" in " ".join(cache_warnings(caplog))


def test_a_failed_invalidation_is_done_before_the_next_read(app, monkeypatch):
    cache.lookup("test-retry", [], ["test"]).store("before the write")
    settings, redis = app.extensions[cache.EXTENSION], app.extensions["redis"]
    failing = RedisError("connection lost")

    def fail_once(*names):
        monkeypatch.undo()
        raise failing

    monkeypatch.setattr(redis.client, "delete", fail_once)
    cache.invalidate("test")
    assert settings.unbumped == {"test"}
    redis.breaker.open_until = 0

    assert not cache.lookup("test-retry", [], ["test"]).hit
    assert settings.unbumped == set()
