"""How large a request may be: a body over MAX_CONTENT_LENGTH answers a clean 413, every
field's length limit answers 422 (never 500), and image URLs are http(s) and never fetched."""

import json
import socket
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from app import create_app
from app.articles.comments.models import Comment
from app.articles.models import Article
from app.extensions import db as database
from app.users.models import User
from config import TestingConfig

LIMIT = TestingConfig.MAX_CONTENT_LENGTH
ARTICLE = {"title": "A title", "description": "A description", "body": "A body"}
# Each of these is one character but 12 bytes as a JSON \u escape pair or a form %-escape.
WIDEST = "\U0001f600"


def count(model) -> int:
    return database.session.scalar(select(func.count()).select_from(model))


def too_long(maximum: int) -> str:
    return f"is too long (maximum is {maximum} characters)"


def long_email(length: int) -> str:
    """Return a valid-looking address of exactly `length` characters."""
    domain_length = length - 65
    last_label = domain_length - 2 * 64 - len(".com")
    return f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * last_label}.com"


def image_url(length: int) -> str:
    start = "https://img.example/"
    return start + "a" * (length - len(start) - len(".png")) + ".png"


# 413


def test_the_default_limit_is_two_mebibytes():
    assert LIMIT == 2 * 1024 * 1024


def test_an_api_body_over_the_limit_answers_413_in_the_api_shape(client, make_user, auth_headers):
    body = json.dumps({"article": ARTICLE | {"body": "x" * LIMIT}})

    response = client.post(
        "/api/v1/articles",
        data=body,
        content_type="application/json",
        headers=auth_headers(make_user()),
    )

    assert response.status_code == 413
    assert response.json == {"errors": {"body": [f"is too large (maximum is {LIMIT} bytes)"]}}
    assert count(Article) == 0


def test_a_form_over_the_limit_answers_a_413_page(client, login, make_user, csrf_token):
    login(client, make_user())
    form = {"csrf_token": csrf_token(client, "/editor"), **ARTICLE, "body": "x" * LIMIT}

    response = client.post("/editor", data=form)

    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert f"Is too large (maximum is {LIMIT} bytes)" in response.get_data(as_text=True)
    assert count(Article) == 0


def test_the_longest_article_fits_as_escaped_json(client, make_user, auth_headers):
    article = ARTICLE | {"body": WIDEST * 100_000, "title": WIDEST * 200}
    body = json.dumps({"article": article}, ensure_ascii=True)
    assert len(body) > 1024 * 1024

    response = client.post(
        "/api/v1/articles",
        data=body,
        content_type="application/json",
        headers=auth_headers(make_user()),
    )

    assert response.status_code == 201
    assert response.json["article"]["body"] == WIDEST * 100_000


def test_the_longest_article_fits_as_an_editor_form(client, login, make_user, csrf_token):
    login(client, make_user())
    form = {"csrf_token": csrf_token(client, "/editor"), **ARTICLE, "body": WIDEST * 100_000}
    encoded = urlencode(form)
    assert len(encoded) > 1024 * 1024

    response = client.post(
        "/editor", data=encoded, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 302
    assert database.session.scalar(select(Article.body)) == WIDEST * 100_000


def test_the_longest_article_fits_as_a_multipart_form(client, login, make_user, csrf_token):
    login(client, make_user())
    form = {"csrf_token": csrf_token(client, "/editor"), **ARTICLE, "body": WIDEST * 100_000}

    response = client.post("/editor", data=form, content_type="multipart/form-data")

    assert response.status_code == 302
    assert database.session.scalar(select(Article.body)) == WIDEST * 100_000


def test_an_oversized_sign_in_answers_413_with_rate_limits_on():
    config = TestingConfig()
    config.RATELIMIT_ENABLED = True
    config.RATELIMIT_KEY_PREFIX = f"test-{uuid.uuid4().hex}"
    limited_app = create_app(config)
    body = json.dumps({"user": {"email": "x" * LIMIT, "password": "p"}})

    response = limited_app.test_client().post(
        "/api/v1/users/login", data=body, content_type="application/json"
    )

    assert response.status_code == 413
    assert set(response.json["errors"]) == {"body"}
    with limited_app.app_context():
        database.engine.dispose()


# 422 for every field's length limit, through the API


def create_article(client, headers, **fields):
    return client.post("/api/v1/articles", json={"article": ARTICLE | fields}, headers=headers)


def update_article(client, headers, slug, **fields):
    return client.put(f"/api/v1/articles/{slug}", json={"article": fields}, headers=headers)


def update_user(client, headers, **fields):
    return client.put("/api/v1/user", json={"user": fields}, headers=headers)


def register(client, **fields):
    user = {"username": "newcomer", "email": "newcomer@example.com", "password": "pass-word-1"}
    return client.post("/api/v1/users", json={"user": user | fields})


ARTICLE_FIELDS = [("title", 200), ("description", 1000), ("body", 100_000)]


@pytest.mark.parametrize(("field", "maximum"), ARTICLE_FIELDS)
def test_article_fields_are_limited_on_create(client, make_user, auth_headers, field, maximum):
    headers = auth_headers(make_user())

    refused = create_article(client, headers, **{field: "x" * (maximum + 1)})
    accepted = create_article(client, headers, **{field: "x" * maximum})

    assert refused.status_code == 422
    assert refused.json == {"errors": {field: [too_long(maximum)]}}
    assert accepted.status_code == 201
    assert count(Article) == 1


@pytest.mark.parametrize(("field", "maximum"), ARTICLE_FIELDS)
def test_article_fields_are_limited_on_update(
    client, make_user, make_article, auth_headers, field, maximum
):
    article = make_article()
    headers = auth_headers(article.author)

    refused = update_article(client, headers, article.slug, **{field: "x" * (maximum + 1)})

    assert refused.status_code == 422
    assert refused.json == {"errors": {field: [too_long(maximum)]}}
    database.session.expire_all()
    assert getattr(database.session.get(Article, article.id), field) == getattr(article, field)


def test_a_tag_is_limited_to_40_characters(client, make_user, auth_headers):
    headers = auth_headers(make_user())

    refused = create_article(client, headers, tagList=["x" * 41])
    accepted = create_article(client, headers, tagList=["x" * 40])

    assert refused.status_code == 422
    assert refused.json == {"errors": {"tagList": [too_long(40)]}}
    assert accepted.status_code == 201
    assert accepted.json["article"]["tagList"] == ["x" * 40]


def test_a_comment_is_limited_to_10000_characters(client, make_article, make_user, auth_headers):
    article = make_article()
    url = f"/api/v1/articles/{article.slug}/comments"
    headers = auth_headers(make_user())

    refused = client.post(url, json={"comment": {"body": "x" * 10_001}}, headers=headers)
    accepted = client.post(url, json={"comment": {"body": "x" * 10_000}}, headers=headers)

    assert refused.status_code == 422
    assert refused.json == {"errors": {"body": [too_long(10_000)]}}
    assert accepted.status_code == 200
    assert count(Comment) == 1


@pytest.mark.parametrize(
    ("field", "too_long_value", "longest_value", "maximum"),
    [
        ("bio", "x" * 2001, "x" * 2000, 2000),
        ("image", image_url(2049), image_url(2048), 2048),
        ("username", "u" * 41, "u" * 40, 40),
        ("email", long_email(255), long_email(254), 254),
    ],
)
def test_user_fields_are_limited_on_update(
    client, make_user, auth_headers, field, too_long_value, longest_value, maximum
):
    user = make_user()
    headers = auth_headers(user)
    before = getattr(user, field)

    refused = update_user(client, headers, **{field: too_long_value})
    database.session.expire_all()
    unchanged = getattr(database.session.get(User, user.id), field)
    accepted = update_user(client, headers, **{field: longest_value})

    assert refused.status_code == 422
    assert too_long(maximum) in refused.json["errors"][field]
    assert unchanged == before
    assert accepted.status_code == 200
    assert accepted.json["user"][field] == longest_value


@pytest.mark.parametrize(
    ("field", "too_long_value", "longest_value", "maximum"),
    [("username", "u" * 41, "u" * 40, 40), ("email", long_email(255), long_email(254), 254)],
)
def test_registration_fields_are_limited(client, field, too_long_value, longest_value, maximum):
    refused = register(client, **{field: too_long_value})
    accepted = register(client, **{field: longest_value})

    assert refused.status_code == 422
    assert too_long(maximum) in refused.json["errors"][field]
    assert accepted.status_code == 201
    assert count(User) == 1


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://img.example/a.png",
        "file:///etc/passwd",
        "//img.example/a.png",
        "img.example/a.png",
    ],
)
def test_an_image_url_must_be_http_or_https(client, make_user, auth_headers, url):
    user = make_user(image="https://img.example/before.png")

    response = update_user(client, auth_headers(user), image=url)

    assert response.status_code == 422
    assert response.json == {"errors": {"image": ["must be an http(s) URL"]}}
    database.session.expire_all()
    assert database.session.get(User, user.id).image == "https://img.example/before.png"


def test_image_urls_are_never_fetched_by_the_server(
    client, make_user, auth_headers, login, monkeypatch
):
    user = make_user()
    headers = auth_headers(user)

    def no_network(*_args, **_kwargs):
        raise AssertionError("the server opened a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    updated = update_user(client, headers, image="https://img.example/me.png")
    created = create_article(client, headers, body="![me](http://img.example/big.png)")
    login(client, user)
    page = client.get(f"/article/{created.json['article']['slug']}")

    assert updated.status_code == 200
    assert created.status_code == 201
    assert page.status_code == 200
    assert 'src="http://img.example/big.png"' in page.get_data(as_text=True)


# 422 for the same limits through the pages' forms


def test_page_forms_answer_422_for_over_long_fields(
    client, login, make_user, make_article, csrf_token
):
    user = make_user()
    article = make_article(user)
    login(client, user)
    token = csrf_token(client, "/editor")
    settings = {"csrf_token": token, "username": user.username, "email": user.email}

    answers = {
        "editor title": client.post(
            "/editor", data={"csrf_token": token, **ARTICLE, "title": "x" * 201}
        ),
        "editor tag": client.post(
            f"/editor/{article.slug}",
            data={"csrf_token": token, **ARTICLE, "tags": "ok, " + "x" * 41},
        ),
        "settings bio": client.post("/settings", data=settings | {"bio": "x" * 2001}),
        "settings image": client.post(
            "/settings", data=settings | {"image": "javascript:alert(1)"}
        ),
        "comment": client.post(
            f"/article/{article.slug}/comments", data={"csrf_token": token, "body": "x" * 10_001}
        ),
    }

    for name, response in answers.items():
        assert response.status_code == 422, name
        assert response.mimetype == "text/html", name
    assert count(Article) == 1
    assert count(Comment) == 0
    assert database.session.scalar(select(Article.title)) == article.title


def test_the_register_page_answers_422_for_an_over_long_username(client, csrf_token):
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_token(client, "/register"),
            "username": "u" * 41,
            "email": "long@example.com",
            "password": "pass-word-1",
        },
    )

    assert response.status_code == 422
    assert "Username is too long (maximum is 40 characters)" in response.get_data(as_text=True)
    assert count(User) == 0
