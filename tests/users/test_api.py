"""The current user (GET/PUT /user) and profiles (/profiles/<username>) through the API."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from flask import current_app
from sqlalchemy import func, select

from app.auth.tokens import issue_token, user_from_token
from app.users.models import User, follows
from tests.contract import DEFAULT_AVATAR_URL
from tests.factories import DEFAULT_PASSWORD

CURRENT_USER = "/api/v1/user"
LOGIN = "/api/v1/users/login"


def profile_url(username: str) -> str:
    return f"/api/v1/profiles/{username}"


def follow_url(username: str) -> str:
    return f"/api/v1/profiles/{username}/follow"


def signed(claims: dict, *, key: str | None = None, algorithm: str = "HS256") -> str:
    """Return claims signed with key, the app's own SECRET_KEY unless given."""
    return jwt.encode(claims, key or current_app.config["SECRET_KEY"], algorithm=algorithm)


def claims_for(user, *, issued: datetime | None = None) -> dict:
    issued = issued or datetime.now(UTC)
    return {"sub": str(user.id), "iat": issued, "exp": issued + timedelta(hours=1)}


def token_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def follow_rows(db, follower, followed) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(follows)
        .where(follows.c.follower_id == follower.id, follows.c.followed_id == followed.id)
    )


def signs_in(client, email: str, password: str) -> bool:
    response = client.post(LOGIN, json={"user": {"email": email, "password": password}})
    return response.status_code == 200


def assert_error(response, status_code: int, field: str) -> None:
    """Assert the response is the API's error shape with messages for field."""
    assert response.status_code == status_code
    errors = response.json["errors"]
    assert isinstance(errors, dict)
    assert errors[field]
    assert all(isinstance(message, str) and message for message in errors[field])


def test_current_user_answers_the_user_and_the_token_presented(client, make_user, auth_headers):
    user = make_user("jake", email="jake@jake.jake", bio="bio", image="https://a.io/j.png")
    headers = auth_headers(user)

    response = client.get(CURRENT_USER, headers=headers)

    assert response.status_code == 200
    assert response.json == {
        "user": {
            "email": "jake@jake.jake",
            "token": headers["Authorization"].removeprefix("Token "),
            "username": "jake",
            "bio": "bio",
            "image": "https://a.io/j.png",
            "emailVerified": False,
            "notifyOnFollow": True,
            "notifyOnComment": True,
        }
    }
    assert "password" not in response.get_data(as_text=True)


def test_current_user_bio_and_image_are_empty_strings_not_null(client, make_user, auth_headers):
    response = client.get(CURRENT_USER, headers=auth_headers(make_user()))

    assert response.json["user"]["bio"] == ""
    assert response.json["user"]["image"] == DEFAULT_AVATAR_URL


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token", "bearer", "TOKEN", "BeArEr"])
def test_current_user_accepts_token_and_bearer_in_any_case(client, make_user, auth_headers, scheme):
    user = make_user("jake")

    response = client.get(CURRENT_USER, headers=auth_headers(user, scheme=scheme))

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"


def test_current_user_tolerates_extra_space_around_the_token(client, make_user):
    token = issue_token(make_user("jake"))

    response = client.get(CURRENT_USER, headers={"Authorization": f"  Token   {token}  "})

    assert response.status_code == 200


def test_current_user_token_is_usable_again(client, make_user, auth_headers):
    first = client.get(CURRENT_USER, headers=auth_headers(make_user("jake")))

    again = client.get(CURRENT_USER, headers=token_header(first.json["user"]["token"]))

    assert again.status_code == 200
    assert again.json["user"]["username"] == "jake"


def test_current_user_requires_a_token(client):
    response = client.get(CURRENT_USER)

    assert_error(response, 401, "token")


@pytest.mark.parametrize(
    "header",
    ["", "Token", "Token ", "Bearer", "Basic amFrZTpqYWtl", "garbage", "Tokenabc", "JWT abc"],
)
def test_current_user_rejects_a_malformed_authorization_header(client, make_user, header):
    make_user()

    response = client.get(CURRENT_USER, headers={"Authorization": header})

    assert_error(response, 401, "token")


def test_current_user_rejects_a_token_in_another_scheme(client, make_user):
    token = issue_token(make_user())

    response = client.get(CURRENT_USER, headers={"Authorization": f"Basic {token}"})

    assert_error(response, 401, "token")


def test_current_user_ignores_a_token_sent_without_a_scheme(client, make_user):
    token = issue_token(make_user())

    response = client.get(CURRENT_USER, headers={"Authorization": token})

    assert_error(response, 401, "token")


def test_current_user_rejects_an_expired_token(client, make_user):
    user = make_user()
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)

    response = client.get(
        CURRENT_USER, headers=token_header(signed(claims_for(user, issued=two_hours_ago)))
    )

    assert_error(response, 401, "token")


def test_current_user_accepts_a_token_crafted_with_the_app_key(client, make_user):
    user = make_user("jake")

    response = client.get(CURRENT_USER, headers=token_header(signed(claims_for(user))))

    assert response.status_code == 200


def test_current_user_rejects_a_token_signed_with_another_key(client, make_user):
    token = signed(claims_for(make_user()), key="another-secret-key-that-is-32-bytes-long!")

    response = client.get(CURRENT_USER, headers=token_header(token))

    assert_error(response, 401, "token")


def test_current_user_rejects_an_unsigned_token(client, make_user):
    token = jwt.encode(claims_for(make_user()), None, algorithm="none")

    response = client.get(CURRENT_USER, headers=token_header(token))

    assert_error(response, 401, "token")


def test_current_user_rejects_a_token_whose_payload_was_changed(client, make_user):
    make_user("victim")
    attacker = make_user("attacker")
    header, _, signature = issue_token(attacker).split(".")
    victim_claims = claims_for(User.by_username("victim"))
    forged_payload = signed(victim_claims).split(".")[1]

    response = client.get(
        CURRENT_USER, headers=token_header(f"{header}.{forged_payload}.{signature}")
    )

    assert_error(response, 401, "token")


def test_current_user_rejects_the_token_of_a_deleted_user(client, db, make_user, auth_headers):
    user = make_user()
    headers = auth_headers(user)
    db.session.delete(user)
    db.session.commit()

    response = client.get(CURRENT_USER, headers=headers)

    assert_error(response, 401, "token")


def test_current_user_ignores_the_session_cookie(client, make_user):
    token = issue_token(make_user())
    client.set_cookie("session", token)
    client.set_cookie("token", token)

    response = client.get(CURRENT_USER)

    assert_error(response, 401, "token")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "jacob"),
        ("email", "jacob@jake.jake"),
        ("bio", "I like to skateboard"),
        ("image", "https://i.stack.imgur.com/xHWG8.jpg"),
        ("image", "http://example.com/jake.png"),
    ],
)
def test_update_changes_only_the_field_sent(client, db, make_user, auth_headers, field, value):
    before = {
        "username": "jake",
        "email": "jake@jake.jake",
        "bio": "old bio",
        "image": "https://a.io/old.png",
    }
    user = make_user(**before)

    response = client.put(CURRENT_USER, json={"user": {field: value}}, headers=auth_headers(user))

    expected = {**before, field: value}
    assert response.status_code == 200
    assert {name: response.json["user"][name] for name in expected} == expected
    db.session.expire_all()
    stored = User.by_id(user.id)
    assert {name: getattr(stored, name) for name in expected} == expected
    assert signs_in(client, stored.email, DEFAULT_PASSWORD)


def test_update_answers_a_token_for_the_updated_user(client, make_user, auth_headers):
    user = make_user("jake")

    response = client.put(
        CURRENT_USER, json={"user": {"username": "jacob"}}, headers=auth_headers(user)
    )

    token = response.json["user"]["token"]
    assert user_from_token(token).id == user.id
    me = client.get(CURRENT_USER, headers=token_header(token))
    assert me.json["user"]["username"] == "jacob"


def test_update_changes_several_fields_at_once(client, make_user, auth_headers):
    user = make_user("jake")
    changes = {"username": "jacob", "email": "jacob@jake.jake", "bio": "hi", "image": ""}

    response = client.put(CURRENT_USER, json={"user": changes}, headers=auth_headers(user))

    assert response.status_code == 200
    assert {name: response.json["user"][name] for name in changes} == {
        **changes,
        "image": DEFAULT_AVATAR_URL,
    }


def test_a_user_without_a_picture_gets_the_absolute_url_of_the_default_one(
    client, make_user, auth_headers
):
    user = make_user("jake")

    url = client.get(CURRENT_USER, headers=auth_headers(user)).json["user"]["image"]

    with client.get(url) as picture:
        assert picture.status_code == 200
        assert picture.mimetype == "image/svg+xml"


def test_sending_back_the_default_picture_keeps_the_user_without_one(
    client, db, make_user, auth_headers
):
    user = make_user("jake", image="https://example.com/me.png")

    response = client.put(
        CURRENT_USER, json={"user": {"image": DEFAULT_AVATAR_URL}}, headers=auth_headers(user)
    )

    assert response.json["user"]["image"] == DEFAULT_AVATAR_URL
    db.session.refresh(user)
    assert user.image == ""


def test_update_with_no_fields_changes_nothing(client, db, make_user, auth_headers):
    user = make_user("jake", bio="bio")

    response = client.put(CURRENT_USER, json={"user": {}}, headers=auth_headers(user))

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"
    assert response.json["user"]["bio"] == "bio"


@pytest.mark.parametrize("cleared", [None, ""])
def test_update_clears_bio_and_image_with_null_or_empty(
    client, db, make_user, auth_headers, cleared
):
    user = make_user(bio="bio", image="https://a.io/j.png")

    response = client.put(
        CURRENT_USER, json={"user": {"bio": cleared, "image": cleared}}, headers=auth_headers(user)
    )

    assert response.status_code == 200
    assert response.json["user"]["bio"] == ""
    assert response.json["user"]["image"] == DEFAULT_AVATAR_URL
    db.session.expire_all()
    assert (User.by_id(user.id).bio, User.by_id(user.id).image) == ("", "")


@pytest.mark.parametrize(
    "image",
    [
        "javascript:alert(1)",
        "ftp://example.com/a.png",
        "data:image/png;base64,AAAA",
        "file:///etc/passwd",
        "not a url",
        "//example.com/a.png",
        "example.com/a.png",
        "https://" + "a" * 2050 + ".io",
        42,
        ["https://a.io/j.png"],
    ],
)
def test_update_rejects_an_image_that_is_not_an_http_url(
    client, db, make_user, auth_headers, image
):
    user = make_user(image="https://a.io/old.png")

    response = client.put(CURRENT_USER, json={"user": {"image": image}}, headers=auth_headers(user))

    assert_error(response, 422, "image")
    db.session.expire_all()
    assert User.by_id(user.id).image == "https://a.io/old.png"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", ""),
        ("username", "  "),
        ("username", None),
        ("username", "j" * 41),
        ("username", "ja ke"),
        ("username", 7),
        ("email", ""),
        ("email", None),
        ("email", "not-an-email"),
        ("email", ["jake@jake.jake"]),
        ("bio", "b" * 2001),
        ("bio", 7),
        ("password", "short"),
        ("password", "          "),
        ("password", "p" * 1025),
        ("password", 12345678),
    ],
)
def test_update_rejects_an_invalid_field(client, db, make_user, auth_headers, field, value):
    user = make_user("jake", email="jake@jake.jake", bio="bio")

    response = client.put(CURRENT_USER, json={"user": {field: value}}, headers=auth_headers(user))

    assert_error(response, 422, field)
    db.session.expire_all()
    stored = User.by_id(user.id)
    assert (stored.username, stored.email, stored.bio) == ("jake", "jake@jake.jake", "bio")
    assert signs_in(client, "jake@jake.jake", DEFAULT_PASSWORD)


def test_update_rejects_a_bio_containing_a_nul_character(client, make_user, auth_headers):
    user = make_user()

    response = client.put(
        CURRENT_USER, json={"user": {"bio": "a\u0000b"}}, headers=auth_headers(user)
    )

    assert_error(response, 422, "bio")


def test_update_of_the_password_replaces_the_old_one(client, make_user, auth_headers):
    user = make_user(email="jake@jake.jake")

    response = client.put(
        CURRENT_USER, json={"user": {"password": "brand-new-secret"}}, headers=auth_headers(user)
    )

    assert response.status_code == 200
    assert "password" not in response.get_data(as_text=True)
    assert signs_in(client, "jake@jake.jake", "brand-new-secret")
    assert not signs_in(client, "jake@jake.jake", DEFAULT_PASSWORD)


def test_update_stores_the_new_password_hashed(client, db, make_user, auth_headers):
    user = make_user()

    client.put(
        CURRENT_USER, json={"user": {"password": "brand-new-secret"}}, headers=auth_headers(user)
    )

    db.session.expire_all()
    stored = User.by_id(user.id)
    assert "brand-new-secret" not in stored.password_hash
    assert stored.check_password("brand-new-secret")


@pytest.mark.parametrize("body", [{"password": ""}, {"password": None}, {"bio": "new"}])
def test_update_without_a_password_keeps_the_old_one(client, make_user, auth_headers, body):
    user = make_user(email="jake@jake.jake")

    response = client.put(CURRENT_USER, json={"user": body}, headers=auth_headers(user))

    assert response.status_code == 200
    assert signs_in(client, "jake@jake.jake", DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("field", "taken"),
    [("username", "celeb"), ("email", "celeb@example.com"), ("email", "CELEB@Example.com")],
)
def test_update_rejects_a_name_or_email_another_user_has(
    client, db, make_user, auth_headers, field, taken
):
    make_user("celeb", email="celeb@example.com")
    user = make_user("jake", email="jake@jake.jake")

    response = client.put(CURRENT_USER, json={"user": {field: taken}}, headers=auth_headers(user))

    assert_error(response, 422, field)
    assert response.json["errors"][field] == ["has already been taken"]
    db.session.expire_all()
    assert (User.by_id(user.id).username, User.by_id(user.id).email) == ("jake", "jake@jake.jake")


def test_update_accepts_your_own_username_and_email_again(client, make_user, auth_headers):
    user = make_user("jake", email="jake@jake.jake")
    own = {"username": "jake", "email": "jake@jake.jake", "bio": "new"}

    response = client.put(CURRENT_USER, json={"user": own}, headers=auth_headers(user))

    assert response.status_code == 200
    assert response.json["user"]["bio"] == "new"


def test_update_accepts_your_own_email_in_another_case(client, db, make_user, auth_headers):
    user = make_user("jake", email="jake@jake.jake")

    response = client.put(
        CURRENT_USER, json={"user": {"email": "Jake@Jake.Jake"}}, headers=auth_headers(user)
    )

    assert response.status_code == 200
    assert response.json["user"]["email"] == "Jake@Jake.Jake"


def test_update_ignores_fields_it_does_not_know(client, db, make_user, auth_headers):
    other = make_user("other")
    user = make_user("jake")

    response = client.put(
        CURRENT_USER,
        json={"user": {"id": other.id, "token": "forged", "following": True, "bio": "b"}},
        headers=auth_headers(user),
    )

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"
    assert response.json["user"]["token"] != "forged"
    db.session.expire_all()
    assert User.by_id(user.id).bio == "b"
    assert User.by_id(other.id).bio == ""


def test_update_requires_a_token(client, db, make_user):
    user = make_user("jake")

    response = client.put(CURRENT_USER, json={"user": {"username": "jacob"}})

    assert_error(response, 401, "token")
    db.session.expire_all()
    assert User.by_id(user.id).username == "jake"


@pytest.mark.parametrize("body", [{}, {"user": None}, {"user": "jacob"}, {"username": "jacob"}])
def test_update_rejects_a_body_without_a_user_object(client, make_user, auth_headers, body):
    response = client.put(CURRENT_USER, json=body, headers=auth_headers(make_user()))

    assert_error(response, 422, "user")


@pytest.mark.parametrize("raw", ["{not json", "", "[]"])
def test_update_rejects_a_body_that_is_not_a_json_object(client, make_user, auth_headers, raw):
    response = client.put(
        CURRENT_USER,
        data=raw,
        content_type="application/json",
        headers=auth_headers(make_user()),
    )

    assert_error(response, 400, "body")


def test_profile_answers_the_public_fields(client, make_user):
    make_user("jake", email="jake@jake.jake", bio="bio", image="https://a.io/j.png")

    response = client.get(profile_url("jake"))

    assert response.status_code == 200
    assert response.json == {
        "profile": {
            "username": "jake",
            "bio": "bio",
            "image": "https://a.io/j.png",
            "following": False,
        }
    }


def test_profile_bio_and_image_are_empty_strings_not_null(client, make_user):
    make_user("jake")

    response = client.get(profile_url("jake"))

    assert response.json["profile"]["bio"] == ""
    assert response.json["profile"]["image"] == DEFAULT_AVATAR_URL


def test_profile_says_following_when_the_viewer_follows(client, db, make_user, auth_headers):
    jake = make_user("jake")
    viewer = make_user("viewer")
    db.session.execute(follows.insert().values(follower_id=viewer.id, followed_id=jake.id))
    db.session.commit()

    response = client.get(profile_url("jake"), headers=auth_headers(viewer))

    assert response.status_code == 200
    assert response.json["profile"]["following"] is True


def test_profile_following_is_for_the_viewer_only(client, db, make_user, auth_headers):
    jake = make_user("jake")
    fan = make_user("fan")
    stranger = make_user("stranger")
    db.session.execute(follows.insert().values(follower_id=fan.id, followed_id=jake.id))
    db.session.commit()

    as_stranger = client.get(profile_url("jake"), headers=auth_headers(stranger))
    anonymous = client.get(profile_url("jake"))
    fan_profile_seen_by_jake = client.get(profile_url("fan"), headers=auth_headers(jake))

    assert as_stranger.json["profile"]["following"] is False
    assert anonymous.json["profile"]["following"] is False
    assert fan_profile_seen_by_jake.json["profile"]["following"] is False


def test_profile_of_yourself_is_not_followed(client, make_user, auth_headers):
    jake = make_user("jake")

    response = client.get(profile_url("jake"), headers=auth_headers(jake))

    assert response.json["profile"]["following"] is False


def test_profile_of_an_unknown_user_is_404(client, make_user):
    make_user("jake")

    response = client.get(profile_url("nobody"))

    assert_error(response, 404, "profile")


def test_profile_username_is_matched_exactly(client, make_user):
    make_user("jake")

    response = client.get(profile_url("JAKE"))

    assert_error(response, 404, "profile")


def test_profile_of_a_name_containing_a_nul_character_is_404(client, make_user):
    make_user("jake")

    response = client.get(profile_url("ja%00ke"))

    assert_error(response, 404, "username")


@pytest.mark.parametrize("header", ["Token not-a-jwt", "Basic amFrZTpqYWtl", "Token"])
def test_profile_rejects_a_bad_token_rather_than_ignoring_it(client, make_user, header):
    make_user("jake")

    response = client.get(profile_url("jake"), headers={"Authorization": header})

    assert_error(response, 401, "token")


def test_profile_rejects_an_expired_token(client, make_user):
    make_user("jake")
    viewer = make_user("viewer")
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)

    response = client.get(
        profile_url("jake"), headers=token_header(signed(claims_for(viewer, issued=two_hours_ago)))
    )

    assert_error(response, 401, "token")


def test_follow_answers_the_profile_as_followed(client, db, make_user, auth_headers):
    jake = make_user("jake", bio="bio")
    fan = make_user("fan")

    response = client.post(follow_url("jake"), headers=auth_headers(fan))

    assert response.status_code == 200
    assert response.json == {
        "profile": {
            "username": "jake",
            "bio": "bio",
            "image": DEFAULT_AVATAR_URL,
            "following": True,
        }
    }
    assert follow_rows(db, fan, jake) == 1
    assert follow_rows(db, jake, fan) == 0


def test_follow_shows_in_the_profile_afterwards(client, make_user, auth_headers):
    make_user("jake")
    fan = make_user("fan")

    client.post(follow_url("jake"), headers=auth_headers(fan))
    response = client.get(profile_url("jake"), headers=auth_headers(fan))

    assert response.json["profile"]["following"] is True


def test_follow_twice_keeps_one_row(client, db, make_user, auth_headers):
    jake = make_user("jake")
    fan = make_user("fan")

    first = client.post(follow_url("jake"), headers=auth_headers(fan))
    second = client.post(follow_url("jake"), headers=auth_headers(fan))

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json["profile"]["following"] is True
    assert follow_rows(db, fan, jake) == 1


def test_follow_ignores_a_body(client, db, make_user, auth_headers):
    jake = make_user("jake")
    fan = make_user("fan")

    response = client.post(
        follow_url("jake"), json={"profile": {"following": False}}, headers=auth_headers(fan)
    )

    assert response.status_code == 200
    assert follow_rows(db, fan, jake) == 1


def test_follow_of_yourself_is_422(client, db, make_user, auth_headers):
    jake = make_user("jake")

    response = client.post(follow_url("jake"), headers=auth_headers(jake))

    assert_error(response, 422, "profile")
    assert follow_rows(db, jake, jake) == 0


def test_follow_of_an_unknown_user_is_404(client, db, make_user, auth_headers):
    response = client.post(follow_url("nobody"), headers=auth_headers(make_user("fan")))

    assert_error(response, 404, "profile")
    assert db.session.scalar(select(func.count()).select_from(follows)) == 0


def test_follow_requires_a_token(client, db, make_user):
    make_user("jake")

    response = client.post(follow_url("jake"))

    assert_error(response, 401, "token")
    assert db.session.scalar(select(func.count()).select_from(follows)) == 0


def test_unfollow_answers_the_profile_as_not_followed(client, db, make_user, auth_headers):
    jake = make_user("jake")
    fan = make_user("fan")
    other_fan = make_user("other_fan")
    client.post(follow_url("jake"), headers=auth_headers(fan))
    client.post(follow_url("jake"), headers=auth_headers(other_fan))

    response = client.delete(follow_url("jake"), headers=auth_headers(fan))

    assert response.status_code == 200
    assert response.json == {
        "profile": {"username": "jake", "bio": "", "image": DEFAULT_AVATAR_URL, "following": False}
    }
    assert follow_rows(db, fan, jake) == 0
    assert follow_rows(db, other_fan, jake) == 1


def test_unfollow_of_someone_not_followed_is_harmless(client, db, make_user, auth_headers):
    make_user("jake")
    fan = make_user("fan")

    response = client.delete(follow_url("jake"), headers=auth_headers(fan))

    assert response.status_code == 200
    assert response.json["profile"]["following"] is False


def test_unfollow_of_an_unknown_user_is_404(client, make_user, auth_headers):
    response = client.delete(follow_url("nobody"), headers=auth_headers(make_user("fan")))

    assert_error(response, 404, "profile")


def test_unfollow_requires_a_token(client, db, make_user, auth_headers):
    jake = make_user("jake")
    fan = make_user("fan")
    client.post(follow_url("jake"), headers=auth_headers(fan))

    response = client.delete(follow_url("jake"))

    assert_error(response, 401, "token")
    assert follow_rows(db, fan, jake) == 1


def test_deleting_a_user_removes_their_follows(client, db, make_user, auth_headers):
    jake = make_user("jake")
    fan = make_user("fan")
    client.post(follow_url("jake"), headers=auth_headers(fan))
    client.post(follow_url("fan"), headers=auth_headers(jake))

    db.session.delete(fan)
    db.session.commit()

    assert db.session.scalar(select(func.count()).select_from(follows)) == 0
