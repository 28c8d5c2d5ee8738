"""Full-text search: over published titles, descriptions, bodies and tags, best match first,
with snippets, combined with the lists' filters, in the API (?q=) and on the site (/search)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from app.articles.models import Article
from app.articles.search import MATCHES_CONSIDERED
from app.extensions import db
from tests.contract import OUR_ARTICLE_FIELDS

ARTICLES = "/api/v1/articles"
START = datetime(2025, 1, 1, tzinfo=UTC)


def search(client, words: str, headers: dict | None = None, **query):
    response = client.get(ARTICLES, query_string={"q": words, **query}, headers=headers or {})
    assert response.status_code == 200, response.json
    return response.json


def titles(found: dict) -> list[str]:
    return [article["title"] for article in found["articles"]]


@pytest.fixture
def library(make_user, make_article):
    ada, grace = make_user("ada"), make_user("grace")
    make_article(ada, title="Caching with Redis", description="Fast reads", body="Keys expire.")
    make_article(
        grace,
        title="Notes on queues",
        description="Workers",
        body="We tried Redis lists before a real broker.",
        tags=["queues"],
    )
    make_article(
        ada, title="Gardening", description="Tomatoes", body="Water daily.", tags=["redis"]
    )
    make_article(grace, title="Secret redis plans", body="Redis everywhere", published=False)
    return ada, grace


def test_a_search_finds_titles_descriptions_bodies_and_tags_best_first(client, library):
    found = search(client, "redis")

    assert found["articlesCount"] == 3
    assert set(titles(found)) == {"Caching with Redis", "Notes on queues", "Gardening"}
    # A match in the title or the tags weighs more than one in the body alone.
    assert titles(found)[-1] == "Notes on queues"
    assert set(found["articles"][0]) == {
        "slug", "title", "description", "tagList", "createdAt", "updatedAt",
        "favorited", "favoritesCount", "author", "snippet",
    } | OUR_ARTICLE_FIELDS  # fmt: skip


def test_words_stem_and_all_must_match(client, library):
    assert titles(search(client, "tomato")) == ["Gardening"]
    assert titles(search(client, "redis lists")) == ["Notes on queues"]
    assert search(client, "redis volcano")["articlesCount"] == 0


def test_a_search_combines_with_the_lists_filters(client, library, auth_headers):
    ada, _grace = library
    client.post(f"{ARTICLES}/notes-on-queues/favorite", headers=auth_headers(ada))

    assert set(titles(search(client, "redis", author="ada"))) == {"Caching with Redis", "Gardening"}
    assert titles(search(client, "redis", tag="queues")) == ["Notes on queues"]
    assert titles(search(client, "redis", favorited="ada")) == ["Notes on queues"]


def test_drafts_are_never_found_unless_their_author_searches_them(client, library, auth_headers):
    grace = auth_headers(library[1])

    assert "Secret redis plans" not in titles(search(client, "secret"))
    assert "Secret redis plans" not in titles(search(client, "secret", grace))
    assert titles(search(client, "secret", grace, drafts="true")) == ["Secret redis plans"]


def test_snippets_mark_the_words_and_escape_the_text(client, make_article):
    make_article(
        title="Hostile",
        body='<script>alert(1)</script> The volcano & "co" erupt, much later.',
    )

    [article] = search(client, "volcano")["articles"]

    assert "<mark>volcano</mark>" in article["snippet"]
    assert "<script" not in article["snippet"]
    assert "&amp; &#34;co&#34;" in article["snippet"]


@pytest.mark.parametrize(
    "words",
    [
        '"unclosed',
        "a OR -b",
        "NEAR(a b)",
        "x*",
        "C++ && ||",
        "日本語",
        "'; DROP TABLE articles; --",
    ],
)
def test_any_words_are_a_search_never_an_error(client, library, words):
    found = search(client, words)

    assert found["articlesCount"] == len(found["articles"])


def test_blank_words_list_as_usual_and_long_ones_are_refused(client, library):
    blank = client.get(ARTICLES, query_string={"q": "  "})
    long = client.get(ARTICLES, query_string={"q": "x" * 201})

    assert blank.status_code == 200
    assert blank.json["articlesCount"] == 3
    assert "snippet" not in blank.json["articles"][0]
    assert long.status_code == 422
    assert long.json == {"errors": {"q": ["is too long (maximum is 200 characters)"]}}


def test_a_search_sees_a_new_article_at_once(client, library, make_article):
    assert search(client, "pumpkin")["articlesCount"] == 0

    make_article(title="Pumpkin soup")

    assert titles(search(client, "pumpkin")) == ["Pumpkin soup"]


def test_search_pages_and_counts_stop_at_the_matches_considered(client, make_user):
    author = make_user()
    rows = [
        {
            "slug": f"common-{number}",
            "title": f"Common word {number}",
            "description": "d",
            "body": "b",
            "author_id": author.id,
            "created_at": START + timedelta(seconds=number),
            "published_at": START + timedelta(seconds=number),
        }
        for number in range(MATCHES_CONSIDERED + 5)
    ]
    db.session.execute(insert(Article), rows)
    db.session.commit()

    first = search(client, "common", limit=20)
    last = search(client, "common", limit=20, offset=MATCHES_CONSIDERED - 10)
    past = search(client, "common", offset=MATCHES_CONSIDERED)

    assert first["articlesCount"] == MATCHES_CONSIDERED
    assert len(first["articles"]) == 20
    assert len(last["articles"]) == 10
    assert past == {"articles": [], "articlesCount": MATCHES_CONSIDERED}
    # The newest are the ones considered: the five oldest are not.
    considered = {
        article["title"]
        for offset in range(0, MATCHES_CONSIDERED, 20)
        for article in search(client, "common", offset=offset)["articles"]
    }
    assert len(considered) == MATCHES_CONSIDERED
    assert not considered & {f"Common word {number}" for number in range(5)}


def test_the_search_page_shows_matches_with_snippets_and_pages(client, make_user, make_article):
    author = make_user()
    for number in range(22):
        make_article(author, title=f"Volcano diary {number}", body="Lava again.")

    first = client.get("/search", query_string={"q": "lava"}).get_data(as_text=True)
    second = client.get("/search", query_string={"q": "lava", "page": 2}).get_data(as_text=True)

    assert first.count('data-testid="article-preview"') == 20
    assert "<mark>Lava</mark>" in first
    assert "22 articles" in first
    assert second.count('data-testid="article-preview"') == 2
    assert re.search(r'href="/search\?q=lava(&amp;|&)page=2"', first)


def test_the_search_page_says_when_nothing_matches_and_refuses_long_words(client, library):
    nothing = client.get("/search", query_string={"q": "volcano"})
    long = client.get("/search", query_string={"q": "x" * 201})
    empty = client.get("/search")

    assert 'data-testid="empty-state"' in nothing.get_data(as_text=True)
    assert long.status_code == 422
    assert "at most 200 characters" in long.get_data(as_text=True)
    assert empty.status_code == 200
    assert 'data-testid="article-preview"' not in empty.get_data(as_text=True)
