"""Issuing and reading the API's JSON Web Tokens."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from flask import current_app

from app.auth.tokens import issue_token, sign_in, user_from_token
from app.errors import Unauthorized


def claims_of(token: str) -> dict:
    return jwt.decode(token, current_app.config["SECRET_KEY"], algorithms=["HS256"])


def craft(claims: dict, *, key: str | None = None, algorithm: str = "HS256") -> str:
    """Return claims signed with key, the app's own SECRET_KEY unless given."""
    return jwt.encode(claims, key or current_app.config["SECRET_KEY"], algorithm=algorithm)


def valid_claims(user, **changes) -> dict:
    now = datetime.now(UTC)
    return {"sub": str(user.id), "iat": now, "exp": now + timedelta(hours=1), **changes}


def test_token_names_the_user_in_sub_as_a_string(make_user):
    user = make_user()

    claims = claims_of(issue_token(user))

    assert claims["sub"] == str(user.id)
    assert isinstance(claims["sub"], str)


def test_token_carries_issued_at_and_expiry(make_user):
    before = int(datetime.now(UTC).timestamp())

    claims = claims_of(issue_token(make_user()))

    after = int(datetime.now(UTC).timestamp())
    assert before <= claims["iat"] <= after
    assert claims["exp"] > claims["iat"]
    assert set(claims) == {"sub", "iat", "exp", "ver"}


def test_token_lifetime_is_jwt_lifetime_seconds(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "JWT_LIFETIME_SECONDS", 90)

    claims = claims_of(issue_token(make_user()))

    assert claims["exp"] - claims["iat"] == 90


def test_token_lifetime_defaults_to_one_day(app, make_user):
    claims = claims_of(issue_token(make_user()))

    assert app.config["JWT_LIFETIME_SECONDS"] == 24 * 3600
    assert claims["exp"] - claims["iat"] == 24 * 3600


def test_token_is_signed_with_hs256(make_user):
    header = jwt.get_unverified_header(issue_token(make_user()))

    assert header["alg"] == "HS256"


def test_sign_in_pairs_the_user_with_a_token_naming_them(make_user):
    user = make_user()

    signed_in = sign_in(user)

    assert signed_in.user is user
    assert user_from_token(signed_in.token) == user


def test_user_from_token_returns_the_user_it_names(make_user):
    make_user()
    user = make_user()

    assert user_from_token(issue_token(user)) == user


def test_user_from_token_accepts_a_token_crafted_with_the_same_key(make_user):
    user = make_user()

    assert user_from_token(craft(valid_claims(user))) == user


def test_user_from_token_rejects_an_expired_token(make_user):
    user = make_user()
    past = datetime.now(UTC) - timedelta(hours=2)
    token = craft(valid_claims(user, iat=past, exp=past + timedelta(hours=1)))

    with pytest.raises(Unauthorized) as raised:
        user_from_token(token)

    assert raised.value.errors == {"token": ["is invalid or expired"]}


def test_user_from_token_rejects_a_token_issued_in_the_future(make_user):
    future = datetime.now(UTC) + timedelta(hours=1)
    token = craft(valid_claims(make_user(), iat=future, exp=future + timedelta(hours=1)))

    with pytest.raises(Unauthorized):
        user_from_token(token)


# The app's key is long enough for HS256, which is all that matters here.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_user_from_token_accepts_only_hs256(make_user, algorithm):
    token = craft(valid_claims(make_user()), algorithm=algorithm)

    with pytest.raises(Unauthorized):
        user_from_token(token)


def test_user_from_token_rejects_an_unsigned_token(make_user):
    claims = valid_claims(make_user())
    token = jwt.encode(claims, None, algorithm="none")

    with pytest.raises(Unauthorized):
        user_from_token(token)


def test_user_from_token_rejects_a_token_signed_with_another_key(make_user):
    token = craft(valid_claims(make_user()), key="another-secret-key-that-is-32-bytes-long!")

    with pytest.raises(Unauthorized):
        user_from_token(token)


@pytest.mark.parametrize("missing", ["sub", "iat", "exp"])
def test_user_from_token_requires_every_claim(make_user, missing):
    claims = valid_claims(make_user())
    del claims[missing]

    with pytest.raises(Unauthorized):
        user_from_token(craft(claims))


@pytest.mark.parametrize("subject", ["abc", "", "1.0", None, ["1"]])
def test_user_from_token_rejects_a_subject_that_is_not_a_user_id(make_user, subject):
    make_user()

    with pytest.raises(Unauthorized):
        user_from_token(craft(valid_claims(make_user(), sub=subject)))


def test_user_from_token_rejects_a_numeric_subject(make_user):
    user = make_user()

    with pytest.raises(Unauthorized):
        user_from_token(craft(valid_claims(user, sub=user.id)))


def test_user_from_token_rejects_a_token_naming_a_missing_user(make_user, db):
    user = make_user()
    token = issue_token(user)
    db.session.delete(user)
    db.session.commit()

    with pytest.raises(Unauthorized) as raised:
        user_from_token(token)

    assert raised.value.errors == {"token": ["names a user who no longer exists"]}


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "ü.ü.ü"])
def test_user_from_token_rejects_garbage(garbage):
    with pytest.raises(Unauthorized):
        user_from_token(garbage)
