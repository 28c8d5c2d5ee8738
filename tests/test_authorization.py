"""Who may change what: for every write route, through the API and the pages, another user
is refused (403) or acts only on themselves, and the database is left as it was; fields a
client must not set (id, author, counts, timestamps, slug, account flags) are ignored."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.articles.comments.models import Comment
from app.articles.models import Article, favorites
from app.extensions import db
from app.users.models import User, follows

LONG_AGO = "2001-01-01T00:00:00.000Z"


def database_state() -> dict[str, list[tuple]]:
    """Return every row of every table, read outside the test's session."""
    with db.engine.connect() as connection:
        return {
            table.name: sorted(connection.execute(select(table)).all(), key=repr)
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def world(make_user, make_article, make_comment):
    """An author with a tagged article, a commenter's comment on it, and a would-be intruder
    who has a favorite and a follow of their own, plus the author's own favorite and follow."""
    author, commenter, intruder = make_user("author"), make_user("commenter"), make_user("intruder")
    article = make_article(author, title="Original title", tags=["kept"])
    comment = make_comment(article, commenter, body="Original comment")
    other_article = make_article(intruder, title="Intruder's own")
    db.session.execute(
        favorites.insert().values(
            [
                {"user_id": author.id, "article_id": article.id},
                {"user_id": commenter.id, "article_id": article.id},
            ]
        )
    )
    db.session.execute(
        follows.insert().values([{"follower_id": commenter.id, "followed_id": author.id}])
    )
    db.session.commit()
    return {
        "author": author,
        "commenter": commenter,
        "intruder": intruder,
        "article": article,
        "comment": comment,
        "other_article": other_article,
    }


# The API


def api_attempts(world) -> dict[str, tuple[str, str, dict | None]]:
    slug = world["article"].slug
    comment_id = world["comment"].id
    return {
        "edit another's article": (
            "PUT",
            f"/api/v1/articles/{slug}",
            {"article": {"title": "Hijacked", "body": "Defaced", "tagList": []}},
        ),
        "delete another's article": ("DELETE", f"/api/v1/articles/{slug}", None),
        "edit another's comment": (
            "PUT",
            f"/api/v1/articles/{slug}/comments/{comment_id}",
            {"comment": {"body": "Defaced"}},
        ),
        "delete another's comment": (
            "DELETE",
            f"/api/v1/articles/{slug}/comments/{comment_id}",
            None,
        ),
    }


@pytest.mark.parametrize(
    "attempt",
    [
        "edit another's article",
        "delete another's article",
        "edit another's comment",
        "delete another's comment",
    ],
)
def test_api_refuses_another_users_write_and_changes_nothing(client, auth_headers, world, attempt):
    method, url, body = api_attempts(world)[attempt]
    before = database_state()

    response = client.open(url, method=method, json=body, headers=auth_headers(world["intruder"]))

    assert response.status_code == 403
    assert set(response.json["errors"]) <= {"article", "comment"}
    assert database_state() == before


def test_the_articles_author_cannot_delete_a_readers_comment_either(client, auth_headers, world):
    url = f"/api/v1/articles/{world['article'].slug}/comments/{world['comment'].id}"
    before = database_state()

    response = client.delete(url, headers=auth_headers(world["author"]))

    assert response.status_code == 403
    assert database_state() == before


def test_a_comment_cannot_be_deleted_through_another_article(client, auth_headers, world):
    url = f"/api/v1/articles/{world['other_article'].slug}/comments/{world['comment'].id}"
    before = database_state()

    response = client.delete(url, headers=auth_headers(world["intruder"]))

    assert response.status_code == 404
    assert database_state() == before


def test_updating_the_current_user_cannot_reach_another_user(client, auth_headers, world):
    intruder, author = world["intruder"], world["author"]
    body = {
        "user": {
            "id": author.id,
            "user_id": author.id,
            "username": "intruder2",
            "bio": "changed",
            "token": "whatever",
        }
    }
    before = database_state()

    response = client.put("/api/v1/user", json=body, headers=auth_headers(intruder))

    assert response.status_code == 200
    assert response.json["user"]["username"] == "intruder2"
    after = database_state()
    changed = [row for row in after["users"] if row not in before["users"]]
    assert [row.id for row in changed] == [intruder.id]
    assert {name: rows for name, rows in after.items() if name != "users"} == {
        name: rows for name, rows in before.items() if name != "users"
    }


def test_taking_another_users_name_or_email_is_refused(client, auth_headers, world):
    headers = auth_headers(world["intruder"])
    before = database_state()

    answers = [
        client.put("/api/v1/user", json={"user": {"username": "author"}}, headers=headers),
        client.put("/api/v1/user", json={"user": {"email": "AUTHOR@example.com"}}, headers=headers),
    ]

    assert [answer.status_code for answer in answers] == [422, 422]
    assert database_state() == before


def test_favoriting_acts_only_for_the_token_holder(client, auth_headers, world):
    intruder, article = world["intruder"], world["article"]
    url = f"/api/v1/articles/{article.slug}/favorite"
    body = {"user": {"id": world["author"].id}, "user_id": world["author"].id}

    favorited = client.post(url, json=body, headers=auth_headers(intruder))
    after_favorite = set(db.session.execute(select(favorites)).all())
    unfavorited = client.delete(url, json=body, headers=auth_headers(intruder))

    assert favorited.json["article"]["favoritesCount"] == 3
    assert after_favorite == {
        (world["author"].id, article.id),
        (world["commenter"].id, article.id),
        (intruder.id, article.id),
    }
    assert unfavorited.json["article"]["favoritesCount"] == 2
    db.session.expire_all()
    assert set(db.session.execute(select(favorites)).all()) == {
        (world["author"].id, article.id),
        (world["commenter"].id, article.id),
    }


def test_following_acts_only_for_the_token_holder(client, auth_headers, world):
    intruder, author, commenter = world["intruder"], world["author"], world["commenter"]
    body = {"profile": {"follower": commenter.username}, "follower_id": commenter.id}

    followed = client.post(
        "/api/v1/profiles/author/follow", json=body, headers=auth_headers(intruder)
    )
    after_follow = set(db.session.execute(select(follows)).all())
    unfollowed = client.delete(
        "/api/v1/profiles/author/follow", json=body, headers=auth_headers(intruder)
    )

    assert followed.status_code == 200 and unfollowed.status_code == 200
    assert after_follow == {(commenter.id, author.id), (intruder.id, author.id)}
    db.session.expire_all()
    assert set(db.session.execute(select(follows)).all()) == {(commenter.id, author.id)}


# Mass assignment through the API


def test_creating_an_article_ignores_fields_the_server_owns(client, auth_headers, world):
    intruder, author = world["intruder"], world["author"]
    body = {
        "article": {
            "title": "Fresh piece",
            "description": "d",
            "body": "b",
            "id": world["article"].id,
            "slug": world["article"].slug,
            "author": {"username": "author"},
            "author_id": author.id,
            "authorId": author.id,
            "favoritesCount": 99,
            "favorited": True,
            "createdAt": LONG_AGO,
            "updatedAt": LONG_AGO,
        }
    }

    response = client.post("/api/v1/articles", json=body, headers=auth_headers(intruder))

    assert response.status_code == 201
    article = response.json["article"]
    assert article["slug"] == "fresh-piece"
    assert article["author"]["username"] == "intruder"
    assert (article["favoritesCount"], article["favorited"]) == (0, False)
    created = datetime.fromisoformat(article["createdAt"])
    assert datetime.now(UTC) - created < timedelta(minutes=1)
    stored = db.session.scalar(select(Article).where(Article.slug == "fresh-piece"))
    assert stored.author_id == intruder.id
    assert stored.id != world["article"].id
    db.session.expire_all()
    assert db.session.get(Article, world["article"].id).title == "Original title"


def test_updating_an_article_ignores_fields_the_server_owns(client, auth_headers, world):
    author, article = world["author"], world["article"]
    body = {
        "article": {
            "body": "Edited body",
            "id": world["other_article"].id,
            "slug": "chosen-slug",
            "author": {"username": "intruder"},
            "author_id": world["intruder"].id,
            "favoritesCount": 0,
            "createdAt": LONG_AGO,
        }
    }

    response = client.put(
        f"/api/v1/articles/{article.slug}", json=body, headers=auth_headers(author)
    )

    assert response.status_code == 200
    updated = response.json["article"]
    assert (updated["slug"], updated["body"]) == (article.slug, "Edited body")
    assert updated["author"]["username"] == "author"
    assert updated["favoritesCount"] == 2
    assert updated["createdAt"] != LONG_AGO
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    assert (stored.author_id, stored.slug) == (author.id, article.slug)
    assert db.session.get(Article, world["other_article"].id).body != "Edited body"


def test_commenting_ignores_fields_the_server_owns(client, auth_headers, world):
    intruder = world["intruder"]
    body = {
        "comment": {
            "body": "Hello",
            "id": world["comment"].id,
            "author": {"username": "author"},
            "author_id": world["author"].id,
            "createdAt": LONG_AGO,
        }
    }

    response = client.post(
        f"/api/v1/articles/{world['article'].slug}/comments",
        json=body,
        headers=auth_headers(intruder),
    )

    assert response.status_code == 200
    comment = response.json["comment"]
    assert comment["id"] != world["comment"].id
    assert comment["author"]["username"] == "intruder"
    assert comment["createdAt"] != LONG_AGO
    db.session.expire_all()
    assert db.session.get(Comment, world["comment"].id).body == "Original comment"
    assert db.session.get(Comment, comment["id"]).author_id == intruder.id


ACCOUNT_FIELDS = {
    "id": 1,
    "is_admin": True,
    "isAdmin": True,
    "admin": True,
    "is_active": False,
    "token_version": 99,
    "password_hash": "plain",
    "created_at": LONG_AGO,
    "createdAt": LONG_AGO,
    "following": True,
}


def test_registering_ignores_account_fields(client, world):
    user = {"username": "newbie", "email": "newbie@example.com", "password": "pass-word-1"}

    response = client.post("/api/v1/users", json={"user": user | ACCOUNT_FIELDS})

    assert response.status_code == 201
    stored = User.by_username("newbie")
    assert stored.id not in {world["author"].id, world["commenter"].id, world["intruder"].id}
    assert (stored.is_admin, stored.is_active, stored.token_version) == (False, True, 0)
    assert stored.password_hash != "plain" and stored.check_password("pass-word-1")
    assert datetime.now(UTC) - stored.created_at < timedelta(minutes=1)


def test_updating_settings_ignores_account_fields(client, auth_headers, world):
    intruder = world["intruder"]

    response = client.put(
        "/api/v1/user",
        json={"user": {"bio": "new bio"} | ACCOUNT_FIELDS},
        headers=auth_headers(intruder),
    )

    assert response.status_code == 200
    db.session.expire_all()
    stored = db.session.get(User, intruder.id)
    assert stored.bio == "new bio"
    assert (stored.is_admin, stored.is_active, stored.token_version) == (False, True, 0)
    assert stored.check_password("correct-horse-battery")
    assert db.session.get(User, 1).username == "author"


# The pages


def page_attempts(world) -> dict[str, tuple[str, dict]]:
    slug = world["article"].slug
    return {
        "edit another's article": (
            f"/editor/{slug}",
            {"title": "Hijacked", "description": "x", "body": "Defaced", "tags": ""},
        ),
        "delete another's article": (f"/article/{slug}/delete", {}),
        "edit another's comment": (
            f"/article/{slug}/comments/{world['comment'].id}/edit",
            {"body": "Defaced"},
        ),
        "delete another's comment": (
            f"/article/{slug}/comments/{world['comment'].id}/delete",
            {},
        ),
    }


@pytest.mark.parametrize(
    "attempt",
    [
        "edit another's article",
        "delete another's article",
        "edit another's comment",
        "delete another's comment",
    ],
)
def test_pages_refuse_another_users_write_and_change_nothing(
    client, login, csrf_token, world, attempt
):
    login(client, world["intruder"])
    url, form = page_attempts(world)[attempt]
    token = csrf_token(client, f"/article/{world['article'].slug}")
    before = database_state()

    response = client.post(url, data=form | {"csrf_token": token})

    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert database_state() == before


def test_the_edit_page_of_another_users_article_is_refused(client, login, world):
    login(client, world["intruder"])

    response = client.get(f"/editor/{world['article'].slug}")

    assert response.status_code == 403
    assert "Original title" not in response.get_data(as_text=True)


def test_the_edit_page_of_another_users_comment_is_refused(client, login, world):
    login(client, world["intruder"])
    url = f"/article/{world['article'].slug}/comments/{world['comment'].id}/edit"

    response = client.get(url)

    assert response.status_code == 403
    assert "Original comment" not in response.get_data(as_text=True)


def test_a_comment_cannot_be_edited_through_another_article(client, auth_headers, world):
    url = f"/api/v1/articles/{world['other_article'].slug}/comments/{world['comment'].id}"
    before = database_state()

    response = client.put(
        url, json={"comment": {"body": "Moved"}}, headers=auth_headers(world["commenter"])
    )

    assert response.status_code == 404
    assert database_state() == before


def test_editing_a_comment_ignores_fields_the_server_owns(client, auth_headers, world):
    commenter, comment = world["commenter"], world["comment"]
    body = {
        "comment": {
            "body": "Edited",
            "id": comment.id + 1,
            "author": {"username": "author"},
            "author_id": world["author"].id,
            "article_id": world["other_article"].id,
            "createdAt": LONG_AGO,
            "edited": False,
        }
    }
    url = f"/api/v1/articles/{world['article'].slug}/comments/{comment.id}"

    response = client.put(url, json=body, headers=auth_headers(commenter))

    assert response.status_code == 200
    edited = response.json["comment"]
    assert (edited["id"], edited["author"]["username"]) == (comment.id, "commenter")
    assert (edited["createdAt"] != LONG_AGO, edited["edited"]) == (True, True)
    db.session.expire_all()
    stored = db.session.get(Comment, comment.id)
    assert (stored.body, stored.author_id, stored.article_id) == (
        "Edited",
        commenter.id,
        world["article"].id,
    )


def test_the_settings_form_changes_only_the_signed_in_user(client, login, csrf_token, world):
    intruder = world["intruder"]
    login(client, intruder)
    form = {
        "csrf_token": csrf_token(client, "/settings"),
        "username": "intruder",
        "email": intruder.email,
        "bio": "mine",
        "id": world["author"].id,
        "user_id": world["author"].id,
        "is_admin": "true",
    }
    before = database_state()

    response = client.post("/settings", data=form)

    assert response.status_code == 302
    after = database_state()
    changed = [row for row in after["users"] if row not in before["users"]]
    assert [(row.id, row.bio, row.is_admin) for row in changed] == [(intruder.id, "mine", False)]


def test_favorite_and_follow_forms_act_only_for_the_signed_in_user(
    client, login, csrf_token, world
):
    intruder, author, commenter, article = (
        world["intruder"],
        world["author"],
        world["commenter"],
        world["article"],
    )
    login(client, intruder)
    token = csrf_token(client, f"/article/{article.slug}")
    as_someone_else = {"csrf_token": token, "user_id": commenter.id, "follower_id": commenter.id}

    answers = [
        client.post(f"/article/{article.slug}/favorite", data=as_someone_else),
        client.post("/profile/author/follow", data=as_someone_else),
    ]
    after_adding = (
        set(db.session.execute(select(favorites)).all()),
        set(db.session.execute(select(follows)).all()),
    )
    answers += [
        client.post(f"/article/{article.slug}/unfavorite", data=as_someone_else),
        client.post("/profile/author/unfollow", data=as_someone_else),
    ]

    assert [answer.status_code for answer in answers] == [302, 302, 302, 302]
    assert after_adding == (
        {(author.id, article.id), (commenter.id, article.id), (intruder.id, article.id)},
        {(commenter.id, author.id), (intruder.id, author.id)},
    )
    db.session.expire_all()
    assert set(db.session.execute(select(favorites)).all()) == {
        (author.id, article.id),
        (commenter.id, article.id),
    }
    assert set(db.session.execute(select(follows)).all()) == {(commenter.id, author.id)}
