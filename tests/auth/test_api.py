"""Registration (POST /users) and sign-in (POST /users/login) through the API."""

import pytest
from sqlalchemy import func, select

from app.auth.tokens import user_from_token
from app.users.models import User
from tests.contract import DEFAULT_AVATAR_URL
from tests.factories import DEFAULT_PASSWORD

# Our additions to the RealWorld user (tests/contract.py), in the order they are sent.
OUR_USER_ORDER = ["emailVerified", "notifyOnFollow", "notifyOnComment"]

REGISTER = "/api/v1/users"
LOGIN = "/api/v1/users/login"
VALID = {"username": "jake", "email": "jake@jake.jake", "password": "jakejake1"}


def registration(**changes):
    """Return a valid registration body with changes applied."""
    return {"user": {**VALID, **changes}}


def user_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def assert_error(response, status_code: int, field: str) -> None:
    """Assert the response is the API's error shape with messages for field."""
    assert response.status_code == status_code
    errors = response.json["errors"]
    assert isinstance(errors, dict)
    assert isinstance(errors[field], list)
    assert errors[field]
    assert all(isinstance(message, str) and message for message in errors[field])


def test_register_answers_201_with_the_user_and_a_token(client, db):
    response = client.post(REGISTER, json=registration())

    assert response.status_code == 201
    user = response.json["user"]
    assert list(user) == ["email", "token", "username", "bio", "image", *OUR_USER_ORDER]
    assert user["email"] == "jake@jake.jake"
    assert user["username"] == "jake"
    assert user["bio"] == ""
    assert user["image"] == DEFAULT_AVATAR_URL
    assert user["emailVerified"] is False
    assert isinstance(user["token"], str)
    assert user_from_token(user["token"]).username == "jake"


def test_register_never_returns_the_password_or_its_hash(client, db):
    response = client.post(REGISTER, json=registration())

    stored = User.by_username("jake")
    body = response.get_data(as_text=True)
    assert "password" not in body
    assert VALID["password"] not in body
    assert stored.password_hash not in body


def test_register_stores_the_password_hashed(client, db):
    client.post(REGISTER, json=registration())

    stored = User.by_username("jake")
    assert stored.password_hash != VALID["password"]
    assert VALID["password"] not in stored.password_hash
    assert stored.password_hash.startswith("$argon2id$")
    assert stored.check_password(VALID["password"])


def test_register_token_signs_the_new_user_in(client, db):
    token = client.post(REGISTER, json=registration()).json["user"]["token"]

    response = client.get("/api/v1/user", headers={"Authorization": f"Token {token}"})

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"


def test_register_trims_surrounding_space(client, db):
    response = client.post(
        REGISTER, json=registration(username="  jake ", email=" jake@jake.jake  ")
    )

    assert response.status_code == 201
    assert response.json["user"]["username"] == "jake"
    assert response.json["user"]["email"] == "jake@jake.jake"


def test_register_ignores_fields_it_does_not_know(client, db):
    body = registration(
        id=999, token="forged", bio="sneaky", image="https://example.com/a.png", admin=True
    )

    response = client.post(REGISTER, json=body)

    assert response.status_code == 201
    assert response.json["user"]["bio"] == ""
    assert response.json["user"]["image"] == DEFAULT_AVATAR_URL
    assert response.json["user"]["token"] != "forged"
    stored = User.by_username("jake")
    assert stored.id != 999
    assert (stored.bio, stored.image) == ("", "")


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_rejects_a_missing_field(client, db, field):
    body = registration()
    del body["user"][field]

    response = client.post(REGISTER, json=body)

    assert_error(response, 422, field)
    assert response.json["errors"][field] == ["can't be blank"]
    assert user_count(db) == 0


@pytest.mark.parametrize("field", ["username", "email", "password"])
@pytest.mark.parametrize("blank", ["", "   ", " \t\n ", "          "])
def test_register_rejects_a_blank_field(client, db, field, blank):
    response = client.post(REGISTER, json=registration(**{field: blank}))

    assert_error(response, 422, field)
    assert user_count(db) == 0


@pytest.mark.parametrize("field", ["username", "email", "password"])
@pytest.mark.parametrize("value", [12345678, 1.5, True, ["jakejake1"], {"a": "jakejake1"}])
def test_register_rejects_a_field_that_is_not_a_string(client, db, field, value):
    response = client.post(REGISTER, json=registration(**{field: value}))

    assert_error(response, 422, field)
    assert user_count(db) == 0


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_rejects_a_null_field(client, db, field):
    response = client.post(REGISTER, json=registration(**{field: None}))

    assert_error(response, 422, field)
    assert response.json["errors"][field] == ["can't be blank"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "j" * 41),
        ("email", "j" * 245 + "@jake.jake"),
        ("password", "p" * 1025),
    ],
)
def test_register_rejects_a_field_that_is_too_long(client, db, field, value):
    response = client.post(REGISTER, json=registration(**{field: value}))

    assert_error(response, 422, field)
    assert user_count(db) == 0


def test_register_accepts_fields_at_their_longest(client, db):
    body = registration(username="j" * 40, email="j" * 244 + "@jake.jake", password="p" * 1024)

    response = client.post(REGISTER, json=body)

    assert response.status_code == 201
    assert response.json["user"]["username"] == "j" * 40


@pytest.mark.parametrize(
    "email", ["jake", "jake@", "@jake.jake", "jake@jake", "ja ke@jake.jake", "jake@@jake.jake"]
)
def test_register_rejects_a_malformed_email(client, db, email):
    response = client.post(REGISTER, json=registration(email=email))

    assert_error(response, 422, "email")
    assert response.json["errors"]["email"] == ["is invalid"]


@pytest.mark.parametrize("username", ["ja ke", "jake/smith", "<jake>", "jake?"])
def test_register_rejects_a_username_with_unsafe_characters(client, db, username):
    response = client.post(REGISTER, json=registration(username=username))

    assert_error(response, 422, "username")


@pytest.mark.parametrize("password", ["a", "1234567", "abc 123"])
def test_register_rejects_a_password_shorter_than_eight_characters(client, db, password):
    response = client.post(REGISTER, json=registration(password=password))

    assert_error(response, 422, "password")


def test_register_accepts_a_password_of_exactly_eight_characters(client, db):
    response = client.post(REGISTER, json=registration(password="k8#mzq2w"))

    assert response.status_code == 201


@pytest.mark.parametrize("taken", ["jake@jake.jake", "JAKE@Jake.Jake", " jake@JAKE.jake "])
def test_register_rejects_an_email_taken_in_any_case(client, db, make_user, taken):
    make_user("someone", email="jake@jake.jake")

    response = client.post(REGISTER, json=registration(email=taken))

    assert_error(response, 422, "email")
    assert response.json["errors"]["email"] == ["has already been taken"]
    assert user_count(db) == 1


def test_register_rejects_an_email_taken_in_upper_case_by_its_lower_case(client, db, make_user):
    make_user("someone", email="A@x.io")

    response = client.post(REGISTER, json=registration(email="a@x.io"))

    assert_error(response, 422, "email")
    assert user_count(db) == 1


def test_register_rejects_a_taken_username(client, db, make_user):
    make_user("jake", email="other@example.com")

    response = client.post(REGISTER, json=registration())

    assert_error(response, 422, "username")
    assert response.json["errors"]["username"] == ["has already been taken"]
    assert user_count(db) == 1


def test_register_reports_every_taken_field_at_once(client, db, make_user):
    make_user("jake", email="jake@jake.jake")

    response = client.post(REGISTER, json=registration())

    assert response.status_code == 422
    assert response.json["errors"] == {
        "username": ["has already been taken"],
        "email": ["has already been taken"],
    }


def test_register_reports_every_invalid_field_at_once(client, db):
    response = client.post(REGISTER, json={"user": {"email": "nope", "password": "short"}})

    assert response.status_code == 422
    assert set(response.json["errors"]) == {"username", "email", "password"}


@pytest.mark.parametrize(
    "raw",
    ["{not json", "", "null", "[]", '[{"user": {}}]', '"user"', "42", '{"user": '],
)
def test_register_rejects_a_body_that_is_not_a_json_object(client, db, raw):
    response = client.post(REGISTER, data=raw, content_type="application/json")

    assert_error(response, 400, "body")
    assert user_count(db) == 0


def test_register_rejects_a_body_sent_without_a_content_type(client, db):
    response = client.post(REGISTER, data="username=jake&password=jakejake1")

    assert_error(response, 400, "body")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "jake", "email": "jake@jake.jake", "password": "jakejake1"},
        {"user": None},
        {"user": "jake"},
        {"user": ["jake", "jake@jake.jake", "jakejake1"]},
        {"user": 1},
    ],
)
def test_register_rejects_a_body_without_a_user_object(client, db, body):
    response = client.post(REGISTER, json=body)

    assert_error(response, 422, "user")
    assert user_count(db) == 0


def test_login_answers_200_with_the_user_and_a_fresh_token(client, db, make_user):
    make_user("jake", email="jake@jake.jake", bio="I work at statefarm")

    response = client.post(
        LOGIN, json={"user": {"email": "jake@jake.jake", "password": DEFAULT_PASSWORD}}
    )

    assert response.status_code == 200
    user = response.json["user"]
    assert list(user) == ["email", "token", "username", "bio", "image", *OUR_USER_ORDER]
    assert user["username"] == "jake"
    assert user["email"] == "jake@jake.jake"
    assert user["bio"] == "I work at statefarm"
    assert user["image"] == DEFAULT_AVATAR_URL
    assert user_from_token(user["token"]).username == "jake"
    assert "password" not in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["JAKE@JAKE.JAKE", "Jake@Jake.Jake", "  jake@jake.jake "])
def test_login_matches_the_email_in_any_case(client, db, make_user, typed):
    make_user("jake", email="jake@jake.jake")

    response = client.post(LOGIN, json={"user": {"email": typed, "password": DEFAULT_PASSWORD}})

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"


def test_login_finds_a_user_registered_with_an_upper_case_email(client, db, make_user):
    make_user("jake", email="Jake@Jake.Jake")

    response = client.post(
        LOGIN, json={"user": {"email": "jake@jake.jake", "password": DEFAULT_PASSWORD}}
    )

    assert response.status_code == 200
    assert response.json["user"]["email"] == "Jake@Jake.Jake"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("jake@jake.jake", "wrong-password"),
        ("jake@jake.jake", DEFAULT_PASSWORD.upper()),
        ("jake@jake.jake", f" {DEFAULT_PASSWORD}"),
        ("jake@jake.jake", ""),
        ("nobody@jake.jake", DEFAULT_PASSWORD),
    ],
)
def test_login_rejects_wrong_credentials_with_401(client, db, make_user, email, password):
    make_user("jake", email="jake@jake.jake")

    response = client.post(LOGIN, json={"user": {"email": email, "password": password}})

    assert_error(response, 401, "email or password")
    assert "token" not in response.get_data(as_text=True)


def test_login_answers_the_same_for_unknown_email_and_wrong_password(client, db, make_user):
    make_user("jake", email="jake@jake.jake")

    unknown = client.post(
        LOGIN, json={"user": {"email": "nobody@jake.jake", "password": DEFAULT_PASSWORD}}
    )
    wrong = client.post(LOGIN, json={"user": {"email": "jake@jake.jake", "password": "nope-nope"}})

    assert unknown.json == wrong.json


@pytest.mark.parametrize(
    ("credentials", "field"),
    [
        ({"password": DEFAULT_PASSWORD}, "email"),
        ({"email": "jake@jake.jake"}, "password"),
        ({"email": "", "password": DEFAULT_PASSWORD}, "email"),
        ({"email": "   ", "password": DEFAULT_PASSWORD}, "email"),
        ({"email": None, "password": DEFAULT_PASSWORD}, "email"),
        ({"email": "jake@jake.jake", "password": None}, "password"),
        ({"email": 42, "password": DEFAULT_PASSWORD}, "email"),
        ({"email": ["jake@jake.jake"], "password": DEFAULT_PASSWORD}, "email"),
        ({"email": "jake@jake.jake", "password": 12345678}, "password"),
        ({"email": "jake@jake.jake", "password": [DEFAULT_PASSWORD]}, "password"),
    ],
)
def test_login_rejects_missing_or_malformed_fields_with_422(
    client, db, make_user, credentials, field
):
    make_user("jake", email="jake@jake.jake")

    response = client.post(LOGIN, json={"user": credentials})

    assert_error(response, 422, field)


@pytest.mark.parametrize("body", [{}, {"user": None}, {"user": "jake"}, {"user": []}])
def test_login_rejects_a_body_without_a_user_object(client, db, body):
    response = client.post(LOGIN, json=body)

    assert_error(response, 422, "user")


@pytest.mark.parametrize("raw", ["{not json", "", "[]", "null"])
def test_login_rejects_a_body_that_is_not_a_json_object(client, db, raw):
    response = client.post(LOGIN, data=raw, content_type="application/json")

    assert_error(response, 400, "body")


def test_login_rejects_an_email_containing_a_nul_character(client, db, make_user):
    make_user("jake", email="jake@jake.jake")

    response = client.post(
        LOGIN, json={"user": {"email": "jake\u0000@jake.jake", "password": DEFAULT_PASSWORD}}
    )

    assert_error(response, 422, "email")


def test_a_long_password_registers_and_signs_in(client, db):
    password = "p4ss-" * 40

    registered = client.post(REGISTER, json=registration(password=password))
    signed_in = client.post(LOGIN, json={"user": {"email": VALID["email"], "password": password}})
    truncated = client.post(
        LOGIN, json={"user": {"email": VALID["email"], "password": password[:-1]}}
    )

    assert len(password) == 200
    assert registered.status_code == 201
    assert signed_in.status_code == 200
    assert truncated.status_code == 401


def test_a_password_with_surrounding_space_is_kept_as_typed(client, db):
    password = "  jakejake1  "

    client.post(REGISTER, json=registration(password=password))
    exact = client.post(LOGIN, json={"user": {"email": VALID["email"], "password": password}})
    trimmed = client.post(
        LOGIN, json={"user": {"email": VALID["email"], "password": password.strip()}}
    )

    assert exact.status_code == 200
    assert trimmed.status_code == 401
