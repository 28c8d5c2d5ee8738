"""Slugs: derived from the title, unique, never a fixed route's name, following the title."""

import pytest

from app.articles.slugs import unique_slug
from tests.articles.test_write_api import article_payload


def create(client, headers: dict, title: str) -> dict:
    response = client.post("/api/v1/articles", json=article_payload(title=title), headers=headers)
    assert response.status_code == 201
    return response.json["article"]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("How to train your dragon", "how-to-train-your-dragon"),
        ("  Ça   va?  Très bien!  ", "ça-va-très-bien"),
        ("Héllo Wörld 日本", "héllo-wörld-日本"),
        ("C++ & Rust: 2024", "c-rust-2024"),
    ],
)
def test_slug_is_derived_from_the_title(client, make_user, auth_headers, title, slug):
    article = create(client, auth_headers(make_user()), title)

    assert article["slug"] == slug
    fetched = client.get(f"/api/v1/articles/{slug}")
    assert fetched.status_code == 200
    assert fetched.json["article"]["title"] == title.strip()


def test_articles_with_the_same_title_get_different_slugs(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    first = create(client, headers, "Same title")
    second = create(client, headers, "Same title")
    third = create(client, headers, "Same title")

    slugs = {first["slug"], second["slug"], third["slug"]}
    assert len(slugs) == 3
    assert first["slug"] == "same-title"
    assert all(slug.startswith("same-title-") for slug in slugs - {"same-title"})
    for article in (first, second, third):
        fetched = client.get(f"/api/v1/articles/{article['slug']}")
        assert fetched.json["article"]["createdAt"] == article["createdAt"]


@pytest.mark.parametrize("title", ["feed", "Feed", "  FEED!  "])
def test_a_title_of_feed_never_takes_the_feeds_url(
    client, make_user, make_article, auth_headers, title
):
    author = make_user()
    article = create(client, auth_headers(author), title)

    assert article["slug"] != "feed"
    assert article["slug"].startswith("feed-")
    assert client.get(f"/api/v1/articles/{article['slug']}").status_code == 200
    feed = client.get("/api/v1/articles/feed", headers=auth_headers(author))
    assert feed.status_code == 200
    assert feed.json == {"articles": [], "articlesCount": 0}


def test_renaming_to_feed_never_takes_the_feeds_url(client, make_article, auth_headers):
    article = make_article(title="Something")

    response = client.put(
        f"/api/v1/articles/{article.slug}",
        json={"article": {"title": "Feed"}},
        headers=auth_headers(article.author),
    )

    assert response.json["article"]["slug"].startswith("feed-")


@pytest.mark.parametrize("title", ["!!!", "???", "---", "★"])
def test_a_title_without_letters_still_gets_a_slug(client, make_user, auth_headers, title):
    headers = auth_headers(make_user())
    first = create(client, headers, title)
    second = create(client, headers, title)

    assert first["slug"]
    assert second["slug"]
    assert first["slug"] != second["slug"]
    assert client.get(f"/api/v1/articles/{first['slug']}").status_code == 200


def test_a_long_title_gets_a_bounded_slug(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    first = create(client, headers, "word " * 40)
    second = create(client, headers, "word " * 40)

    assert len(first["slug"]) <= 200
    assert len(second["slug"]) <= 255
    assert client.get(f"/api/v1/articles/{second['slug']}").status_code == 200


def test_a_new_title_gives_a_new_slug(client, make_article, auth_headers):
    article = make_article(title="Old title")

    response = client.put(
        "/api/v1/articles/old-title",
        json={"article": {"title": "New title"}},
        headers=auth_headers(article.author),
    )

    assert response.status_code == 200
    assert response.json["article"]["slug"] == "new-title"
    assert client.get("/api/v1/articles/new-title").json["article"]["title"] == "New title"
    assert client.get("/api/v1/articles/old-title").status_code == 404


def test_a_new_title_with_the_same_slug_base_keeps_the_slug(client, make_article, auth_headers):
    article = make_article(title="Hello world")

    response = client.put(
        "/api/v1/articles/hello-world",
        json={"article": {"title": "Hello, World!"}},
        headers=auth_headers(article.author),
    )

    assert response.json["article"]["slug"] == "hello-world"
    assert response.json["article"]["title"] == "Hello, World!"


def test_a_suffixed_slug_survives_a_title_with_the_same_base(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    create(client, headers, "Hello")
    suffixed = create(client, headers, "Hello")["slug"]

    response = client.put(
        f"/api/v1/articles/{suffixed}", json={"article": {"title": "HELLO"}}, headers=headers
    )

    assert response.json["article"]["slug"] == suffixed


def test_renaming_to_another_articles_title_gives_a_distinct_slug(
    client, make_article, auth_headers
):
    make_article(title="Taken")
    article = make_article(title="Mine")

    response = client.put(
        "/api/v1/articles/mine",
        json={"article": {"title": "Taken"}},
        headers=auth_headers(article.author),
    )

    assert response.json["article"]["slug"].startswith("taken-")
    assert client.get("/api/v1/articles/taken").json["article"]["title"] == "Taken"


def test_unique_slug_skips_taken_and_reserved_slugs(make_article):
    make_article(title="Taken")

    assert unique_slug("Fresh") == "fresh"
    assert unique_slug("Taken") != "taken"
    assert unique_slug("feed") != "feed"
    assert unique_slug("") == "article"
