from sqlalchemy import func, select

from app.articles.comments.models import Comment


def comment_bodies(db) -> list[str]:
    return list(db.session.scalars(select(Comment.body).order_by(Comment.id)))


def test_posting_a_comment(client, csrf_token, login, make_user, make_article, db):
    reader = login(client, make_user("reader"))
    article = make_article(make_user("author"))
    url = f"/article/{article.slug}"
    response = client.post(
        f"{url}/comments", data={"csrf_token": csrf_token(client, url), "body": "Great read!"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}#comments"
    comment = db.session.scalar(select(Comment))
    assert (comment.body, comment.author_id, comment.article_id) == (
        "Great read!",
        reader.id,
        article.id,
    )
    page = client.get(url).get_data(as_text=True)
    assert "Comment posted." in page
    assert '<p class="comment__body">Great read!</p>' in page
    assert 'data-testid="delete-comment"' in page


def test_a_blank_comment_is_shown_again_with_its_error(
    client, csrf_token, login, make_user, make_article, db
):
    login(client, make_user())
    article = make_article(title="Discussed")
    url = f"/article/{article.slug}"
    response = client.post(
        f"{url}/comments", data={"csrf_token": csrf_token(client, url), "body": "  "}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Discussed · Conduit</title>" in page
    assert "Comment can&#39;t be blank" in page
    assert 'aria-invalid="true"' in page
    assert f'name="next" value="{url}"' in page
    assert 'value="/article/discussed/comments"' not in page
    assert comment_bodies(db) == []


def test_a_too_long_comment_keeps_the_text_typed(
    client, csrf_token, login, make_user, make_article, db
):
    login(client, make_user())
    article = make_article()
    url = f"/article/{article.slug}"
    body = "word " * 2001
    response = client.post(
        f"{url}/comments", data={"csrf_token": csrf_token(client, url), "body": body}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Comment is too long (maximum is 10000 characters)" in page
    assert body.strip() in page
    assert comment_bodies(db) == []


def test_comment_text_is_shown_as_text_not_html(client, make_user, make_article, make_comment):
    article = make_article()
    make_comment(article, make_user(), body="<script>alert(1)</script> **not bold**")
    page = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **not bold**" in page
    assert "<script>alert(1)" not in page


def test_comments_are_listed_newest_first_with_their_authors(
    client, make_user, make_article, make_comment
):
    article = make_article()
    make_comment(article, make_user("first"), body="Older comment")
    make_comment(article, make_user("second"), body="Newer comment")
    page = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert page.index("Newer comment") < page.index("Older comment")
    assert 'href="/profile/first"' in page and 'href="/profile/second"' in page
    assert '<span class="comments__count">2</span>' in page
    assert 'data-testid="delete-comment"' not in page


def test_posting_without_a_csrf_token_changes_nothing(client, login, make_user, make_article, db):
    login(client, make_user())
    article = make_article()
    response = client.post(f"/article/{article.slug}/comments", data={"body": "Sneaky"})
    assert response.status_code == 400
    assert comment_bodies(db) == []


def test_a_signed_out_visitor_cannot_comment(client, csrf_token, make_article, db):
    article = make_article()
    response = client.post(
        f"/article/{article.slug}/comments", data={"csrf_token": csrf_token(client), "body": "Hi"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert comment_bodies(db) == []


def test_commenting_on_an_unknown_article_is_a_404(client, csrf_token, login, make_user, db):
    login(client, make_user())
    response = client.post(
        "/article/nope/comments", data={"csrf_token": csrf_token(client, "/"), "body": "Hi"}
    )
    assert response.status_code == 404
    assert comment_bodies(db) == []


def test_deleting_your_own_comment(
    client, csrf_token, login, make_user, make_article, make_comment, db
):
    author = login(client, make_user())
    article = make_article()
    comment = make_comment(article, author, body="Regrettable")
    url = f"/article/{article.slug}"
    response = client.post(
        f"{url}/comments/{comment.id}/delete", data={"csrf_token": csrf_token(client, url)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}#comments"
    page = client.get(url).get_data(as_text=True)
    assert "Comment deleted." in page
    assert "Regrettable" not in page
    assert comment_bodies(db) == []


def test_another_users_comment_cannot_be_deleted(
    client, csrf_token, login, make_user, make_article, make_comment, db
):
    article = make_article()
    comment = make_comment(article, make_user("author"), body="Mine")
    login(client, make_user("intruder"))
    url = f"/article/{article.slug}"
    response = client.post(
        f"{url}/comments/{comment.id}/delete", data={"csrf_token": csrf_token(client, url)}
    )
    assert response.status_code == 403
    assert "You can&#39;t do that" in response.get_data(as_text=True)
    assert comment_bodies(db) == ["Mine"]


def test_a_comment_is_deleted_only_through_its_own_article(
    client, csrf_token, login, make_user, make_article, make_comment, db
):
    author = login(client, make_user())
    comment = make_comment(make_article(), author, body="Stays")
    other = make_article()
    response = client.post(
        f"/article/{other.slug}/comments/{comment.id}/delete",
        data={"csrf_token": csrf_token(client, "/")},
    )
    assert response.status_code == 404
    assert comment_bodies(db) == ["Stays"]


def test_deleting_a_comment_without_a_csrf_token_changes_nothing(
    client, login, make_user, make_article, make_comment, db
):
    author = login(client, make_user())
    article = make_article()
    comment = make_comment(article, author)
    response = client.post(f"/article/{article.slug}/comments/{comment.id}/delete")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
