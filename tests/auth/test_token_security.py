"""API tokens that must be refused with 401, crafted with PyJWT, and the ones that still work.

Every request goes to GET /api/v1/user, which needs a valid token.
"""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jwt
import pytest
from flask import current_app

from app.auth import tokens
from app.auth.tokens import issue_token
from app.users import services
from app.users.models import User

CURRENT_USER = "/api/v1/user"
ANOTHER_KEY = "another-secret-key-that-is-at-least-32-bytes"


def claims_for(user: User, **changes) -> dict:
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "ver": user.token_version, "iat": now}
    return {**claims, "exp": now + timedelta(hours=1), **changes}


def signed(claims: dict, key: str | None = None) -> str:
    return jwt.encode(claims, key or current_app.config["SECRET_KEY"], algorithm="HS256")


def get_current_user(client, token: str):
    return client.get(CURRENT_USER, headers={"Authorization": f"Token {token}"})


def assert_refused(response, message: str | None = None) -> None:
    assert response.status_code == 401
    assert list(response.json) == ["errors"]
    assert list(response.json["errors"]) == ["token"]
    if message is not None:
        assert response.json["errors"]["token"] == [message]


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def numeric_dates(claims: dict) -> dict:
    """Return claims with iat and exp as the seconds JSON carries, for hand-built tokens."""
    return {**claims, "iat": int(claims["iat"].timestamp()), "exp": int(claims["exp"].timestamp())}


def test_an_issued_token_is_hs256_with_sub_ver_iat_and_exp(make_user):
    user = make_user()
    token = issue_token(user)

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, current_app.config["SECRET_KEY"], algorithms=["HS256"])
    assert header["alg"] == "HS256"
    assert claims["sub"] == str(user.id)
    assert claims["ver"] == 0
    assert claims["exp"] - claims["iat"] == current_app.config["JWT_LIFETIME_SECONDS"]


def test_a_token_signed_with_the_app_key_is_accepted(client, make_user):
    user = make_user("jake")

    response = get_current_user(client, signed(claims_for(user)))

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"


def test_a_token_signed_with_another_key_is_refused(client, make_user):
    token = signed(claims_for(make_user()), key=ANOTHER_KEY)

    assert_refused(get_current_user(client, token), "is invalid or expired")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_token_with_alg_none_is_refused(client, make_user, alg):
    claims = numeric_dates(claims_for(make_user()))
    token = f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims)}."

    assert_refused(get_current_user(client, token), "is invalid or expired")


def test_an_hs256_token_keyed_with_the_empty_string_is_refused(client, make_user):
    signing_input = (
        f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(numeric_dates(claims_for(make_user())))}"
    )
    digest = hmac.new(b"", signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"

    assert_refused(get_current_user(client, token), "is invalid or expired")


def test_a_token_whose_payload_was_changed_is_refused(client, make_user):
    victim = make_user("victim")
    attacker = make_user("attacker")
    header, _payload, signature = signed(claims_for(attacker)).split(".")
    forged = f"{header}.{b64(numeric_dates(claims_for(victim)))}.{signature}"

    assert_refused(get_current_user(client, forged), "is invalid or expired")


def test_a_token_with_a_changed_header_is_refused(client, make_user):
    _header, payload, signature = signed(claims_for(make_user())).split(".")
    token = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'x'})}.{payload}.{signature}"

    assert_refused(get_current_user(client, token), "is invalid or expired")


def test_an_expired_token_is_refused(client, make_user):
    past = datetime.now(UTC) - timedelta(hours=2)
    token = signed(claims_for(make_user(), iat=past, exp=past + timedelta(hours=1)))

    assert_refused(get_current_user(client, token), "is invalid or expired")


def test_a_token_accepted_before_is_refused_once_it_expires(client, make_user, monkeypatch):
    token = signed(claims_for(make_user()))
    assert get_current_user(client, token).status_code == 200

    later = time.time() + 3600
    monkeypatch.setattr(tokens, "time", SimpleNamespace(time=lambda: later))

    assert_refused(get_current_user(client, token), "is invalid or expired")


def test_a_token_without_an_expiry_is_refused(client, make_user):
    claims = claims_for(make_user())
    del claims["exp"]

    assert_refused(get_current_user(client, signed(claims)), "is invalid or expired")


def test_a_token_for_a_deleted_user_is_refused(client, db, make_user):
    user = make_user()
    token = issue_token(user)
    db.session.delete(user)
    db.session.commit()

    assert_refused(get_current_user(client, token), "names a user who no longer exists")


def test_a_token_for_a_deactivated_user_is_refused(client, make_user):
    user = make_user()
    token = issue_token(user)

    services.deactivate(user)

    assert_refused(get_current_user(client, token), "belongs to a deactivated account")


def test_a_fresh_token_for_a_deactivated_user_is_refused_too(client, make_user):
    user = make_user()
    services.deactivate(user)

    assert_refused(get_current_user(client, signed(claims_for(user))))


def test_reactivation_does_not_bring_back_the_tokens_held_before(client, make_user):
    user = make_user()
    old_token = issue_token(user)
    services.deactivate(user)

    services.activate(user)

    assert_refused(get_current_user(client, old_token), "has been revoked; sign in again")
    assert get_current_user(client, issue_token(user)).status_code == 200


def test_a_token_issued_before_an_operator_password_reset_is_refused(client, make_user):
    user = make_user()
    old_token = issue_token(user)

    services.set_password(user, "a-fresh-passphrase-9")

    assert_refused(get_current_user(client, old_token), "has been revoked; sign in again")
    assert get_current_user(client, issue_token(user)).status_code == 200


def test_changing_the_password_through_the_api_revokes_earlier_tokens(client, make_user):
    user = make_user()
    old_token = issue_token(user)
    other_device = issue_token(user)

    response = client.put(
        CURRENT_USER,
        json={"user": {"password": "a-fresh-passphrase-9"}},
        headers={"Authorization": f"Token {old_token}"},
    )

    assert response.status_code == 200
    new_token = response.json["user"]["token"]
    assert get_current_user(client, new_token).status_code == 200
    assert_refused(get_current_user(client, old_token), "has been revoked; sign in again")
    assert_refused(get_current_user(client, other_device), "has been revoked; sign in again")


def test_changing_the_password_in_settings_revokes_earlier_tokens(
    client, csrf_token, login, make_user
):
    user = login(client, make_user("jake"))
    old_token = issue_token(user)

    response = client.post(
        "/settings",
        data={
            "csrf_token": csrf_token(client, "/settings"),
            "username": "jake",
            "email": user.email,
            "password": "a-fresh-passphrase-9",
            "bio": "",
            "image": "",
        },
    )

    assert response.status_code == 302
    assert_refused(get_current_user(client, old_token), "has been revoked; sign in again")


def test_settings_changes_without_a_new_password_keep_tokens_valid(client, make_user):
    user = make_user()
    token = issue_token(user)

    response = client.put(
        CURRENT_USER,
        json={"user": {"bio": "Still me"}},
        headers={"Authorization": f"Token {token}"},
    )

    assert response.status_code == 200
    assert get_current_user(client, token).status_code == 200


def test_a_token_from_before_versions_counts_as_version_zero(client, make_user):
    user = make_user()
    claims = claims_for(user)
    del claims["ver"]
    token = signed(claims)

    assert get_current_user(client, token).status_code == 200
    services.set_password(user, "a-fresh-passphrase-9")
    assert_refused(get_current_user(client, token), "has been revoked; sign in again")


@pytest.mark.parametrize("version", [1, -1, "0", 0.0, None, True, [0]])
def test_a_token_with_another_version_is_refused(client, make_user, version):
    user = make_user()

    assert_refused(get_current_user(client, signed(claims_for(user, ver=version))))


def test_a_version_of_true_does_not_pass_for_version_one(client, make_user):
    user = make_user()
    services.set_password(user, "a-fresh-passphrase-9")
    assert user.token_version == 1

    assert get_current_user(client, signed(claims_for(user, ver=1))).status_code == 200
    assert_refused(get_current_user(client, signed(claims_for(user, ver=True))))


def test_clients_cannot_set_their_own_account_flags_or_token_version(client, db):
    flags = {"is_admin": True, "isAdmin": True, "is_active": False, "token_version": 7}
    account = {"username": "jake", "email": "jake@example.com", "password": "jakejake1"}

    registered = client.post("/api/v1/users", json={"user": {**account, **flags}})
    token = registered.json["user"]["token"]
    updated = client.put(
        CURRENT_USER, json={"user": flags}, headers={"Authorization": f"Token {token}"}
    )

    assert registered.status_code == 201
    assert updated.status_code == 200
    db.session.expire_all()
    jake = User.by_username("jake")
    assert (jake.is_admin, jake.is_active, jake.token_version) == (False, True, 0)
    assert get_current_user(client, token).status_code == 200


@pytest.mark.parametrize("path", [CURRENT_USER, "/api/v1/articles", "/api/v1/articles/feed"])
def test_reads_that_load_only_the_users_id_refuse_the_same_tokens(client, db, make_user, path):
    deleted, deactivated, revoked, holder = make_user(), make_user(), make_user(), make_user()
    refused = {
        issue_token(deleted): "names a user who no longer exists",
        issue_token(deactivated): "belongs to a deactivated account",
        issue_token(revoked): "has been revoked; sign in again",
        signed(claims_for(holder, ver=True)): "has been revoked; sign in again",
        signed(claims_for(holder), ANOTHER_KEY): "is invalid or expired",
    }
    db.session.delete(deleted)
    db.session.commit()
    services.deactivate(deactivated)
    services.set_password(revoked, "a-fresh-passphrase-9")

    for token, message in refused.items():
        response = client.get(path, headers={"Authorization": f"Token {token}"})
        assert_refused(response, message)
    held = client.get(path, headers={"Authorization": f"Token {issue_token(holder)}"})
    assert held.status_code == 200


# Reads confirm the token's account in their own queries where they can (the viewer's marks
# on a cached page), and the decorators confirm it otherwise: every read, hit or miss, with
# or without anything to mark, refuses a token revoked since the cache was filled.
READS = [
    "/api/v1/articles",
    "/api/v1/articles?tag=nothing-tagged",
    "/api/v1/articles/feed",
    "/api/v1/articles/{slug}",
    "/api/v1/articles/no-such-article",
    "/api/v1/articles/{slug}/comments",
    "/api/v1/profiles/writer",
]


@pytest.mark.parametrize("revoke", ["deactivate", "new password"])
@pytest.mark.parametrize("path", READS)
def test_every_read_refuses_a_revoked_token_cached_or_not(
    client, make_user, make_article, path, revoke
):
    reader, writer = make_user("reader"), make_user("writer")
    slug = make_article(writer).slug
    url = path.format(slug=slug)
    headers = {"Authorization": f"Token {issue_token(reader)}"}
    client.post("/api/v1/profiles/writer/follow", headers=headers)
    for _ in range(2):  # fills the cache, then reads from it
        assert client.get(url, headers=headers).status_code in (200, 404)

    if revoke == "deactivate":
        services.deactivate(reader)
    else:
        services.set_password(reader, "a brand new password")

    assert_refused(client.get(url, headers=headers))
