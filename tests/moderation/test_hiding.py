"""A hidden article is in no list, count, tag, feed, search or popular list, and not found at
its address, but by its author and the admins, who see it marked; a hidden comment is seen by
admins alone. Unhiding brings either back."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from app import cache
from app.articles.models import ARTICLES_COUNTER, Article, article_views, counters
from app.articles.tags import Tag
from app.extensions import db
from app.moderation import services

ARTICLES = "/api/v1/articles"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [article["slug"] for article in response.json["articles"]]


def kept_counts() -> tuple[int | None, dict[str, int]]:
    db.session.rollback()
    total = db.session.scalar(select(counters.c.value).where(counters.c.name == ARTICLES_COUNTER))
    return total, dict(db.session.execute(select(Tag.name, Tag.articles_count)).all())


@pytest.fixture
def scene(make_user, make_article, auth_headers, client):
    """A followed author's tagged, read, favorited article beside another one."""
    author, reader = make_user("author"), make_user("reader")
    article = make_article(author, title="Volcano notes", tags=["geology", "shared"])
    make_article(title="Other", tags=["shared"])
    headers = auth_headers(reader)
    client.post(f"/api/v1/profiles/{author.username}/follow", headers=headers)
    client.post(f"{ARTICLES}/{article.slug}/favorite", headers=headers)
    today = datetime.now(UTC).date()
    db.session.execute(insert(article_views).values(article_id=article.id, day=today, views=5))
    db.session.commit()
    cache.invalidate(cache.ARTICLE_LISTS)
    return article, author, reader


def everywhere(client, headers: dict, slug: str) -> dict[str, bool]:
    """Return where the article with slug shows, for the reader with headers."""
    lists = {
        "all": {},
        "tag": {"tag": "geology"},
        "author": {"author": "author"},
        "favorited": {"favorited": "reader"},
        "search": {"q": "volcano"},
    }
    seen = {name: slug in slugs(client.get(ARTICLES, query_string=query, headers=headers))
            for name, query in lists.items()}  # fmt: skip
    seen["feed"] = slug in slugs(client.get(f"{ARTICLES}/feed", headers=headers))
    seen["popular"] = slug in slugs(client.get(f"{ARTICLES}/popular", headers=headers))
    seen["tags"] = "geology" in client.get("/api/v1/tags").json["tags"]
    seen["home"] = slug in client.get("/").get_data(as_text=True)
    seen["atom"] = f"/article/{slug}" in client.get("/articles.atom").get_data(as_text=True)
    seen["sitemap"] = f"/article/{slug}<" in client.get("/sitemap.xml").get_data(as_text=True)
    return seen


def test_a_hidden_article_leaves_every_list_count_tag_feed_search_and_popular(
    client, scene, auth_headers, make_admin, operator
):
    article, _author, reader = scene
    admin = make_admin()
    slug = article.slug
    assert set(everywhere(client, auth_headers(reader), slug).values()) == {True}
    assert kept_counts() == (2, {"geology": 1, "shared": 2})

    services.hide_article(article, operator, "spam")

    for headers in (auth_headers(reader), auth_headers(admin)):
        assert set(everywhere(client, headers, slug).values()) == {False}
    assert client.get(ARTICLES).json["articlesCount"] == 1
    assert client.get(ARTICLES, query_string={"tag": "shared"}).json["articlesCount"] == 1
    assert kept_counts() == (1, {"geology": 0, "shared": 1})


def test_unhiding_brings_the_article_back_everywhere(client, scene, auth_headers, operator):
    article, _author, reader = scene
    services.hide_article(article, operator, "spam")

    services.unhide_article(db.session.get(Article, article.id), operator, "a mistake")

    assert set(everywhere(client, auth_headers(reader), article.slug).values()) == {True}
    assert kept_counts() == (2, {"geology": 1, "shared": 2})


def test_only_its_author_and_the_admins_find_a_hidden_article(
    app, client, scene, auth_headers, make_admin, operator, login
):
    article, author, reader = scene
    services.hide_article(article, operator, "spam")
    path = f"{ARTICLES}/{article.slug}"

    for headers in ({}, auth_headers(reader)):
        assert client.get(path, headers=headers).status_code == 404
        assert client.get(f"{path}/comments", headers=headers).status_code == 404
    assert client.get(f"/article/{article.slug}").status_code == 404
    for user in (author, make_admin()):
        assert client.get(path, headers=auth_headers(user)).status_code == 200
        browser = app.test_client()
        login(browser, user)
        page = browser.get(f"/article/{article.slug}").get_data(as_text=True)
        assert 'data-testid="hidden-badge">Hidden by moderators' in page


def test_nobody_but_the_admins_can_act_on_a_hidden_article(client, scene, auth_headers, operator):
    article, _author, reader = scene
    services.hide_article(article, operator, "spam")
    headers = auth_headers(reader)
    path = f"{ARTICLES}/{article.slug}"

    assert client.post(f"{path}/favorite", headers=headers).status_code == 404
    comment = {"comment": {"body": "hi"}}
    assert client.post(f"{path}/comments", json=comment, headers=headers).status_code == 404
    report = {"report": {"reason": "bad"}}
    assert client.post(f"{path}/reports", json=report, headers=headers).status_code == 404


def test_republishing_a_hidden_article_keeps_it_hidden(client, scene, auth_headers, operator):
    article, author, _reader = scene
    services.hide_article(article, operator, "spam")
    path = f"{ARTICLES}/{article.slug}"
    headers = auth_headers(author)

    for published in (False, True):
        body = {"article": {"published": published}}
        assert client.put(path, json=body, headers=headers).status_code == 200

    assert article.slug not in slugs(client.get(ARTICLES))
    assert kept_counts() == (1, {"geology": 0, "shared": 1})


def test_deleting_a_hidden_article_keeps_the_counts(client, scene, auth_headers, operator):
    article, author, _reader = scene
    services.hide_article(article, operator, "spam")

    assert (
        client.delete(f"{ARTICLES}/{article.slug}", headers=auth_headers(author)).status_code == 204
    )

    assert kept_counts() == (1, {"geology": 0, "shared": 1})


def test_a_hidden_comment_is_seen_by_the_admins_alone(
    client, make_article, make_comment, make_user, make_admin, auth_headers, login, operator
):
    article = make_article(title="Discussed")
    writer = make_user("writer")
    comment = make_comment(article, writer, body="Buy cheap pills")
    make_comment(article, body="Fine words")
    path = f"{ARTICLES}/{article.slug}/comments"
    assert len(client.get(path).json["comments"]) == 2  # and now cached

    services.hide_comment(comment, operator, "spam")

    for headers in ({}, auth_headers(writer), auth_headers(make_user())):
        assert [c["body"] for c in client.get(path, headers=headers).json["comments"]] == [
            "Fine words"
        ]
    assert "Buy cheap pills" not in client.get(f"/article/{article.slug}").get_data(as_text=True)
    admin = make_admin()
    assert len(client.get(path, headers=auth_headers(admin)).json["comments"]) == 2
    login(client, admin)
    page = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert "Buy cheap pills" in page
    assert 'data-testid="hidden-comment-badge"' in page

    services.unhide_comment(comment, operator, "fine after all")

    assert len(client.get(path).json["comments"]) == 2


def test_hiding_twice_or_unhiding_what_shows_changes_nothing(make_article, make_comment, operator):
    article = make_article()
    comment = make_comment(article)
    services.hide_article(article, operator, "spam")
    services.hide_comment(comment, operator, "spam")

    with pytest.raises(Exception, match="is hidden already"):
        services.hide_article(article, operator, "again")
    with pytest.raises(Exception, match="is hidden already"):
        services.hide_comment(comment, operator, "again")
    services.unhide_article(article, operator, "back")
    services.unhide_comment(comment, operator, "back")
    with pytest.raises(Exception, match="is not hidden"):
        services.unhide_article(article, operator, "again")
    with pytest.raises(Exception, match="is not hidden"):
        services.unhide_comment(comment, operator, "again")
