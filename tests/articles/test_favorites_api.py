"""Favoriting and unfavoriting an article through the API."""

import pytest

from app.articles import services as article_services
from app.articles.models import favorites
from tests.articles.test_write_api import stored


def favorite_state(response) -> tuple[bool, int]:
    return response.json["article"]["favorited"], response.json["article"]["favoritesCount"]


def test_favorite_marks_the_article_and_counts_it(client, make_user, make_article, auth_headers):
    article = make_article(title="Dragons")
    fan = make_user()

    response = client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(fan))

    assert response.status_code == 200
    assert favorite_state(response) == (True, 1)
    assert response.json["article"]["slug"] == "dragons"
    assert response.json["article"]["body"] == article.body
    assert stored(favorites) == [{"user_id": fan.id, "article_id": article.id}]


def test_favoriting_twice_counts_once(client, make_user, make_article, auth_headers):
    article = make_article()
    headers = auth_headers(make_user())

    client.post(f"/api/v1/articles/{article.slug}/favorite", headers=headers)
    response = client.post(f"/api/v1/articles/{article.slug}/favorite", headers=headers)

    assert response.status_code == 200
    assert favorite_state(response) == (True, 1)
    assert len(stored(favorites, article_id=article.id)) == 1


def test_favorites_count_counts_every_fan(client, make_user, make_article, auth_headers):
    article = make_article()
    article_services.favorite(article, make_user())

    response = client.post(
        f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(make_user())
    )

    assert response.json["article"]["favoritesCount"] == 2


def test_unfavorite_removes_only_the_viewers_favorite(
    client, make_user, make_article, auth_headers
):
    article = make_article()
    fan, other_fan = make_user(), make_user()
    article_services.favorite(article, fan)
    article_services.favorite(article, other_fan)

    response = client.delete(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(fan))

    assert response.status_code == 200
    assert favorite_state(response) == (False, 1)
    assert stored(favorites) == [{"user_id": other_fan.id, "article_id": article.id}]


def test_unfavoriting_an_article_never_favorited_changes_nothing(
    client, make_user, make_article, auth_headers
):
    article = make_article()

    response = client.delete(
        f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(make_user())
    )

    assert response.status_code == 200
    assert favorite_state(response) == (False, 0)


@pytest.mark.parametrize("method", ["post", "delete"])
def test_favorite_of_an_unknown_slug_is_not_found(client, make_user, auth_headers, method):
    response = getattr(client, method)(
        "/api/v1/articles/no-such-article/favorite", headers=auth_headers(make_user())
    )

    assert response.status_code == 404
    assert list(response.json["errors"]) == ["article"]


@pytest.mark.parametrize("method", ["post", "delete"])
def test_favorite_needs_a_token(client, make_user, make_article, method):
    article = make_article()
    article_services.favorite(article, make_user())

    response = getattr(client, method)(f"/api/v1/articles/{article.slug}/favorite")

    assert response.status_code == 401
    assert list(response.json["errors"]) == ["token"]
    assert len(stored(favorites, article_id=article.id)) == 1
