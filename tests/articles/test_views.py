import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.articles.models import Article, favorites
from app.articles.services import favorite
from app.articles.tags import Tag
from app.users.services import follow

START = datetime(2026, 1, 1, tzinfo=UTC)


def previews(page: str) -> list[str]:
    """Return the slugs of the article previews on a page, in order."""
    return re.findall(r'data-testid="article-preview" data-slug="([^"]+)"', page)


def article_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Article))


def editor_form(token: str, **fields) -> dict:
    form = {
        "csrf_token": token,
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "## Step one\n\nYou have to believe. [Docs](https://example.com)\n\n```\ncode()\n```",
        "tags": "dragons, training",
    }
    return form | fields


def test_home_shows_the_global_feed_newest_first_with_popular_tags(client, make_user, make_article):
    jake = make_user("jake")
    older = make_article(jake, title="Older", tags=["python"], created_at=START)
    newer = make_article(jake, title="Newer", tags=["flask"], created_at=START + timedelta(1))
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Global feed · Conduit</title>" in page
    assert previews(page) == [newer.slug, older.slug]
    assert 'data-testid="popular-tags"' in page
    assert 'href="/?tag=python"' in page
    assert 'href="/profile/jake"' in page
    assert "A description" in page
    assert "January 2, 2026" in page
    assert 'data-testid="tab-feed"' not in page


def popular_tags(page: str) -> list[str]:
    """Return the names in the home page's tag cloud, in order."""
    cloud = page.split('data-testid="popular-tags"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="/\?tag=([^"]+)"', cloud)


def test_the_home_page_shows_the_twenty_most_used_tags(client, make_article):
    names = [f"tag{number:02}" for number in range(21)]
    make_article(tags=names)
    make_article(tags=["tag20"])

    page = client.get("/").get_data(as_text=True)

    # The most used first, then by name, and tag19 left out.
    assert popular_tags(page) == ["tag20", *names[:19]]


def test_the_tag_cloud_shows_a_new_tag_at_once(client, make_article, make_user, auth_headers):
    make_article(tags=["old"])
    headers = auth_headers(make_user())
    with_a_cookie = {"Cookie": "session=none"}
    assert popular_tags(client.get("/", headers=with_a_cookie).get_data(as_text=True)) == ["old"]

    for title in ("First", "Second"):
        article = {"title": title, "description": "d", "body": "b", "tagList": ["new"]}
        client.post("/api/v1/articles", json={"article": article}, headers=headers)
    page = client.get("/", headers=with_a_cookie).get_data(as_text=True)

    assert popular_tags(page) == ["new", "old"]


def test_the_tag_tab_lists_only_articles_with_that_tag(client, make_article):
    tagged = make_article(title="Tagged", tags=["python"])
    make_article(title="Untagged", tags=["flask"])
    page = client.get("/?tag=python").get_data(as_text=True)
    assert "<title>#python · Conduit</title>" in page
    assert previews(page) == [tagged.slug]
    assert 'data-testid="tab-tag"' in page


def test_the_global_feed_is_paginated_twenty_to_a_page(client, make_user, make_article):
    author = make_user()
    slugs = [
        make_article(author, created_at=START + timedelta(hours=hour)).slug for hour in range(25)
    ]
    newest_first = slugs[::-1]
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert previews(first) == newest_first[:20]
    assert previews(second) == newest_first[20:]
    assert 'href="/?page=2"' in first
    assert 'rel="next"' in first
    assert 'rel="prev" href="/"' in second
    assert 'aria-current="page" href="/?page=2"' in second


def test_page_links_keep_the_chosen_tag(client, make_user, make_article):
    author = make_user()
    for hour in range(21):
        make_article(author, tags=["python"], created_at=START + timedelta(hours=hour))
    page = client.get("/?tag=python").get_data(as_text=True)
    assert 'href="/?tag=python&amp;page=2"' in page


@pytest.mark.parametrize("query", ["endpoint=x", "_method=POST", "_scheme=ftp&_anchor=a"])
def test_a_list_with_arguments_named_like_url_fors_own_is_served(
    client, make_user, make_article, query
):
    author = make_user()
    for hour in range(21):
        make_article(author, created_at=START + timedelta(hours=hour))
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert f'href="/?{query.replace("&", "&amp;")}&amp;page=2"' in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "2", "99999999999999999999"])
def test_a_page_that_does_not_exist_is_a_404(client, make_article, page):
    make_article()
    assert client.get(f"/?page={page}").status_code == 404


def test_an_empty_site_says_so(client):
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="empty-state"' in page
    assert "No tags yet." in page


def test_the_home_page_runs_the_same_queries_for_any_page_size(
    client, login, make_user, make_article, count_queries
):
    viewer = login(client, make_user("viewer"))

    def queries_for_home() -> int:
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        return counter.count

    author = make_user()
    for _ in range(3):
        favorite(make_article(author, tags=["a", "b"]), viewer)
    small = queries_for_home()
    for number in range(30):
        make_article(make_user(), tags=[f"tag{number}"])
    assert queries_for_home() == small


def test_your_feed_shows_only_followed_authors(client, login, make_user, make_article):
    viewer = login(client, make_user("viewer"))
    followed = make_user("followed")
    follow(viewer, followed)
    mine_to_read = make_article(followed, title="From a friend")
    make_article(make_user("stranger"), title="From a stranger")
    response = client.get("/feed")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Your feed · Conduit</title>" in page
    assert previews(page) == [mine_to_read.slug]
    assert re.search(r'data-testid="tab-feed"\s+aria-current="page"', page)


def test_your_feed_needs_a_signed_in_user(client):
    response = client.get("/feed")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/feed"


def test_the_article_page_renders_sanitised_markdown(client, make_user, make_article):
    body = "# Heading\n\n[link](https://example.com) <script>alert(1)</script>\n\n```\nx = 1\n```"
    article = make_article(make_user("jake"), title="Rendered", body=body, tags=["python"])
    response = client.get(f"/article/{article.slug}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Rendered · Conduit</title>" in page
    assert "<h2>Heading</h2>" in page
    assert 'href="https://example.com" rel="nofollow noopener noreferrer"' in page
    assert "<pre><code>x = 1" in page
    assert "alert(1)" not in page
    assert 'href="/?tag=python"' in page


def test_a_signed_out_reader_sees_a_sign_in_prompt_not_a_comment_form(client, make_article):
    article = make_article()
    page = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert 'data-testid="sign-in-prompt"' in page
    assert 'data-testid="comment-form"' not in page
    assert 'data-testid="edit-article"' not in page
    assert f'href="/login?next=/article/{article.slug}"' in page


def test_the_author_sees_edit_and_delete_and_a_reader_sees_follow(
    client, login, make_user, make_article
):
    author = make_user("author")
    article = make_article(author)
    login(client, author)
    page = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert 'data-testid="edit-article"' in page and 'data-testid="delete-article"' in page
    assert 'data-testid="follow-button"' not in page
    reader = client.application.test_client()
    login(reader, make_user("reader"))
    page = reader.get(f"/article/{article.slug}").get_data(as_text=True)
    assert 'data-testid="edit-article"' not in page
    assert "Follow author" in page
    assert 'data-testid="comment-form"' in page


def test_an_unknown_article_is_a_friendly_404(client):
    response = client.get("/article/no-such-thing")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<title>Page not found · Conduit</title>" in page
    assert 'class="site-header"' in page


def test_the_editor_needs_a_signed_in_user(client):
    assert client.get("/editor").headers["Location"] == "/login?next=/editor"


def test_publishing_an_article(client, csrf_token, login, make_user, db):
    author = login(client, make_user("jake"))
    page = client.get("/editor").get_data(as_text=True)
    assert "<title>New article · Conduit</title>" in page
    for field in ("title", "description", "body", "tags"):
        assert f'<label class="field__label" for="{field}">' in page
    response = client.post("/editor", data=editor_form(csrf_token(client, "/editor")))
    assert response.status_code == 302
    assert response.headers["Location"] == "/article/how-to-train-your-dragon"
    article = Article.by_slug("how-to-train-your-dragon")
    assert article.author_id == author.id
    assert article.tag_names == ["dragons", "training"]
    shown = client.get("/article/how-to-train-your-dragon").get_data(as_text=True)
    assert "Article published." in shown
    assert "<h3>Step one</h3>" in shown


def test_editor_errors_show_by_field_with_input_kept(client, csrf_token, login, make_user, db):
    login(client, make_user())
    form = editor_form(csrf_token(client, "/editor"), title=" ", tags="ok, " + "x" * 41)
    response = client.post("/editor", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Title can&#39;t be blank" in page
    assert "Tags is too long (maximum is 40 characters)" in page
    assert 'value="Ever wonder how?"' in page
    assert "You have to believe." in page
    assert article_count(db) == 0


def test_publishing_without_a_csrf_token_changes_nothing(client, login, make_user, db):
    login(client, make_user())
    form = editor_form("")
    del form["csrf_token"]
    assert client.post("/editor", data=form).status_code == 400
    assert article_count(db) == 0


def test_the_edit_page_is_filled_in_for_the_author(client, login, make_user, make_article):
    author = login(client, make_user())
    article = make_article(author, title="Original", tags=["b", "a"])
    response = client.get(f"/editor/{article.slug}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Edit article · Conduit</title>" in page
    assert 'value="Original"' in page
    assert 'value="a, b"' in page


def test_another_user_cannot_open_or_post_the_edit_page(
    client, csrf_token, login, make_user, make_article, db
):
    article = make_article(make_user("author"), title="Original")
    login(client, make_user("intruder"))
    assert client.get(f"/editor/{article.slug}").status_code == 403
    response = client.post(
        f"/editor/{article.slug}", data=editor_form(csrf_token(client, "/"), title="Hacked")
    )
    assert response.status_code == 403
    assert "You can&#39;t do that" in response.get_data(as_text=True)
    db.session.refresh(article)
    assert article.title == "Original"


def test_a_new_title_moves_the_article_and_the_old_url_redirects_permanently(
    client, csrf_token, login, make_user, make_article, db
):
    author = login(client, make_user())
    article = make_article(author, title="First title")
    response = client.post(
        "/editor/first-title",
        data=editor_form(csrf_token(client, "/editor/first-title"), title="Second title"),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/article/second-title"
    assert "Article updated." in client.get("/article/second-title").get_data(as_text=True)
    old = client.get("/article/first-title")
    assert old.status_code == 301
    assert old.headers["Location"] == "/article/second-title"
    client.post(
        "/editor/second-title",
        data=editor_form(csrf_token(client, "/editor/second-title"), title="Third title"),
    )
    assert client.get("/article/first-title").headers["Location"] == "/article/third-title"
    assert client.get("/article/second-title").headers["Location"] == "/article/third-title"
    db.session.refresh(article)
    assert article.slug == "third-title"


def test_an_article_can_take_back_its_own_old_slug(
    client, csrf_token, login, make_user, make_article
):
    author = login(client, make_user())
    make_article(author, title="Hello")
    token = csrf_token(client, "/")
    client.post("/editor/hello", data=editor_form(token, title="Goodbye"))
    response = client.post("/editor/goodbye", data=editor_form(token, title="Hello"))
    assert response.headers["Location"] == "/article/hello"
    assert client.get("/article/hello").status_code == 200
    assert client.get("/article/goodbye").headers["Location"] == "/article/hello"


def test_a_retired_slug_is_not_given_to_another_article(
    client, csrf_token, login, make_user, make_article
):
    author = login(client, make_user())
    make_article(author, title="Hello")
    client.post("/editor/hello", data=editor_form(csrf_token(client, "/"), title="Goodbye"))
    newcomer = make_article(title="Hello")
    assert newcomer.slug != "hello"
    assert client.get("/article/hello").headers["Location"] == "/article/goodbye"


def test_deleting_an_article_removes_it_from_every_list(
    client, csrf_token, login, make_user, make_article, db
):
    author = login(client, make_user("jake"))
    article = make_article(author, title="Doomed", tags=["gone"])
    token = csrf_token(client, f"/article/{article.slug}")
    response = client.post(f"/article/{article.slug}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Article deleted." in home
    assert "Doomed" not in home
    assert "Doomed" not in client.get("/profile/jake").get_data(as_text=True)
    assert client.get(f"/article/{article.slug}").status_code == 404
    assert article_count(db) == 0


def test_another_user_cannot_delete_an_article(
    client, csrf_token, login, make_user, make_article, db
):
    article = make_article(make_user("author"))
    login(client, make_user("intruder"))
    token = csrf_token(client, f"/article/{article.slug}")
    response = client.post(f"/article/{article.slug}/delete", data={"csrf_token": token})
    assert response.status_code == 403
    assert article_count(db) == 1


def test_deleting_without_a_csrf_token_changes_nothing(client, login, make_user, make_article, db):
    author = login(client, make_user())
    article = make_article(author)
    assert client.post(f"/article/{article.slug}/delete").status_code == 400
    assert article_count(db) == 1


def test_favoriting_and_unfavoriting_an_article(
    client, csrf_token, login, make_user, make_article, db
):
    reader = login(client, make_user("reader"))
    article = make_article(make_user(), title="Good read")
    token = csrf_token(client, f"/article/{article.slug}")
    response = client.post(
        f"/article/{article.slug}/favorite", data={"csrf_token": token, "next": "/?page=1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/?page=1"
    rows = db.session.execute(select(favorites)).all()
    assert [(row.user_id, row.article_id) for row in rows] == [(reader.id, article.id)]
    page = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert "Added “Good read” to your favorites." in page
    assert "Unfavorite article" in page
    assert '<span class="button__count" data-testid="favorites-count">1</span>' in page

    response = client.post(f"/article/{article.slug}/unfavorite", data={"csrf_token": token})
    assert response.headers["Location"] == f"/article/{article.slug}"
    assert db.session.execute(select(favorites)).first() is None


def test_favoriting_refuses_an_off_site_next(client, csrf_token, login, make_user, make_article):
    login(client, make_user())
    article = make_article()
    token = csrf_token(client, f"/article/{article.slug}")
    response = client.post(
        f"/article/{article.slug}/favorite",
        data={"csrf_token": token, "next": "https://evil.example/"},
    )
    assert response.headers["Location"] == f"/article/{article.slug}"


def test_a_signed_out_visitor_cannot_favorite(client, csrf_token, make_article, db):
    article = make_article()
    response = client.post(
        f"/article/{article.slug}/favorite", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert db.session.execute(select(favorites)).first() is None


def test_an_unexpected_failure_shows_the_friendly_500_page(client, monkeypatch):
    def broken(**_options) -> list[str]:
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(Tag, "names_in_use", broken)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "<title>Something went wrong · Conduit</title>" in page
    assert "fell over" not in page


def test_the_article_page_runs_the_same_queries_for_any_number_of_comments(
    client, login, make_user, make_article, make_comment, count_queries
):
    login(client, make_user())
    article = make_article(tags=["a", "b"])

    def queries_for_article() -> int:
        with count_queries() as counter:
            assert client.get(f"/article/{article.slug}").status_code == 200
        return counter.count

    make_comment(article)
    few = queries_for_article()
    for _ in range(10):
        make_comment(article)
    assert queries_for_article() == few


def test_the_api_keeps_answering_404_for_a_retired_slug(
    client, csrf_token, login, make_user, make_article
):
    author = login(client, make_user())
    make_article(author, title="Before")
    client.post("/editor/before", data=editor_form(csrf_token(client, "/"), title="After"))
    assert client.get("/article/before").status_code == 301
    assert client.get("/api/v1/articles/before").status_code == 404
    assert client.get("/api/v1/articles/after").status_code == 200


def test_pages_carry_no_inline_script_style_or_handlers(
    client, login, make_user, make_article, make_comment
):
    user = login(client, make_user("jake"))
    article = make_article(user, body="<b onclick='x()' style='color:red'>hi</b>")
    make_comment(article, user)
    urls = [
        "/",
        "/feed",
        "/?tag=x",
        f"/article/{article.slug}",
        "/editor",
        f"/editor/{article.slug}",
        "/settings",
        "/profile/jake",
        "/profile/jake/favorites",
        "/missing-page",
    ]
    anonymous = client.application.test_client()
    for browser, url in [(client, url) for url in urls] + [
        (anonymous, "/login"),
        (anonymous, "/register"),
    ]:
        page = browser.get(url).get_data(as_text=True)
        assert '<html lang="en">' in page, url
        for script in re.findall(r"<script[^>]*>", page):
            assert re.fullmatch(r'<script src="/static/js/[\w-]+\.js" defer>', script), url
        for tag in re.findall(r"<[^>]+>", page):
            assert not re.search(r"\s(style|on[a-z]+)=", tag), (url, tag)
        assert re.search(r"<title>[^<]+ · Conduit</title>", page), url
        for landmark in ("<header", "<nav", "<main", "<footer"):
            assert landmark in page, (url, landmark)
