"""Editing a comment through the API: PUT /articles/{slug}/comments/{id}, by its author only."""

from datetime import datetime

import pytest

from app.articles.comments.models import Comment
from app.extensions import db


def comment_url(comment) -> str:
    return f"/api/v1/articles/{comment.article.slug}/comments/{comment.id}"


def stored_body(comment_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Comment, comment_id).body


def edit(client, url: str, body, headers=None):
    return client.put(url, json={"comment": {"body": body}}, headers=headers)


def test_the_author_edits_their_comment(client, auth_headers, make_article, make_comment):
    comment = make_comment(make_article(), body="Frist!")
    comment_id, author, posted = comment.id, comment.author, comment.created_at

    response = edit(client, comment_url(comment), "  First!  ", auth_headers(author))

    assert response.status_code == 200
    edited = response.json["comment"]
    assert set(edited) == {"id", "createdAt", "updatedAt", "body", "edited", "author"}
    assert (edited["id"], edited["body"], edited["edited"]) == (comment_id, "First!", True)
    assert edited["author"]["username"] == author.username
    created, updated = (datetime.fromisoformat(edited[key]) for key in ("createdAt", "updatedAt"))
    assert created == posted.replace(microsecond=posted.microsecond // 1000 * 1000)
    assert updated > created
    assert stored_body(comment_id) == "First!"


def test_an_edited_comment_is_listed_with_its_new_body_and_marked(
    client, auth_headers, make_article, make_comment
):
    article = make_article()
    untouched = make_comment(article, body="Stays as it was")
    comment = make_comment(article, body="Before")
    url, author = comment_url(comment), comment.author

    edit(client, url, "After", auth_headers(author))
    listing = client.get(f"/api/v1/articles/{article.slug}/comments").json["comments"]

    assert [(item["id"], item["body"], item["edited"]) for item in listing] == [
        (comment.id, "After", True),
        (untouched.id, "Stays as it was", False),
    ]


def test_saving_the_same_body_again_does_not_mark_it_edited(
    client, auth_headers, make_article, make_comment
):
    comment = make_comment(make_article(), body="Unchanged")

    response = edit(client, comment_url(comment), "Unchanged", auth_headers(comment.author))

    assert response.status_code == 200
    assert response.json["comment"]["edited"] is False
    assert response.json["comment"]["updatedAt"] == response.json["comment"]["createdAt"]


def test_the_cached_comments_answer_shows_the_edit_at_once(
    client, auth_headers, make_article, make_comment, count_queries
):
    comment = make_comment(make_article(), body="Before")
    url, author = comment_url(comment), comment.author
    comments = url.rsplit("/", 1)[0]
    assert client.get(comments).status_code == 200
    db.session.remove()

    with count_queries() as counter:
        cached = client.get(comments).json["comments"]
    edit(client, url, "After", auth_headers(author))
    after_edit = client.get(comments).json["comments"]

    assert counter.count == 0
    assert [item["body"] for item in cached] == ["Before"]
    assert [(item["body"], item["edited"]) for item in after_edit] == [("After", True)]


def test_the_cached_article_page_shows_the_edit_at_once(
    client, auth_headers, make_article, make_comment, count_queries
):
    article = make_article()
    comment = make_comment(article, body="Before")
    url, author, page = comment_url(comment), comment.author, f"/article/{article.slug}"
    assert client.get(page).status_code == 200
    db.session.remove()

    with count_queries() as counter:
        cached = client.get(page).get_data(as_text=True)
    edit(client, url, "After", auth_headers(author))
    after_edit = client.get(page).get_data(as_text=True)

    assert counter.count == 0
    assert "Before" in cached and 'data-testid="comment-edited"' not in cached
    assert "After" in after_edit and "Before" not in after_edit
    assert 'data-testid="comment-edited"' in after_edit


def test_editing_needs_a_token(client, make_article, make_comment):
    comment = make_comment(make_article(), body="Mine")

    response = edit(client, comment_url(comment), "Anonymous edit")

    assert response.status_code == 401
    assert "token" in response.json["errors"]
    assert stored_body(comment.id) == "Mine"


def test_editing_with_an_invalid_token_is_unauthorized(client, make_article, make_comment):
    comment = make_comment(make_article(), body="Mine")

    response = edit(
        client, comment_url(comment), "Forged", headers={"Authorization": "Token not-a-jwt"}
    )

    assert response.status_code == 401
    assert stored_body(comment.id) == "Mine"


@pytest.mark.parametrize("editor", ["another reader", "the article's author"])
def test_only_the_comments_author_may_edit_it(
    client, auth_headers, make_article, make_comment, make_user, editor
):
    article = make_article()
    comment = make_comment(article, body="Mine")
    intruder = make_user() if editor == "another reader" else article.author

    response = edit(client, comment_url(comment), "Hijacked", auth_headers(intruder))

    assert response.status_code == 403
    assert response.json == {"errors": {"comment": ["only its author may edit it"]}}
    assert stored_body(comment.id) == "Mine"


def test_editing_a_comment_of_an_unknown_article_is_not_found(
    client, auth_headers, make_article, make_comment
):
    comment = make_comment(make_article(), body="Mine")

    response = edit(
        client,
        f"/api/v1/articles/no-such-article/comments/{comment.id}",
        "Lost",
        auth_headers(comment.author),
    )

    assert response.status_code == 404
    assert "article" in response.json["errors"]
    assert stored_body(comment.id) == "Mine"


@pytest.mark.parametrize("comment_id", ["999999", "abc"])
def test_editing_an_unknown_comment_is_not_found(
    client, auth_headers, make_article, make_user, comment_id
):
    article = make_article()

    response = edit(
        client,
        f"/api/v1/articles/{article.slug}/comments/{comment_id}",
        "Lost",
        auth_headers(make_user()),
    )

    assert response.status_code == 404
    assert "errors" in response.json


def test_a_comment_cannot_be_edited_through_another_article(
    client, auth_headers, make_article, make_comment
):
    comment = make_comment(make_article(), body="Mine")
    other = make_article()

    response = edit(
        client,
        f"/api/v1/articles/{other.slug}/comments/{comment.id}",
        "Moved",
        auth_headers(comment.author),
    )

    assert response.status_code == 404
    assert "comment" in response.json["errors"]
    assert stored_body(comment.id) == "Mine"


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ({"body": ""}, "can't be blank"),
        ({"body": " \n "}, "can't be blank"),
        ({}, "can't be blank"),
        ({"body": None}, "can't be blank"),
        ({"body": 42}, "must be a string"),
        ({"body": "nul \x00 inside"}, "must not contain NUL characters"),
        ({"body": "x" * 10_001}, "is too long (maximum is 10000 characters)"),
    ],
)
def test_an_invalid_body_is_refused(
    client, auth_headers, make_article, make_comment, comment, message
):
    original = make_comment(make_article(), body="Mine")

    response = client.put(
        comment_url(original), json={"comment": comment}, headers=auth_headers(original.author)
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"body": [message]}}
    assert stored_body(original.id) == "Mine"


def test_a_body_at_the_length_limit_is_accepted(client, auth_headers, make_article, make_comment):
    comment = make_comment(make_article())

    response = edit(client, comment_url(comment), "x" * 10_000, auth_headers(comment.author))

    assert response.status_code == 200
    assert len(response.json["comment"]["body"]) == 10_000


def test_an_edit_without_its_envelope_is_refused(client, auth_headers, make_article, make_comment):
    comment = make_comment(make_article(), body="Mine")

    response = client.put(
        comment_url(comment), json={"body": "No envelope"}, headers=auth_headers(comment.author)
    )

    assert response.status_code == 422
    assert "comment" in response.json["errors"]
    assert stored_body(comment.id) == "Mine"


@pytest.mark.parametrize("data", [b"not json", b'{"comment": ', b'["a list"]'])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    client, auth_headers, make_article, make_comment, data
):
    comment = make_comment(make_article(), body="Mine")

    response = client.put(
        comment_url(comment),
        data=data,
        content_type="application/json",
        headers=auth_headers(comment.author),
    )

    assert response.status_code == 400
    assert "body" in response.json["errors"]
    assert stored_body(comment.id) == "Mine"
