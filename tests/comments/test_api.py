import re

import pytest
from sqlalchemy import func, select

from app.articles.comments.models import Comment
from app.extensions import db
from app.users.models import follows
from tests.contract import DEFAULT_AVATAR_URL

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def comments_url(article) -> str:
    return f"/api/v1/articles/{article.slug}/comments"


def comment_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def follow(follower, followed) -> None:
    db.session.execute(follows.insert().values(follower_id=follower.id, followed_id=followed.id))
    db.session.commit()


def test_anyone_can_list_comments_with_their_author_profiles(
    client, make_article, make_comment, make_user
):
    article = make_article()
    writer = make_user("writer", bio="I comment", image="https://example.com/w.png")
    comment = make_comment(article, writer, body="First!")

    response = client.get(comments_url(article))

    assert response.status_code == 200
    assert response.json == {
        "comments": [
            {
                "id": comment.id,
                "createdAt": response.json["comments"][0]["createdAt"],
                "updatedAt": response.json["comments"][0]["updatedAt"],
                "body": "First!",
                "edited": False,
                "author": {
                    "username": "writer",
                    "bio": "I comment",
                    "image": "https://example.com/w.png",
                    "following": False,
                },
            }
        ]
    }
    assert TIMESTAMP.match(response.json["comments"][0]["createdAt"])
    assert TIMESTAMP.match(response.json["comments"][0]["updatedAt"])


def test_comments_are_listed_newest_first(client, make_article, make_comment):
    article = make_article()
    older = make_comment(article, body="older")
    newer = make_comment(article, body="newer")

    response = client.get(comments_url(article))

    assert [comment["id"] for comment in response.json["comments"]] == [newer.id, older.id]


def test_listing_shows_only_the_articles_own_comments(client, make_article, make_comment):
    article = make_article()
    other_article = make_article()
    mine = make_comment(article)
    make_comment(other_article)

    response = client.get(comments_url(article))

    assert [comment["id"] for comment in response.json["comments"]] == [mine.id]


def test_an_article_without_comments_lists_none(client, make_article):
    response = client.get(comments_url(make_article()))

    assert response.status_code == 200
    assert response.json == {"comments": []}


def test_signed_in_reader_sees_whom_they_follow(
    client, auth_headers, make_article, make_comment, make_user
):
    reader = make_user()
    followed = make_user()
    stranger = make_user()
    article = make_article()
    make_comment(article, followed, body="by followed")
    make_comment(article, stranger, body="by stranger")
    follow(reader, followed)

    response = client.get(comments_url(article), headers=auth_headers(reader))

    assert response.status_code == 200
    following = {
        comment["author"]["username"]: comment["author"]["following"]
        for comment in response.json["comments"]
    }
    assert following == {followed.username: True, stranger.username: False}


def test_listing_comments_of_an_unknown_article_is_not_found(client):
    response = client.get("/api/v1/articles/no-such-article/comments")

    assert response.status_code == 404
    assert "article" in response.json["errors"]


def test_listing_comments_with_an_invalid_token_is_unauthorized(client, make_article):
    response = client.get(
        comments_url(make_article()), headers={"Authorization": "Token not-a-jwt"}
    )

    assert response.status_code == 401
    assert "token" in response.json["errors"]


def test_signed_in_user_adds_a_comment(client, auth_headers, make_article, make_user):
    article = make_article()
    writer = make_user("commenter", bio="Hi", image="")

    response = client.post(
        comments_url(article),
        json={"comment": {"body": "  Thank you so much!  "}},
        headers=auth_headers(writer),
    )

    assert response.status_code == 200
    comment = response.json["comment"]
    assert set(comment) == {"id", "createdAt", "updatedAt", "body", "edited", "author"}
    assert comment["body"] == "Thank you so much!"
    assert comment["edited"] is False
    assert comment["updatedAt"] == comment["createdAt"]
    assert comment["author"] == {
        "username": "commenter",
        "bio": "Hi",
        "image": DEFAULT_AVATAR_URL,
        "following": False,
    }
    assert TIMESTAMP.match(comment["createdAt"])
    assert TIMESTAMP.match(comment["updatedAt"])
    stored = db.session.get(Comment, comment["id"])
    assert (stored.body, stored.article_id, stored.author_id) == (
        "Thank you so much!",
        article.id,
        writer.id,
    )


def test_added_comment_appears_first_in_the_listing(
    client, auth_headers, make_article, make_comment, make_user
):
    article = make_article()
    make_comment(article, body="earlier")

    added = client.post(
        comments_url(article),
        json={"comment": {"body": "later"}},
        headers=auth_headers(make_user()),
    )
    listing = client.get(comments_url(article))

    assert listing.json["comments"][0]["id"] == added.json["comment"]["id"]
    assert [comment["body"] for comment in listing.json["comments"]] == ["later", "earlier"]


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ({"body": ""}, "can't be blank"),
        ({"body": "   "}, "can't be blank"),
        ({}, "can't be blank"),
        ({"body": None}, "can't be blank"),
        ({"body": 42}, "must be a string"),
        ({"body": ["a list"]}, "must be a string"),
        ({"body": "x" * 10_001}, "is too long (maximum is 10000 characters)"),
    ],
)
def test_invalid_comment_body_is_rejected(
    client, auth_headers, make_article, make_user, comment, message
):
    response = client.post(
        comments_url(make_article()),
        json={"comment": comment},
        headers=auth_headers(make_user()),
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"body": [message]}}
    assert comment_count() == 0


def test_comment_body_at_the_length_limit_is_accepted(
    client, auth_headers, make_article, make_user
):
    response = client.post(
        comments_url(make_article()),
        json={"comment": {"body": "x" * 10_000}},
        headers=auth_headers(make_user()),
    )

    assert response.status_code == 200
    assert len(response.json["comment"]["body"]) == 10_000


def test_comment_without_its_envelope_is_rejected(client, auth_headers, make_article, make_user):
    response = client.post(
        comments_url(make_article()),
        json={"body": "no envelope"},
        headers=auth_headers(make_user()),
    )

    assert response.status_code == 422
    assert "comment" in response.json["errors"]
    assert comment_count() == 0


def test_adding_a_comment_needs_a_token(client, make_article):
    response = client.post(comments_url(make_article()), json={"comment": {"body": "anon"}})

    assert response.status_code == 401
    assert "token" in response.json["errors"]
    assert comment_count() == 0


def test_adding_a_comment_with_an_invalid_token_is_unauthorized(client, make_article):
    response = client.post(
        comments_url(make_article()),
        json={"comment": {"body": "forged"}},
        headers={"Authorization": "Token not-a-jwt"},
    )

    assert response.status_code == 401
    assert comment_count() == 0


def test_commenting_on_an_unknown_article_is_not_found(client, auth_headers, make_user):
    response = client.post(
        "/api/v1/articles/no-such-article/comments",
        json={"comment": {"body": "Hello?"}},
        headers=auth_headers(make_user()),
    )

    assert response.status_code == 404
    assert "article" in response.json["errors"]
    assert comment_count() == 0


def test_author_deletes_their_comment(client, auth_headers, make_article, make_comment):
    article = make_article()
    comment = make_comment(article)
    comment_id, author = comment.id, comment.author

    response = client.delete(f"{comments_url(article)}/{comment_id}", headers=auth_headers(author))

    assert response.status_code == 204
    assert response.data == b""
    db.session.expire_all()
    assert db.session.get(Comment, comment_id) is None


def test_another_user_cannot_delete_a_comment(
    client, auth_headers, make_article, make_comment, make_user
):
    article = make_article()
    comment = make_comment(article)
    comment_id = comment.id

    response = client.delete(
        f"{comments_url(article)}/{comment_id}", headers=auth_headers(make_user())
    )

    assert response.status_code == 403
    assert "comment" in response.json["errors"]
    db.session.expire_all()
    assert db.session.get(Comment, comment_id) is not None


def test_article_author_cannot_delete_someone_elses_comment(
    client, auth_headers, make_article, make_comment
):
    article = make_article()
    comment_id = make_comment(article).id

    response = client.delete(
        f"{comments_url(article)}/{comment_id}", headers=auth_headers(article.author)
    )

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, comment_id) is not None


def test_deleting_an_unknown_comment_is_not_found(client, auth_headers, make_article, make_user):
    response = client.delete(
        f"{comments_url(make_article())}/999999", headers=auth_headers(make_user())
    )

    assert response.status_code == 404
    assert "comment" in response.json["errors"]


def test_deleting_a_comment_through_another_article_is_not_found(
    client, auth_headers, make_article, make_comment
):
    article = make_article()
    other_article = make_article()
    comment = make_comment(other_article)
    comment_id, author = comment.id, comment.author

    response = client.delete(f"{comments_url(article)}/{comment_id}", headers=auth_headers(author))

    assert response.status_code == 404
    assert "comment" in response.json["errors"]
    db.session.expire_all()
    assert db.session.get(Comment, comment_id) is not None


def test_deleting_a_comment_of_an_unknown_article_is_not_found(
    client, auth_headers, make_article, make_comment
):
    comment = make_comment(make_article())

    response = client.delete(
        f"/api/v1/articles/no-such-article/comments/{comment.id}",
        headers=auth_headers(comment.author),
    )

    assert response.status_code == 404
    assert "article" in response.json["errors"]
    assert comment_count() == 1


def test_deleting_a_comment_needs_a_token(client, make_article, make_comment):
    article = make_article()
    comment = make_comment(article)

    response = client.delete(f"{comments_url(article)}/{comment.id}")

    assert response.status_code == 401
    assert "token" in response.json["errors"]
    assert comment_count() == 1


def test_comments_are_deleted_with_their_article(client, auth_headers, make_article, make_comment):
    article = make_article()
    other_article = make_article()
    make_comment(article)
    make_comment(article)
    kept = make_comment(other_article)
    kept_id = kept.id

    response = client.delete(
        f"/api/v1/articles/{article.slug}", headers=auth_headers(article.author)
    )

    assert response.status_code == 204
    db.session.expire_all()
    assert db.session.scalars(select(Comment.id)).all() == [kept_id]


def test_deleting_a_comment_by_a_non_numeric_id_is_not_found(client, auth_headers, make_article):
    article = make_article()

    response = client.delete(f"{comments_url(article)}/abc", headers=auth_headers(article.author))

    assert response.status_code == 404
    assert "errors" in response.json


def test_listing_comments_takes_the_same_queries_however_many_there_are(
    client, auth_headers, make_article, make_comment, make_user, count_queries
):
    reader = make_user()
    article = make_article()
    headers = auth_headers(reader)

    make_comment(article)
    db.session.expire_all()
    with count_queries() as few:
        client.get(comments_url(article), headers=headers)
    for _ in range(5):
        make_comment(article)
    db.session.expire_all()
    with count_queries() as many:
        response = client.get(comments_url(article), headers=headers)

    assert len(response.json["comments"]) == 6
    assert many.count == few.count
