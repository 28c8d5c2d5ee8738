"""Drafts: an article is its author's alone until published, and never shows in a list, a
count, the tags in use or a feed before then; publishing sets publishedAt once."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.articles.models import ARTICLES_COUNTER, counters
from app.articles.tags import Tag
from app.extensions import db

ARTICLES = "/api/v1/articles"
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def create(client, headers, title: str = "A draft", **fields):
    article = {"title": title, "description": "d", "body": "one two three", **fields}
    response = client.post(ARTICLES, json={"article": article}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["article"]


def update(client, headers, slug: str, **changes):
    return client.put(f"{ARTICLES}/{slug}", json={"article": changes}, headers=headers)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [article["slug"] for article in response.json["articles"]]


def kept_counts() -> tuple[int | None, dict[str, int]]:
    db.session.rollback()  # read what is committed now
    total = db.session.scalar(select(counters.c.value).where(counters.c.name == ARTICLES_COUNTER))
    return total, dict(db.session.execute(select(Tag.name, Tag.articles_count)).all())


@pytest.fixture
def writer(make_user, auth_headers):
    return auth_headers(make_user("writer"))


@pytest.fixture
def reader(make_user, auth_headers):
    return auth_headers(make_user("reader"))


def test_an_article_is_published_unless_saved_as_a_draft(client, writer):
    published = create(client, writer, "Out now")
    draft = create(client, writer, "Not yet", published=False)

    assert published["published"] is True
    assert published["publishedAt"] == published["createdAt"]
    assert draft["published"] is False
    assert draft["publishedAt"] is None


def test_a_draft_is_in_no_list_count_or_feed(client, make_article, writer, reader):
    make_article(title="Public", tags=["shared"])
    draft = create(client, writer, tagList=["shared", "secret"], published=False)
    assert client.post("/api/v1/profiles/writer/follow", headers=reader).status_code == 200
    client.post(f"{ARTICLES}/{draft['slug']}/favorite", headers=writer)

    for query in ({}, {"tag": "shared"}, {"tag": "secret"}, {"author": "writer"}):
        for headers in ({}, reader, writer):
            response = client.get(ARTICLES, query_string=query, headers=headers)
            assert draft["slug"] not in slugs(response)
    assert slugs(client.get(ARTICLES, query_string={"favorited": "writer"})) == []
    assert slugs(client.get(f"{ARTICLES}/feed", headers=reader)) == []
    assert client.get(ARTICLES).json["articlesCount"] == 1
    assert client.get(ARTICLES, query_string={"tag": "shared"}).json["articlesCount"] == 1
    assert client.get("/api/v1/tags").json["tags"] == ["shared"]
    assert kept_counts() == (1, {"shared": 1, "secret": 0})


def test_only_its_author_reads_a_draft(client, writer, reader):
    draft = create(client, writer, published=False)
    path = f"{ARTICLES}/{draft['slug']}"

    assert client.get(path, headers=writer).json["article"]["slug"] == draft["slug"]
    for headers in ({}, reader):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.json == {"errors": {"article": [f"no article with slug {draft['slug']!r}"]}}
        assert client.get(f"{path}/comments", headers=headers).status_code == 404


def test_nobody_else_can_act_on_a_draft(client, writer, reader):
    draft = create(client, writer, published=False)
    path = f"{ARTICLES}/{draft['slug']}"

    answers = [
        client.post(f"{path}/favorite", headers=reader),
        client.delete(f"{path}/favorite", headers=reader),
        client.post(f"{path}/comments", json={"comment": {"body": "hi"}}, headers=reader),
        update(client, reader, draft["slug"], title="Mine now"),
        client.delete(path, headers=reader),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert client.get(path, headers=writer).json["article"]["title"] == "A draft"


def test_an_author_lists_their_drafts_newest_change_first(client, writer, reader, make_article):
    make_article(title="Published")
    first = create(client, writer, "First draft", published=False)
    second = create(client, writer, "Second draft", published=False)
    assert update(client, writer, first["slug"], body="changed").status_code == 200

    mine = client.get(ARTICLES, query_string={"drafts": "true"}, headers=writer)
    theirs = client.get(ARTICLES, query_string={"drafts": "true"}, headers=reader)

    assert slugs(mine) == [first["slug"], second["slug"]]
    assert mine.json["articlesCount"] == 2
    assert slugs(theirs) == []
    assert theirs.json["articlesCount"] == 0


def test_listing_drafts_needs_a_token_and_a_boolean(client, writer):
    anonymous = client.get(ARTICLES, query_string={"drafts": "true"})
    invalid = client.get(ARTICLES, query_string={"drafts": "maybe"}, headers=writer)

    assert anonymous.status_code == 401
    assert set(anonymous.json["errors"]) == {"token"}
    assert invalid.status_code == 422
    assert invalid.json == {"errors": {"drafts": ["must be true or false"]}}


def test_published_must_be_a_boolean(client, writer):
    response = client.post(
        ARTICLES,
        json={"article": {"title": "t", "description": "d", "body": "b", "published": "yes"}},
        headers=writer,
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"published": ["must be true or false"]}}


def test_publishing_lists_it_by_its_publication_and_counts_it(client, writer, make_article):
    draft = create(client, writer, "Written long ago", tagList=["late"], published=False)
    make_article(title="Older news", created_at=LONG_AGO + timedelta(days=1))

    published = update(client, writer, draft["slug"], published=True).json["article"]

    assert published["published"] is True
    assert published["publishedAt"] > published["createdAt"]
    assert slugs(client.get(ARTICLES))[0] == draft["slug"]
    assert client.get("/api/v1/tags").json["tags"] == ["late"]
    assert kept_counts() == (2, {"late": 1})


def test_unpublishing_hides_it_again_and_republishing_keeps_the_first_publication(client, writer):
    article = create(client, writer, tagList=["t"])
    first_published = article["publishedAt"]

    hidden = update(client, writer, article["slug"], published=False).json["article"]
    assert slugs(client.get(ARTICLES)) == []
    assert kept_counts() == (0, {"t": 0})
    again = update(client, writer, article["slug"], published=True).json["article"]

    assert hidden["published"] is False
    assert hidden["publishedAt"] == first_published
    assert again["publishedAt"] == first_published
    assert slugs(client.get(ARTICLES)) == [article["slug"]]
    assert kept_counts() == (1, {"t": 1})


def test_deleting_a_draft_or_a_published_article_keeps_the_counts(client, writer):
    draft = create(client, writer, "Draft", tagList=["a", "b"], published=False)
    published = create(client, writer, "Published", tagList=["b"])
    retagged = update(client, writer, draft["slug"], tagList=["b", "c"])
    assert retagged.status_code == 200
    assert kept_counts() == (1, {"a": 0, "b": 1, "c": 0})

    for article in (draft, published):
        assert client.delete(f"{ARTICLES}/{article['slug']}", headers=writer).status_code == 204

    assert kept_counts() == (0, {"a": 0, "b": 0, "c": 0})


def test_reading_time_comes_from_the_word_count(client, writer):
    short = create(client, writer, "Short")
    long = create(client, writer, "Long", body=" ".join(["word"] * 1000))

    assert short["readingMinutes"] == 1
    assert long["readingMinutes"] == 5
    edited = update(client, writer, long["slug"], body="just three words")
    assert edited.json["article"]["readingMinutes"] == 1
