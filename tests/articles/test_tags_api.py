"""The tags in use, most used first."""

from app.articles.tags import Tag


def test_tags_are_listed_most_used_first(client, make_article):
    make_article(tags=["dragons", "cooking"])
    make_article(tags=["dragons", "zoology"])
    make_article(tags=["dragons", "zoology", "art"])

    response = client.get("/api/v1/tags")

    assert response.status_code == 200
    assert response.json == {"tags": ["dragons", "zoology", "art", "cooking"]}


def test_the_most_used_tags_are_the_first_of_the_tags_in_use(client, make_article):
    make_article(tags=["dragons", "cooking"])
    make_article(tags=["dragons", "zoology"])
    make_article(tags=["zoology", "art"])

    assert Tag.names_in_use(limit=2) == ["dragons", "zoology"]
    assert Tag.names_in_use(limit=3) == client.get("/api/v1/tags").json["tags"][:3]


def test_tags_are_empty_without_articles(client):
    response = client.get("/api/v1/tags")

    assert response.status_code == 200
    assert response.json == {"tags": []}


def test_tags_of_a_deleted_article_disappear(client, make_article, auth_headers):
    article = make_article(tags=["gone", "shared"])
    make_article(tags=["shared"])

    client.delete(f"/api/v1/articles/{article.slug}", headers=auth_headers(article.author))
    response = client.get("/api/v1/tags")

    assert response.json == {"tags": ["shared"]}


def test_tags_removed_from_every_article_disappear(client, make_article, auth_headers):
    article = make_article(tags=["gone", "kept"])

    client.put(
        f"/api/v1/articles/{article.slug}",
        json={"article": {"tagList": ["kept"]}},
        headers=auth_headers(article.author),
    )
    response = client.get("/api/v1/tags")

    assert response.json == {"tags": ["kept"]}
