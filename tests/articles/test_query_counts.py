"""Every list endpoint and list page runs a fixed number of SQL statements, however long the
page and whoever asks, on a cache miss and on a hit; the counts include loading the user
that a token or a session names.

Measured, API: a list (or the feed) runs 1 statement (the page, its count and the viewer's
marks together), and a token adds the lookup of its user; served from the cache, 0, or 2
with a token (the user, and the viewer's marks on the cached page). One article: the same.
Pages add the session's user and the sidebar's tags; a profile page shows a profile instead
of the tags: its user and whether the viewer follows them, in one statement.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from app import cache
from app.articles.models import Article, favorites
from app.articles.search import MATCHES_CONSIDERED
from app.articles.tags import Tag
from app.extensions import db
from app.users.models import follows

ARTICLE_COUNT = 105
AUTHOR_COUNT = 5
LIST_MAX_STATEMENTS = 3
ARTICLE_MAX_STATEMENTS = 2
# The home page adds its sidebar to a list page: the tag cloud and the popular articles, each
# one statement when not cached.
HOME_MAX_STATEMENTS = 4
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
            published_at=START + timedelta(seconds=number),
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


def statements_for(client, count_queries, path: str, headers: dict | None = None, **query):
    """Return how many statements one request ran, from a fresh session as in production,
    and the response."""
    db.session.remove()
    with count_queries() as counter:
        response = client.get(path, headers=headers or {}, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return counter.count, response


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
    one_cached, _ = statements_for(client, count_queries, path, headers, limit=1, **filters)
    hundred_cached, cached_page = statements_for(
        client, count_queries, path, headers, limit=100, **filters
    )

    assert len(first_page.json["articles"]) == 1
    articles = full_page.json["articles"]
    assert len(articles) == min(100, full_page.json["articlesCount"]) > 1
    assert all(article["tagList"] for article in articles)
    assert all(article["favorited"] is signed_in for article in articles)
    assert cached_page.json == full_page.json
    assert one == hundred <= LIST_MAX_STATEMENTS
    assert one_cached == hundred_cached <= LIST_MAX_STATEMENTS


def test_a_signed_in_read_looks_its_reader_up_and_reads_in_one_statement_more(
    client, count_queries, crowd, auth_headers
):
    headers = auth_headers(crowd)
    reads = [
        ("/api/v1/articles", {"limit": 1}),  # the page, with its count
        ("/api/v1/articles", {"limit": 1}),  # the viewer's marks on the cached page
        ("/api/v1/articles", {"tag": "nothing-tagged"}),  # an empty page
        ("/api/v1/articles/feed", {}),
        ("/api/v1/articles/crowd-7", {}),
    ]

    counts = [
        statements_for(client, count_queries, path, headers, **query)[0] for path, query in reads
    ]

    assert counts == [2] * len(reads)


def test_feed_statements_do_not_grow_with_the_page(client, count_queries, crowd, auth_headers):
    headers = auth_headers(crowd)
    feed = "/api/v1/articles/feed"

    one, _ = statements_for(client, count_queries, feed, headers, limit=1)
    hundred, page = statements_for(client, count_queries, feed, headers, limit=100)

    articles = page.json["articles"]
    assert len(articles) == 100
    assert page.json["articlesCount"] == ARTICLE_COUNT
    assert all(article["favorited"] and article["author"]["following"] for article in articles)
    assert one == hundred <= LIST_MAX_STATEMENTS


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "token"])
def test_one_article_runs_at_most_two_statements_cached_or_not(
    client, count_queries, crowd, auth_headers, signed_in
):
    headers = auth_headers(crowd) if signed_in else {}
    path = "/api/v1/articles/crowd-7"

    first, response = statements_for(client, count_queries, path, headers)
    cached, cached_response = statements_for(client, count_queries, path, headers)

    article = response.json["article"]
    assert article["tagList"] == ["common", "topic2"]
    assert article["favoritesCount"] == 2
    assert article["favorited"] is signed_in
    assert article["author"]["following"] is signed_in
    assert cached_response.json == response.json
    assert first <= ARTICLE_MAX_STATEMENTS
    assert cached <= ARTICLE_MAX_STATEMENTS


# Path, query, the last page (105 articles, 20 to a page; author0 wrote 21), the bound.
PAGES = [
    ("/", {}, 6, HOME_MAX_STATEMENTS),
    ("/", {"tag": "common"}, 6, HOME_MAX_STATEMENTS),
    ("/profile/author0", {}, 2, LIST_MAX_STATEMENTS),
    ("/profile/fan/favorites", {}, 6, LIST_MAX_STATEMENTS),
]


def page_statements(client, count_queries, path: str, last_page: int, **query):
    """Return the statements run by the full first page and by the short last page, each
    with nothing cached yet."""
    first, _ = statements_for(client, count_queries, path, **query)
    cache.invalidate(cache.ARTICLE_LISTS, cache.PROFILES, cache.TAGS)
    last, response = statements_for(client, count_queries, path, page=last_page, **query)
    assert 0 < response.get_data(as_text=True).count('data-testid="article-preview"') < 20
    return first, last


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "session"])
@pytest.mark.parametrize(("path", "query", "last_page", "bound"), PAGES)
def test_list_page_statements_do_not_grow_with_the_page(
    client, count_queries, crowd, login, signed_in, path, query, last_page, bound
):
    if signed_in:
        login(client, crowd)

    first, last = page_statements(client, count_queries, path, last_page, **query)

    assert first == last <= bound


def test_feed_page_statements_do_not_grow_with_the_page(client, count_queries, crowd, login):
    login(client, crowd)

    first, last = page_statements(client, count_queries, "/feed", 6)

    assert first == last <= HOME_MAX_STATEMENTS


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "token"])
def test_a_search_runs_one_statement_whatever_the_page_size(
    client, count_queries, crowd, auth_headers, signed_in
):
    headers = auth_headers(crowd) if signed_in else {}
    path = "/api/v1/articles"

    one, _ = statements_for(client, count_queries, path, headers, q="crowd", limit=1)
    hundred, page = statements_for(client, count_queries, path, headers, q="crowd", limit=100)

    assert len(page.json["articles"]) == 100
    assert page.json["articlesCount"] == min(ARTICLE_COUNT, MATCHES_CONSIDERED)
    assert one == hundred == (2 if signed_in else 1)


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "token"])
def test_popular_runs_a_fixed_number_of_statements_cold_and_cached(
    client, count_queries, crowd, auth_headers, signed_in
):
    headers = auth_headers(crowd) if signed_in else {}
    for number in range(30):
        client.get(f"/api/v1/articles/crowd-{number}", headers={"User-Agent": f"r{number}"})

    cold, page = statements_for(client, count_queries, "/api/v1/articles/popular", headers)
    cached, _ = statements_for(client, count_queries, "/api/v1/articles/popular", headers)

    assert len(page.json["articles"]) == 10
    # Cold: the views waiting in Redis written (ids, days, totals), then the list itself; a
    # token adds its user and their part of the list, cached or not.
    assert cold == (6 if signed_in else 4)
    assert cached == (2 if signed_in else 0)
