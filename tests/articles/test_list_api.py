"""Listing articles, with filters and pages, and the feed of followed authors."""

from datetime import UTC, datetime, timedelta

import pytest

from app.articles import services as article_services
from app.articles.models import Article
from app.extensions import db
from app.users import services as user_services
from tests.contract import OUR_ARTICLE_FIELDS

START = datetime(2024, 1, 1, tzinfo=UTC)


def titles(response) -> list[str]:
    return [article["title"] for article in response.json["articles"]]


def make_dated_articles(make_article, count: int, author=None, prefix: str = "Article"):
    """Create count articles, one minute apart, the last one the newest."""
    return [
        make_article(
            author, title=f"{prefix} {number}", created_at=START + timedelta(minutes=number)
        )
        for number in range(count)
    ]


def bulk_articles(author, count: int) -> None:
    """Insert count articles by author in one commit, for tests that need more than a page."""
    db.session.add_all(
        Article(
            author=author,
            slug=f"bulk-{number}",
            title=f"Bulk {number}",
            description="A description",
            body="A body",
            created_at=START + timedelta(seconds=number),
            published_at=START + timedelta(seconds=number),
        )
        for number in range(count)
    )
    db.session.commit()


def test_list_is_newest_first(client, make_article):
    make_article(title="Middle", created_at=START + timedelta(days=1))
    make_article(title="Oldest", created_at=START)
    make_article(title="Newest", created_at=START + timedelta(days=2))

    response = client.get("/api/v1/articles")

    assert response.status_code == 200
    assert titles(response) == ["Newest", "Middle", "Oldest"]
    assert response.json["articlesCount"] == 3


def test_list_items_leave_out_the_body(client, make_article):
    make_article(title="Dragons", tags=["b", "a"])

    response = client.get("/api/v1/articles")

    [article] = response.json["articles"]
    assert "body" not in article
    assert set(article) == {
        "slug", "title", "description", "tagList", "createdAt", "updatedAt",
        "favorited", "favoritesCount", "author",
    } | OUR_ARTICLE_FIELDS  # fmt: skip
    assert article["tagList"] == ["a", "b"]


def test_list_is_empty_without_articles(client):
    response = client.get("/api/v1/articles")

    assert response.json == {"articles": [], "articlesCount": 0}


def test_articles_count_is_the_total_not_the_page_size(client, make_article):
    make_dated_articles(make_article, 5)

    response = client.get("/api/v1/articles?limit=2")

    assert titles(response) == ["Article 4", "Article 3"]
    assert response.json["articlesCount"] == 5


def test_limit_defaults_to_twenty(client, make_user):
    bulk_articles(make_user(), 21)

    response = client.get("/api/v1/articles")

    assert len(response.json["articles"]) == 20
    assert response.json["articlesCount"] == 21


def test_limit_is_capped_at_one_hundred(client, make_user):
    bulk_articles(make_user(), 101)

    response = client.get("/api/v1/articles?limit=1000")

    assert response.status_code == 200
    assert len(response.json["articles"]) == 100
    assert response.json["articles"][0]["title"] == "Bulk 100"
    assert response.json["articlesCount"] == 101


def test_a_limit_too_large_for_the_database_is_capped_too(client, make_article):
    make_article()

    response = client.get("/api/v1/articles?limit=99999999999999999999")

    assert response.status_code == 200
    assert response.json["articlesCount"] == 1


def test_the_largest_offset_gives_an_empty_page(client, make_article):
    make_article()

    response = client.get("/api/v1/articles?offset=9223372036854775807")

    assert response.json == {"articles": [], "articlesCount": 1}


def test_offset_skips_the_newest(client, make_article):
    make_dated_articles(make_article, 5)

    response = client.get("/api/v1/articles?limit=2&offset=2")

    assert titles(response) == ["Article 2", "Article 1"]
    assert response.json["articlesCount"] == 5


def test_offset_past_the_end_gives_an_empty_page_and_the_count(client, make_article):
    make_dated_articles(make_article, 3)

    response = client.get("/api/v1/articles?offset=3")

    assert response.json == {"articles": [], "articlesCount": 3}


@pytest.mark.parametrize("path", ["/api/v1/articles", "/api/v1/articles/feed"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=x", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-1", "offset"),
        ("offset=y", "offset"),
        ("offset=99999999999999999999", "offset"),
    ],
)
def test_bad_page_bounds_are_unprocessable(client, make_user, auth_headers, path, query, field):
    response = client.get(f"{path}?{query}", headers=auth_headers(make_user()))

    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]


@pytest.fixture
def library(make_user, make_article):
    """Alice and Bob write; Carol favorites one article of each."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    articles = {
        "Alice dragons": make_article(alice, title="Alice dragons", tags=["dragons"]),
        "Alice cooking": make_article(alice, title="Alice cooking", tags=["cooking"]),
        "Bob dragons": make_article(bob, title="Bob dragons", tags=["dragons", "cooking"]),
        "Bob plain": make_article(bob, title="Bob plain"),
    }
    article_services.favorite(articles["Alice dragons"], carol)
    article_services.favorite(articles["Bob dragons"], carol)
    return articles


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=dragons", ["Bob dragons", "Alice dragons"]),
        ("tag=cooking", ["Bob dragons", "Alice cooking"]),
        ("author=alice", ["Alice cooking", "Alice dragons"]),
        ("favorited=carol", ["Bob dragons", "Alice dragons"]),
        ("tag=dragons&author=alice", ["Alice dragons"]),
        ("author=bob&favorited=carol", ["Bob dragons"]),
        ("tag=cooking&favorited=carol", ["Bob dragons"]),
        ("tag=dragons&author=bob&favorited=carol", ["Bob dragons"]),
        ("tag=cooking&author=alice&favorited=carol", []),
    ],
)
def test_filters_apply_alone_and_combined(client, library, query, expected):
    response = client.get(f"/api/v1/articles?{query}")

    assert response.status_code == 200
    assert titles(response) == expected
    assert response.json["articlesCount"] == len(expected)


def test_filtered_count_ignores_the_page(client, library):
    response = client.get("/api/v1/articles?tag=dragons&limit=1")

    assert titles(response) == ["Bob dragons"]
    assert response.json["articlesCount"] == 2


@pytest.mark.parametrize(
    "query", ["tag=unknown", "author=nobody", "favorited=nobody", "favorited=alice"]
)
def test_filters_matching_nothing_give_an_empty_list(client, library, query):
    response = client.get(f"/api/v1/articles?{query}")

    assert response.status_code == 200
    assert response.json == {"articles": [], "articlesCount": 0}


def test_list_shows_favorited_and_following_for_the_viewer(
    client, make_user, library, auth_headers
):
    viewer = make_user("viewer")
    user_services.follow(viewer, library["Alice dragons"].author)
    article_services.favorite(library["Bob dragons"], viewer)

    response = client.get("/api/v1/articles", headers=auth_headers(viewer))

    seen = {
        article["title"]: (
            article["favorited"],
            article["favoritesCount"],
            article["author"]["following"],
        )
        for article in response.json["articles"]
    }
    assert seen == {
        "Alice dragons": (False, 1, True),
        "Alice cooking": (False, 0, True),
        "Bob dragons": (True, 2, False),
        "Bob plain": (False, 0, False),
    }


def test_list_flags_are_false_for_an_anonymous_viewer(client, library):
    response = client.get("/api/v1/articles")

    for article in response.json["articles"]:
        assert article["favorited"] is False
        assert article["author"]["following"] is False


def test_list_with_an_invalid_token_is_unauthorized(client, library):
    response = client.get("/api/v1/articles", headers={"Authorization": "Token not-a-jwt"})

    assert response.status_code == 401
    assert list(response.json["errors"]) == ["token"]


def test_feed_lists_only_followed_authors_newest_first(
    client, make_user, make_article, auth_headers
):
    reader, followed, other_followed, stranger = make_user(), make_user(), make_user(), make_user()
    user_services.follow(reader, followed)
    user_services.follow(reader, other_followed)
    make_article(followed, title="Followed old", created_at=START)
    make_article(stranger, title="Stranger", created_at=START + timedelta(days=1))
    make_article(other_followed, title="Other followed", created_at=START + timedelta(days=2))
    make_article(reader, title="Own", created_at=START + timedelta(days=3))
    make_article(followed, title="Followed new", created_at=START + timedelta(days=4))

    response = client.get("/api/v1/articles/feed", headers=auth_headers(reader))

    assert response.status_code == 200
    assert titles(response) == ["Followed new", "Other followed", "Followed old"]
    assert response.json["articlesCount"] == 3
    assert all(article["author"]["following"] for article in response.json["articles"])
    assert all("body" not in article for article in response.json["articles"])


def test_feed_pages_with_limit_and_offset(client, make_user, make_article, auth_headers):
    reader, author = make_user(), make_user()
    user_services.follow(reader, author)
    make_dated_articles(make_article, 5, author)

    response = client.get("/api/v1/articles/feed?limit=2&offset=1", headers=auth_headers(reader))

    assert titles(response) == ["Article 3", "Article 2"]
    assert response.json["articlesCount"] == 5


def test_feed_is_empty_when_following_no_one(client, make_user, make_article, auth_headers):
    reader = make_user()
    make_article(title="Somebody else's")

    response = client.get("/api/v1/articles/feed", headers=auth_headers(reader))

    assert response.json == {"articles": [], "articlesCount": 0}


def test_feed_shows_what_the_reader_favorited(client, make_user, make_article, auth_headers):
    reader, author = make_user(), make_user()
    user_services.follow(reader, author)
    article = make_article(author)
    article_services.favorite(article, reader)

    response = client.get("/api/v1/articles/feed", headers=auth_headers(reader))

    [listed] = response.json["articles"]
    assert (listed["favorited"], listed["favoritesCount"]) == (True, 1)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Token not-a-jwt"}])
def test_feed_needs_a_valid_token(client, headers):
    response = client.get("/api/v1/articles/feed", headers=headers)

    assert response.status_code == 401
    assert list(response.json["errors"]) == ["token"]
