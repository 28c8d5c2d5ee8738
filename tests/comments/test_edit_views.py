"""Editing a comment on the pages: the Edit link, the form, and what it refuses."""

import re

import pytest

from app.articles.comments.models import Comment


def edit_url(comment) -> str:
    return f"/article/{comment.article.slug}/comments/{comment.id}/edit"


def stored_body(db, comment_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Comment, comment_id).body


def test_only_the_comments_author_sees_its_edit_link(
    client, login, make_user, make_article, make_comment
):
    article = make_article()
    author = make_user()
    comment = make_comment(article, author, body="Mine")
    make_comment(article, make_user(), body="Someone else's")
    page = f"/article/{article.slug}"

    signed_out = client.get(page).get_data(as_text=True)
    login(client, author)
    signed_in = client.get(page).get_data(as_text=True)

    assert 'data-testid="edit-comment"' not in signed_out
    assert signed_in.count('data-testid="edit-comment"') == 1
    assert f'href="{edit_url(comment)}"' in signed_in


def test_the_edit_form_holds_the_comment(client, login, make_user, make_article, make_comment):
    author = login(client, make_user())
    comment = make_comment(make_article(title="Discussed"), author, body="Typo <here>")

    response = client.get(edit_url(comment))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Edit your comment · Conduit</title>" in page
    assert 'name="csrf_token"' in page
    assert f'action="{edit_url(comment)}"' in page
    assert ">Typo &lt;here&gt;</textarea>" in page
    assert 'href="/article/discussed">Discussed</a>' in page
    assert f'href="/article/discussed#comment-{comment.id}">Cancel</a>' in page


def test_saving_the_form_returns_to_the_comment_marked_edited(
    client, csrf_token, login, make_user, make_article, make_comment, db
):
    author = login(client, make_user())
    article = make_article()
    comment = make_comment(article, author, body="Frist")
    url, page = edit_url(comment), f"/article/{article.slug}"

    response = client.post(url, data={"csrf_token": csrf_token(client, url), "body": " First "})

    assert response.status_code == 302
    assert response.headers["Location"] == f"{page}#comment-{comment.id}"
    assert stored_body(db, comment.id) == "First"
    shown = client.get(page).get_data(as_text=True)
    assert "Comment updated." in shown
    assert '<p class="comment__body">First</p>' in shown
    edited = re.search(r'data-testid="comment-edited">edited\s*<time datetime="([^"]+)">', shown)
    assert edited and edited.group(1) == db.session.get(Comment, comment.id).updated_at.isoformat()


def test_an_unedited_comment_is_not_marked(client, make_article, make_comment):
    article = make_article()
    make_comment(article, body="Fresh")

    page = client.get(f"/article/{article.slug}").get_data(as_text=True)

    assert "Fresh" in page
    assert 'data-testid="comment-edited"' not in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  ", "Comment can&#39;t be blank"),
        ("word " * 2001, "Comment is too long (maximum is 10000 characters)"),
    ],
)
def test_an_invalid_edit_shows_the_form_again_with_its_message(
    client, csrf_token, login, make_user, make_article, make_comment, db, body, message
):
    author = login(client, make_user())
    comment = make_comment(make_article(), author, body="Mine")
    url = edit_url(comment)

    response = client.post(url, data={"csrf_token": csrf_token(client, url), "body": body})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'aria-invalid="true"' in page
    assert f"{body}</textarea>" in page
    assert stored_body(db, comment.id) == "Mine"


def test_an_edit_without_a_csrf_token_changes_nothing(
    client, login, make_user, make_article, make_comment, db
):
    author = login(client, make_user())
    comment = make_comment(make_article(), author, body="Mine")

    response = client.post(edit_url(comment), data={"body": "Forged"})

    assert response.status_code == 400
    assert stored_body(db, comment.id) == "Mine"


def test_a_signed_out_visitor_is_sent_to_sign_in(
    client, csrf_token, make_article, make_comment, db
):
    comment = make_comment(make_article(), body="Mine")
    url = edit_url(comment)

    shown = client.get(url)
    posted = client.post(url, data={"csrf_token": csrf_token(client), "body": "Anonymous"})

    assert shown.status_code == 302
    assert shown.headers["Location"] == f"/login?next={url}"
    assert posted.status_code == 302
    assert posted.headers["Location"] == "/login"
    assert stored_body(db, comment.id) == "Mine"


def test_another_users_comment_has_no_edit_form(
    client, login, make_user, make_article, make_comment
):
    comment = make_comment(make_article(), make_user(), body="Not yours")
    login(client, make_user())

    response = client.get(edit_url(comment))

    assert response.status_code == 403
    assert "Not yours" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("wrong", ["unknown article", "unknown comment", "another article"])
def test_a_comment_is_edited_only_through_its_own_article(
    client, csrf_token, login, make_user, make_article, make_comment, db, method, wrong
):
    author = login(client, make_user())
    comment = make_comment(make_article(), author, body="Stays")
    slug = {"unknown article": "no-such-article", "another article": make_article().slug}.get(
        wrong, comment.article.slug
    )
    comment_id = 999_999 if wrong == "unknown comment" else comment.id
    url = f"/article/{slug}/comments/{comment_id}/edit"

    form = {"csrf_token": csrf_token(client, "/"), "body": "Moved"}
    response = client.open(url, method=method, data=form if method == "POST" else None)

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert stored_body(db, comment.id) == "Stays"
