"""Drafts on the site: saved and previewed from the editor, listed on their author's own
Drafts tab, and nowhere else."""

import re

from sqlalchemy import func, select

from app.articles.models import Article
from tests.articles.test_views import editor_form, previews


def article_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Article))


def test_save_draft_keeps_it_off_every_list_and_shows_it_to_its_author(
    client, csrf_token, login, make_user, db
):
    author = login(client, make_user("writer"))
    form = editor_form(csrf_token(client, "/editor"), action="draft")

    response = client.post("/editor", data=form, follow_redirects=True)

    page = response.get_data(as_text=True)
    article = db.session.scalar(select(Article))
    assert response.status_code == 200
    assert "Draft saved." in page
    assert 'data-testid="draft-badge"' in page
    assert article.published is False and article.published_at is None
    assert article.author_id == author.id
    assert previews(client.get("/").get_data(as_text=True)) == []
    assert previews(client.get("/profile/writer").get_data(as_text=True)) == []
    assert previews(client.get("/profile/writer/drafts").get_data(as_text=True)) == [article.slug]


def test_others_get_404_for_a_draft_and_its_drafts_tab(client, login, make_user, make_article):
    writer = make_user("writer")
    draft = make_article(writer, published=False)

    assert client.get(f"/article/{draft.slug}").status_code == 404
    login(client, make_user("reader"))
    assert client.get(f"/article/{draft.slug}").status_code == 404
    assert client.get("/profile/writer/drafts").status_code == 404
    assert 'data-testid="tab-drafts"' not in client.get("/profile/writer").get_data(as_text=True)


def test_the_drafts_tab_needs_a_signed_in_user(client, make_user):
    make_user("writer")

    response = client.get("/profile/writer/drafts")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_publishing_a_draft_from_the_editor_lists_it(
    client, csrf_token, login, make_user, make_article, db
):
    writer = login(client, make_user("writer"))
    draft = make_article(writer, title="Almost", published=False)
    form = editor_form(
        csrf_token(client, f"/editor/{draft.slug}"), title="Almost", action="publish"
    )

    response = client.post(f"/editor/{draft.slug}", data=form, follow_redirects=True)

    assert "Article updated." in response.get_data(as_text=True)
    assert previews(client.get("/").get_data(as_text=True)) == [draft.slug]
    db.session.expire_all()
    assert db.session.get(Article, draft.id).published_at is not None


def test_unpublishing_from_the_editor_takes_it_off_the_lists(
    client, csrf_token, login, make_user, make_article
):
    writer = login(client, make_user("writer"))
    article = make_article(writer, title="Live")
    form = editor_form(csrf_token(client, f"/editor/{article.slug}"), title="Live", action="draft")

    response = client.post(f"/editor/{article.slug}", data=form, follow_redirects=True)

    assert "Draft saved." in response.get_data(as_text=True)
    assert previews(client.get("/").get_data(as_text=True)) == []


def test_preview_renders_the_body_and_saves_nothing(client, csrf_token, login, make_user, db):
    login(client, make_user())
    form = editor_form(
        csrf_token(client, "/editor"),
        body="# Big\n\n*soft*\n\n<script>alert(1)</script>",
        action="preview",
    )

    response = client.post("/editor", data=form)

    page = response.get_data(as_text=True)
    preview = re.search(r'data-testid="preview-body">(.*?)</div>', page, re.S)[1]
    assert response.status_code == 200
    assert "<h2>Big</h2>" in preview and "<em>soft</em>" in preview
    assert "<script>" not in preview
    assert 'value="How to train your dragon"' in page
    assert article_count(db) == 0


def test_an_old_slug_of_a_draft_redirects_only_its_author(
    client, csrf_token, login, make_user, make_article
):
    writer = login(client, make_user("writer"))
    draft = make_article(writer, title="First title", published=False)
    form = editor_form(
        csrf_token(client, f"/editor/{draft.slug}"), title="Second title", action="draft"
    )
    client.post(f"/editor/{draft.slug}", data=form)

    mine = client.get("/article/first-title")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    theirs = client.get("/article/first-title")

    assert mine.status_code == 301
    assert mine.headers["Location"] == "/article/second-title"
    assert theirs.status_code == 404
    assert "Location" not in theirs.headers


def test_cards_and_the_article_page_show_the_reading_time(client, make_article):
    article = make_article(body=" ".join(["word"] * 700))

    home = client.get("/").get_data(as_text=True)
    page = client.get(f"/article/{article.slug}").get_data(as_text=True)

    assert re.search(r'data-testid="reading-time">4 min read<', home)
    assert re.search(r'data-testid="reading-time">4 min read<', page)


def test_the_live_preview_answers_the_rendered_body_alone(client, csrf_token, login, make_user, db):
    login(client, make_user())
    token = csrf_token(client, "/editor")

    response = client.post(
        "/editor/preview", data={"csrf_token": token, "body": "**bold**<script>x</script>"}
    )

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == "<p><strong>bold</strong></p>\n"
    assert article_count(db) == 0


def test_the_live_preview_needs_a_signed_in_writer_and_the_forms_token(
    client, csrf_token, login, make_user
):
    token = csrf_token(client, "/login")
    anonymous = client.post("/editor/preview", data={"csrf_token": token, "body": "b"})
    login(client, make_user())
    forged = client.post("/editor/preview", data={"body": "b"})

    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]
    assert forged.status_code == 400


def test_a_preview_longer_than_an_article_may_be_is_refused(client, csrf_token, login, make_user):
    login(client, make_user())
    token = csrf_token(client, "/editor")
    too_long = "x" * 100_001

    live = client.post("/editor/preview", data={"csrf_token": token, "body": too_long})
    button = client.post("/editor", data=editor_form(token, body=too_long, action="preview"))

    assert live.status_code == 422
    assert button.status_code == 422
    assert "is too long (maximum is 100000 characters)" in button.get_data(as_text=True)
