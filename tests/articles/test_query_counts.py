"""The list endpoints run a fixed number of SQL statements, however long the page.

Measured: a list or the feed runs 3 statements (count, page, tags), plus 1 to load the
user when a token is sent; one article runs 2 (article, tags), plus 1 with a token.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from app.articles.models import Article, Tag, favorites
from app.extensions import db
from app.users.models import follows

ARTICLE_COUNT = 105
AUTHOR_COUNT = 5
LIST_MAX_STATEMENTS = 3
AUTH_STATEMENTS = 1
START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def crowd(make_user):
    """105 tagged articles by five authors the reader follows, each favorited by reader and fan."""
    reader, fan = make_user("reader"), make_user("fan")
    authors = [make_user(f"author{number}") for number in range(AUTHOR_COUNT)]
    topics = Tag.named(["common", *(f"topic{number}" for number in range(AUTHOR_COUNT))])
    articles = [
        Article(
            author=authors[number % AUTHOR_COUNT],
            slug=f"crowd-{number}",
            title=f"Crowd {number}",
            description="A description",
            body="A body",
            tags=[topics[0], topics[1 + number % AUTHOR_COUNT]],
            created_at=START + timedelta(seconds=number),
        )
        for number in range(ARTICLE_COUNT)
    ]
    db.session.add_all(articles)
    db.session.flush()
    db.session.execute(
        insert(favorites),
        [
            {"user_id": user.id, "article_id": article.id}
            for article in articles
            for user in (reader, fan)
        ],
    )
    db.session.execute(
        insert(follows),
        [{"follower_id": reader.id, "followed_id": author.id} for author in authors],
    )
    db.session.commit()
    return reader


def statements_for(client, count_queries, path: str, headers: dict, **query) -> tuple[int, dict]:
    """Return how many statements one request ran, from a fresh session as in production."""
    db.session.remove()
    with count_queries() as counter:
        response = client.get(path, headers=headers, query_string=query)
    assert response.status_code == 200
    return counter.count, response.json


LISTS = [
    ("/api/v1/articles", {}),
    ("/api/v1/articles", {"tag": "common"}),
    ("/api/v1/articles", {"author": "author0"}),
    ("/api/v1/articles", {"favorited": "fan"}),
    ("/api/v1/articles", {"tag": "topic0", "author": "author0", "favorited": "fan"}),
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "token"])
@pytest.mark.parametrize(("path", "filters"), LISTS)
def test_list_statements_do_not_grow_with_the_page(
    client, count_queries, crowd, auth_headers, signed_in, path, filters
):
    headers = auth_headers(crowd) if signed_in else {}

    one, first_page = statements_for(client, count_queries, path, headers, limit=1, **filters)
    hundred, full_page = statements_for(client, count_queries, path, headers, limit=100, **filters)

    assert len(first_page["articles"]) == 1
    assert len(full_page["articles"]) == min(100, full_page["articlesCount"]) > 1
    assert all(article["tagList"] for article in full_page["articles"])
    assert one == hundred <= LIST_MAX_STATEMENTS + (AUTH_STATEMENTS if signed_in else 0)


def test_feed_statements_do_not_grow_with_the_page(client, count_queries, crowd, auth_headers):
    headers = auth_headers(crowd)

    one, _ = statements_for(client, count_queries, "/api/v1/articles/feed", headers, limit=1)
    hundred, page = statements_for(
        client, count_queries, "/api/v1/articles/feed", headers, limit=100
    )

    assert len(page["articles"]) == 100
    assert page["articlesCount"] == ARTICLE_COUNT
    assert all(
        article["favorited"] and article["author"]["following"] for article in page["articles"]
    )
    assert one == hundred <= LIST_MAX_STATEMENTS + AUTH_STATEMENTS


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "token"])
def test_one_article_runs_at_most_three_statements(
    client, count_queries, crowd, auth_headers, signed_in
):
    headers = auth_headers(crowd) if signed_in else {}

    count, body = statements_for(client, count_queries, "/api/v1/articles/crowd-7", headers)

    assert body["article"]["tagList"] == ["common", "topic2"]
    assert body["article"]["favoritesCount"] == 2
    assert count <= 3
