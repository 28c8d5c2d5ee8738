"""Writing, reading, editing and deleting one article through the API."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.articles import services as article_services
from app.articles.models import Article, article_tags
from app.extensions import db
from app.users import services as user_services
from tests.contract import OUR_ARTICLE_FIELDS

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MISSING = object()


def article_payload(**overrides) -> dict:
    """Return a valid create body with overrides applied; MISSING leaves a field out."""
    fields = {
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe",
        **overrides,
    }
    return {"article": {key: value for key, value in fields.items() if value is not MISSING}}


def stored(table, **columns) -> list[dict]:
    """Return the committed rows of table matching columns, read outside the test's session."""
    with db.engine.connect() as connection:
        return [
            dict(row) for row in connection.execute(select(table).filter_by(**columns)).mappings()
        ]


def test_create_returns_the_full_article(client, make_user, auth_headers):
    author = make_user("jake", bio="I work at statefarm", image="https://example.com/jake.png")

    response = client.post(
        "/api/v1/articles",
        json=article_payload(tagList=["training", "dragons"]),
        headers=auth_headers(author),
    )

    assert response.status_code == 201
    article = response.json["article"]
    assert set(article) == {
        "slug", "title", "description", "body", "tagList", "createdAt", "updatedAt",
        "favorited", "favoritesCount", "author",
    } | OUR_ARTICLE_FIELDS  # fmt: skip
    assert article["slug"] == "how-to-train-your-dragon"
    assert article["title"] == "How to train your dragon"
    assert article["description"] == "Ever wonder how?"
    assert article["body"] == "You have to believe"
    assert article["tagList"] == ["dragons", "training"]
    assert TIMESTAMP.match(article["createdAt"])
    assert TIMESTAMP.match(article["updatedAt"])
    assert article["favorited"] is False
    assert article["favoritesCount"] == 0
    assert article["author"] == {
        "username": "jake",
        "bio": "I work at statefarm",
        "image": "https://example.com/jake.png",
        "following": False,
    }
    [row] = stored(Article.__table__)
    assert (row["slug"], row["author_id"]) == ("how-to-train-your-dragon", author.id)


def test_create_trims_sorts_and_collapses_tags(client, make_user, auth_headers):
    tags = ["  zebra ", "apple", "zebra", "", "   ", "apple", "mango"]

    response = client.post(
        "/api/v1/articles", json=article_payload(tagList=tags), headers=auth_headers(make_user())
    )

    assert response.status_code == 201
    assert response.json["article"]["tagList"] == ["apple", "mango", "zebra"]
    assert len(stored(article_tags)) == 3


def test_create_without_tag_list_has_no_tags(client, make_user, auth_headers):
    response = client.post(
        "/api/v1/articles", json=article_payload(), headers=auth_headers(make_user())
    )

    assert response.status_code == 201
    assert response.json["article"]["tagList"] == []


def test_create_trims_title_description_and_body(client, make_user, auth_headers):
    payload = article_payload(title="  Spaced  ", description=" d ", body="\n b \n")

    response = client.post("/api/v1/articles", json=payload, headers=auth_headers(make_user()))

    article = response.json["article"]
    assert (article["title"], article["description"], article["body"]) == ("Spaced", "d", "b")


def test_create_accepts_the_longest_allowed_fields(client, make_user, auth_headers):
    payload = article_payload(
        title="t" * 200, description="d" * 1000, body="b" * 100_000, tagList=["x" * 40]
    )

    response = client.post("/api/v1/articles", json=payload, headers=auth_headers(make_user()))

    assert response.status_code == 201
    assert response.json["article"]["tagList"] == ["x" * 40]


def test_tag_length_is_measured_after_trimming(client, make_user, auth_headers):
    payload = article_payload(tagList=["  " + "x" * 40 + "  "])

    response = client.post("/api/v1/articles", json=payload, headers=auth_headers(make_user()))

    assert response.status_code == 201
    assert response.json["article"]["tagList"] == ["x" * 40]


def test_duplicates_collapse_before_the_tag_count_is_checked(client, make_user, auth_headers):
    tags = [f"tag{number}" for number in range(20)] * 2

    response = client.post(
        "/api/v1/articles", json=article_payload(tagList=tags), headers=auth_headers(make_user())
    )

    assert response.status_code == 201
    assert len(response.json["article"]["tagList"]) == 20


BLANK = "can't be blank"
NOT_A_STRING = "must be a string"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": MISSING}, "title", BLANK),
        ({"title": ""}, "title", BLANK),
        ({"title": "   "}, "title", BLANK),
        ({"title": None}, "title", BLANK),
        ({"title": 42}, "title", NOT_A_STRING),
        ({"title": ["a title"]}, "title", NOT_A_STRING),
        ({"title": "t" * 201}, "title", "is too long (maximum is 200 characters)"),
        ({"description": MISSING}, "description", BLANK),
        ({"description": " "}, "description", BLANK),
        ({"description": {"text": "d"}}, "description", NOT_A_STRING),
        ({"description": "d" * 1001}, "description", "is too long (maximum is 1000 characters)"),
        ({"body": MISSING}, "body", BLANK),
        ({"body": "\n\t"}, "body", BLANK),
        ({"body": True}, "body", NOT_A_STRING),
        ({"body": "b" * 100_001}, "body", "is too long (maximum is 100000 characters)"),
        ({"tagList": "dragons"}, "tagList", "must be a list of strings"),
        ({"tagList": {"dragons": True}}, "tagList", "must be a list of strings"),
        ({"tagList": None}, "tagList", "must be a list of strings"),
        ({"tagList": [1]}, "tagList", NOT_A_STRING),
        ({"tagList": [None]}, "tagList", NOT_A_STRING),
        ({"tagList": [["nested"]]}, "tagList", NOT_A_STRING),
        ({"tagList": ["x" * 41]}, "tagList", "is too long (maximum is 40 characters)"),
        ({"tagList": [f"tag{n}" for n in range(21)]}, "tagList", "may hold at most 20 tags"),
    ],
)
def test_create_rejects_invalid_fields(client, make_user, auth_headers, overrides, field, message):
    response = client.post(
        "/api/v1/articles", json=article_payload(**overrides), headers=auth_headers(make_user())
    )

    assert response.status_code == 422
    assert response.json == {"errors": {field: [message]}}
    assert stored(Article.__table__) == []


def test_create_reports_every_invalid_field_at_once(client, make_user, auth_headers):
    response = client.post(
        "/api/v1/articles", json={"article": {}}, headers=auth_headers(make_user())
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"title": [BLANK], "description": [BLANK], "body": [BLANK]}}


@pytest.mark.parametrize("body", [{}, {"article": "a string"}, {"article": None}])
def test_create_without_an_article_object_is_unprocessable(client, make_user, auth_headers, body):
    response = client.post("/api/v1/articles", json=body, headers=auth_headers(make_user()))

    assert response.status_code == 422
    assert response.json == {"errors": {"article": ["must be a JSON object"]}}


def test_create_with_a_body_that_is_not_json_is_a_bad_request(client, make_user, auth_headers):
    response = client.post(
        "/api/v1/articles",
        data="not json",
        content_type="application/json",
        headers=auth_headers(make_user()),
    )

    assert response.status_code == 400
    assert list(response.json["errors"]) == ["body"]


def test_create_needs_a_token(client):
    response = client.post("/api/v1/articles", json=article_payload())

    assert response.status_code == 401
    assert list(response.json["errors"]) == ["token"]
    assert stored(Article.__table__) == []


def test_create_ignores_fields_the_client_may_not_set(client, make_user, auth_headers):
    author = make_user("jake")
    make_user("someone-else")
    payload = article_payload(
        slug="chosen-slug",
        author={"username": "someone-else"},
        favoritesCount=99,
        favorited=True,
        createdAt="2000-01-01T00:00:00.000Z",
        updatedAt="2000-01-01T00:00:00.000Z",
        id=999,
    )

    response = client.post("/api/v1/articles", json=payload, headers=auth_headers(author))

    assert response.status_code == 201
    article = response.json["article"]
    assert article["slug"] == "how-to-train-your-dragon"
    assert article["author"]["username"] == "jake"
    assert (article["favoritesCount"], article["favorited"]) == (0, False)
    assert not article["createdAt"].startswith("2000")
    assert not article["updatedAt"].startswith("2000")
    [row] = stored(Article.__table__)
    assert row["id"] != 999
    assert row["author_id"] == author.id


def test_get_returns_the_article_with_its_body(client, make_article):
    article = make_article(title="Dragons", body="Long *body*", tags=["b", "a"])

    response = client.get(f"/api/v1/articles/{article.slug}")

    assert response.status_code == 200
    body = response.json["article"]
    assert body["slug"] == "dragons"
    assert body["body"] == "Long *body*"
    assert body["tagList"] == ["a", "b"]
    assert (body["favorited"], body["favoritesCount"]) == (False, 0)
    assert body["author"]["following"] is False


def test_timestamps_keep_three_fraction_digits_on_a_whole_second(client, make_article):
    article = make_article(created_at=datetime(2024, 2, 29, 13, 5, 9, tzinfo=UTC))

    response = client.get(f"/api/v1/articles/{article.slug}")

    assert response.json["article"]["createdAt"] == "2024-02-29T13:05:09.000Z"
    assert response.json["article"]["updatedAt"] == "2024-02-29T13:05:09.000Z"


def test_timestamps_are_written_in_utc_with_milliseconds(client, make_article):
    article = make_article(created_at=datetime(2016, 2, 18, 3, 22, 56, 637_999, tzinfo=UTC))

    response = client.get(f"/api/v1/articles/{article.slug}")

    assert response.json["article"]["createdAt"] == "2016-02-18T03:22:56.637Z"


def test_get_unknown_slug_is_not_found(client):
    response = client.get("/api/v1/articles/no-such-article")

    assert response.status_code == 404
    assert list(response.json["errors"]) == ["article"]


def test_get_shows_favorited_and_following_for_the_viewer(
    client, make_user, make_article, auth_headers
):
    viewer, author = make_user(), make_user()
    article = make_article(author)
    user_services.follow(viewer, author)
    article_services.favorite(article, viewer)
    article_services.favorite(article, make_user())

    seen_by_viewer = client.get(f"/api/v1/articles/{article.slug}", headers=auth_headers(viewer))
    seen_by_anyone = client.get(f"/api/v1/articles/{article.slug}")

    viewed = seen_by_viewer.json["article"]
    assert (viewed["favorited"], viewed["favoritesCount"]) == (True, 2)
    assert viewed["author"]["following"] is True
    anonymous = seen_by_anyone.json["article"]
    assert (anonymous["favorited"], anonymous["favoritesCount"]) == (False, 2)
    assert anonymous["author"]["following"] is False


def test_get_with_an_invalid_token_is_unauthorized(client, make_article):
    article = make_article()

    response = client.get(
        f"/api/v1/articles/{article.slug}", headers={"Authorization": "Token not-a-jwt"}
    )

    assert response.status_code == 401
    assert list(response.json["errors"]) == ["token"]
