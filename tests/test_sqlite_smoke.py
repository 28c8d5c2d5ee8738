"""The API works on SQLite too, as `make run` uses it: a short journey on a fresh file."""

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from app.articles.comments.models import Comment
from app.articles.models import Article, article_tags, favorites
from app.extensions import db
from config import TestingConfig

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def sqlite_app(tmp_path) -> Iterator[Flask]:
    """An app of its own on a new SQLite file, migrated; `db` means its database inside."""
    settings = TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'conduit.sqlite3'}"
    sqlite_app = create_app(settings)
    with sqlite_app.app_context():
        upgrade()
        yield sqlite_app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sqlite_client(sqlite_app):
    return sqlite_app.test_client()


def register(client, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/users",
        json={
            "user": {
                "username": username,
                "email": f"{username}@example.com",
                "password": "s3cret-password",
            }
        },
    )
    assert response.status_code == 201, response.json
    return {"Authorization": f"Token {response.json['user']['token']}"}


def rows_in(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def test_email_uniqueness_ignores_case_on_sqlite(sqlite_client):
    register(sqlite_client, "alice")

    response = sqlite_client.post(
        "/api/v1/users",
        json={
            "user": {
                "username": "alice2",
                "email": "ALICE@example.com",
                "password": "s3cret-password",
            }
        },
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"email": ["has already been taken"]}}


def test_a_short_journey_through_the_api_on_sqlite(sqlite_client):
    alice = register(sqlite_client, "alice")
    bob = register(sqlite_client, "bob")

    login = sqlite_client.post(
        "/api/v1/users/login",
        json={"user": {"email": "alice@example.com", "password": "s3cret-password"}},
    )
    assert login.status_code == 200
    assert login.json["user"]["username"] == "alice"
    me = sqlite_client.get(
        "/api/v1/user", headers={"Authorization": f"Token {login.json['user']['token']}"}
    )
    assert me.status_code == 200
    assert me.json["user"]["email"] == "alice@example.com"

    created = sqlite_client.post(
        "/api/v1/articles",
        json={
            "article": {
                "title": "SQLite works too",
                "description": "A smoke test",
                "body": "It *does*.",
                "tagList": ["sqlite", "flask"],
            }
        },
        headers=alice,
    )
    assert created.status_code == 201
    article = created.json["article"]
    assert article["slug"] == "sqlite-works-too"
    assert article["tagList"] == ["flask", "sqlite"]
    assert TIMESTAMP.match(article["createdAt"])
    slug = article["slug"]

    listing = sqlite_client.get("/api/v1/articles?tag=sqlite")
    assert listing.status_code == 200
    assert listing.json["articlesCount"] == 1
    assert sqlite_client.get("/api/v1/articles").json["articlesCount"] == 1
    assert [listed["slug"] for listed in listing.json["articles"]] == [slug]

    favorited = sqlite_client.post(f"/api/v1/articles/{slug}/favorite", headers=bob)
    assert favorited.status_code == 200
    assert favorited.json["article"]["favorited"] is True
    assert favorited.json["article"]["favoritesCount"] == 1
    for _ in range(2):  # the second from the cache, marked for bob by a query of its own
        as_bob = sqlite_client.get("/api/v1/articles?tag=sqlite", headers=bob)
        assert as_bob.json["articles"][0]["favorited"] is True

    commented = sqlite_client.post(
        f"/api/v1/articles/{slug}/comments",
        json={"comment": {"body": "Nice on SQLite"}},
        headers=bob,
    )
    assert commented.status_code == 200
    assert TIMESTAMP.match(commented.json["comment"]["createdAt"])

    comments = sqlite_client.get(f"/api/v1/articles/{slug}/comments", headers=alice)
    assert [comment["body"] for comment in comments.json["comments"]] == ["Nice on SQLite"]
    assert rows_in(favorites) == 1
    assert rows_in(article_tags) == 2

    deleted = sqlite_client.delete(f"/api/v1/articles/{slug}", headers=alice)
    assert deleted.status_code == 204
    assert sqlite_client.get(f"/api/v1/articles/{slug}").status_code == 404

    assert rows_in(Article) == 0
    assert sqlite_client.get("/api/v1/articles").json["articlesCount"] == 0
    assert sqlite_client.get("/api/v1/articles?tag=sqlite").json["articlesCount"] == 0
    assert sqlite_client.get("/api/v1/tags").json == {"tags": []}
    assert rows_in(Comment) == 0
    assert rows_in(favorites) == 0
    assert rows_in(article_tags) == 0


def test_drafts_search_and_popular_work_on_sqlite(sqlite_client):
    author = register(sqlite_client, "writer")
    for title, published in (("Volcano notes", True), ("Volcano secrets", False)):
        article = {
            "title": title,
            "description": "d",
            "body": "Lava & rock",
            "published": published,
        }
        created = sqlite_client.post("/api/v1/articles", json={"article": article}, headers=author)
        assert created.status_code == 201, created.json

    listed = sqlite_client.get("/api/v1/articles").json
    drafts = sqlite_client.get("/api/v1/articles?drafts=true", headers=author).json
    found = sqlite_client.get("/api/v1/articles", query_string={"q": 'lava "rock'}).json
    sqlite_client.get("/api/v1/articles/volcano-notes", headers={"User-Agent": "a reader"})
    popular = sqlite_client.get("/api/v1/articles/popular").json

    assert [article["title"] for article in listed["articles"]] == ["Volcano notes"]
    assert listed["articlesCount"] == 1
    assert [article["title"] for article in drafts["articles"]] == ["Volcano secrets"]
    assert [article["title"] for article in found["articles"]] == ["Volcano notes"]
    assert "<mark>Lava</mark> &amp;" in found["articles"][0]["snippet"]
    assert [article["title"] for article in popular["articles"]] == ["Volcano notes"]
    assert popular["articles"][0]["viewsCount"] == 1


def test_the_feed_sitemap_and_highlighted_code_work_on_sqlite(sqlite_client):
    author = register(sqlite_client, "writer")
    article = {"title": "Tides", "description": "d", "body": "```python\nx = 1\n```"}
    sqlite_client.post("/api/v1/articles", json={"article": article}, headers=author)
    draft = {"title": "Secret", "description": "d", "body": "b", "published": False}
    sqlite_client.post("/api/v1/articles", json={"article": draft}, headers=author)

    feed = sqlite_client.get("/articles.atom")
    sitemap = sqlite_client.get("/sitemap.xml")
    page = sqlite_client.get("/article/tides")

    assert feed.status_code == sitemap.status_code == page.status_code == 200
    assert b"<title>Tides</title>" in feed.data and b"Secret" not in feed.data
    assert b"/article/tides</loc>" in sitemap.data and b"/profile/writer</loc>" in sitemap.data
    assert b"/article/secret" not in sitemap.data
    assert b'<pre class="highlight">' in page.data


def test_a_page_past_any_offset_is_a_404_on_sqlite(sqlite_client):
    assert sqlite_client.get("/?page=99999999999999999999").status_code == 404
