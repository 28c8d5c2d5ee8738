"""Editing and deleting an article through the API."""

from datetime import UTC, datetime

import pytest

from app.articles import services as article_services
from app.articles.comments.models import Comment
from app.articles.models import Article, article_tags, favorites
from tests.articles.test_write_api import stored

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def put(client, slug: str, fields: dict, headers: dict):
    return client.put(f"/api/v1/articles/{slug}", json={"article": fields}, headers=headers)


@pytest.mark.parametrize(
    ("field", "key", "value"),
    [
        ("title", "title", "A new title"),
        ("description", "description", "A new description"),
        ("body", "body", "A new body"),
    ],
)
def test_update_changes_only_the_field_sent(client, make_article, auth_headers, field, key, value):
    article = make_article(title="Old title", description="Old description", body="Old body")
    before = {"title": "Old title", "description": "Old description", "body": "Old body"}

    response = put(client, article.slug, {key: value}, auth_headers(article.author))

    assert response.status_code == 200
    expected = {**before, field: value}
    body = response.json["article"]
    assert {name: body[name] for name in before} == expected
    [row] = stored(Article.__table__, id=article.id)
    assert {name: row[name] for name in before} == expected


def test_update_keeps_created_at_and_moves_updated_at(client, make_article, auth_headers):
    article = make_article(created_at=LONG_AGO)

    response = put(client, article.slug, {"body": "Edited"}, auth_headers(article.author))

    body = response.json["article"]
    assert body["createdAt"] == "2020-01-01T00:00:00.000Z"
    assert body["updatedAt"] > "2021"


def test_update_with_tag_list_replaces_the_tags(client, make_article, auth_headers):
    article = make_article(tags=["dragons", "training"])

    response = put(
        client,
        article.slug,
        {"tagList": ["training", " zoology ", ""]},
        auth_headers(article.author),
    )

    assert response.status_code == 200
    assert response.json["article"]["tagList"] == ["training", "zoology"]
    assert len(stored(article_tags, article_id=article.id)) == 2
    fetched = client.get(f"/api/v1/articles/{article.slug}")
    assert fetched.json["article"]["tagList"] == ["training", "zoology"]


def test_changing_only_the_tags_moves_updated_at(client, make_article, auth_headers):
    article = make_article(tags=["dragons"], created_at=LONG_AGO)

    response = put(client, article.slug, {"tagList": ["zoology"]}, auth_headers(article.author))

    assert response.json["article"]["updatedAt"] > "2021"
    assert stored(Article.__table__, id=article.id)[0]["updated_at"] > LONG_AGO


def test_sending_the_same_tags_leaves_updated_at(client, make_article, auth_headers):
    article = make_article(tags=["dragons"], created_at=LONG_AGO)

    response = put(client, article.slug, {"tagList": ["dragons"]}, auth_headers(article.author))

    assert response.json["article"]["updatedAt"] == "2020-01-01T00:00:00.000Z"


def test_update_with_an_empty_tag_list_removes_every_tag(client, make_article, auth_headers):
    article = make_article(tags=["dragons"])

    response = put(client, article.slug, {"tagList": []}, auth_headers(article.author))

    assert response.json["article"]["tagList"] == []
    assert stored(article_tags, article_id=article.id) == []


def test_update_without_tag_list_keeps_the_tags(client, make_article, auth_headers):
    article = make_article(tags=["dragons"])

    response = put(client, article.slug, {"body": "Edited"}, auth_headers(article.author))

    assert response.json["article"]["tagList"] == ["dragons"]


def test_update_ignores_fields_the_client_may_not_set(
    client, make_user, make_article, auth_headers
):
    article = make_article(title="Dragons", created_at=LONG_AGO)
    other = make_user()

    response = put(
        client,
        article.slug,
        {"slug": "hijacked", "author": {"username": other.username}, "favoritesCount": 7},
        auth_headers(article.author),
    )

    assert response.status_code == 200
    body = response.json["article"]
    assert (body["slug"], body["favoritesCount"]) == ("dragons", 0)
    assert body["author"]["username"] == article.author.username
    [row] = stored(Article.__table__, id=article.id)
    assert (row["slug"], row["author_id"]) == ("dragons", article.author_id)


def test_update_of_another_users_article_is_forbidden(
    client, make_user, make_article, auth_headers
):
    article = make_article(title="Mine", body="Original", tags=["kept"])
    [before] = stored(Article.__table__, id=article.id)

    response = put(
        client,
        article.slug,
        {"title": "Stolen", "body": "Defaced", "tagList": []},
        auth_headers(make_user()),
    )

    assert response.status_code == 403
    assert list(response.json["errors"]) == ["article"]
    assert stored(Article.__table__, id=article.id) == [before]
    assert len(stored(article_tags, article_id=article.id)) == 1


def test_update_of_an_unknown_slug_is_not_found(client, make_user, auth_headers):
    response = put(client, "no-such-article", {"title": "New"}, auth_headers(make_user()))

    assert response.status_code == 404
    assert list(response.json["errors"]) == ["article"]


def test_update_needs_a_token(client, make_article):
    article = make_article(title="Mine")

    response = put(client, article.slug, {"title": "New"}, {})

    assert response.status_code == 401
    assert stored(Article.__table__, id=article.id)[0]["title"] == "Mine"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": "  "}, {"title": ["can't be blank"]}),
        ({"title": None}, {"title": ["can't be blank"]}),
        ({"description": ""}, {"description": ["can't be blank"]}),
        ({"body": 5}, {"body": ["must be a string"]}),
        ({"title": "t" * 201}, {"title": ["is too long (maximum is 200 characters)"]}),
        ({"tagList": "dragons"}, {"tagList": ["must be a list of strings"]}),
    ],
)
def test_update_rejects_invalid_fields(client, make_article, auth_headers, fields, errors):
    article = make_article(title="Mine")
    [before] = stored(Article.__table__, id=article.id)

    response = put(client, article.slug, fields, auth_headers(article.author))

    assert response.status_code == 422
    assert response.json == {"errors": errors}
    assert stored(Article.__table__, id=article.id) == [before]


def test_delete_removes_the_article_with_its_comments_favorites_and_tags(
    client, make_user, make_article, make_comment, auth_headers
):
    article = make_article(tags=["dragons", "training"])
    kept = make_article(tags=["dragons"])
    make_comment(article)
    make_comment(kept)
    fan = make_user()
    article_services.favorite(article, fan)
    article_services.favorite(kept, fan)

    response = client.delete(
        f"/api/v1/articles/{article.slug}", headers=auth_headers(article.author)
    )

    assert response.status_code == 204
    assert response.data == b""
    assert stored(Article.__table__, id=article.id) == []
    assert stored(Comment.__table__, article_id=article.id) == []
    assert stored(favorites, article_id=article.id) == []
    assert stored(article_tags, article_id=article.id) == []
    assert len(stored(Comment.__table__, article_id=kept.id)) == 1
    assert len(stored(favorites, article_id=kept.id)) == 1
    assert len(stored(article_tags, article_id=kept.id)) == 1
    assert client.get(f"/api/v1/articles/{article.slug}").status_code == 404


def test_delete_of_another_users_article_is_forbidden(
    client, make_user, make_article, make_comment, auth_headers
):
    article = make_article(tags=["dragons"])
    make_comment(article)
    article_services.favorite(article, make_user())

    response = client.delete(f"/api/v1/articles/{article.slug}", headers=auth_headers(make_user()))

    assert response.status_code == 403
    assert list(response.json["errors"]) == ["article"]
    assert len(stored(Article.__table__, id=article.id)) == 1
    assert len(stored(Comment.__table__, article_id=article.id)) == 1
    assert len(stored(favorites, article_id=article.id)) == 1
    assert len(stored(article_tags, article_id=article.id)) == 1


def test_delete_of_an_unknown_slug_is_not_found(client, make_user, auth_headers):
    response = client.delete("/api/v1/articles/no-such-article", headers=auth_headers(make_user()))

    assert response.status_code == 404
    assert list(response.json["errors"]) == ["article"]


def test_delete_needs_a_token(client, make_article):
    article = make_article()

    response = client.delete(f"/api/v1/articles/{article.slug}")

    assert response.status_code == 401
    assert len(stored(Article.__table__, id=article.id)) == 1
