"""Passwords: argon2id at RFC 9106's cost, old werkzeug hashes upgraded at sign-in, common
and short passwords refused, long ones fine."""

import pytest
from argon2 import PasswordHasher
from werkzeug.security import generate_password_hash

from app.auth.tokens import user_from_token
from app.commands.seed import DEMO_PASSWORD
from app.users.models import User, hash_password
from app.users.schemas import UserRegister, common_passwords
from app.web.envelope import load
from config import Config, DevelopmentConfig, ProductionConfig, TestingConfig
from tests.factories import DEFAULT_PASSWORD

REGISTER = "/api/v1/users"
LOGIN = "/api/v1/users/login"
CURRENT_USER = "/api/v1/user"


def api_login(client, email: str, password: str):
    return client.post(LOGIN, json={"user": {"email": email, "password": password}})


def register(client, password: str, username: str = "jake"):
    body = {"username": username, "email": f"{username}@example.com", "password": password}
    return client.post(REGISTER, json={"user": body})


def stored_hash(db, user_id: int) -> str:
    db.session.expire_all()
    return User.by_id(user_id).password_hash


def user_with_hash(make_user, db, password_hash: str) -> User:
    user = make_user("jake")
    user.password_hash = password_hash
    db.session.commit()
    return user


def test_a_new_password_is_stored_as_an_argon2id_hash(client, db):
    response = register(client, "s3cret-password")

    assert response.status_code == 201
    password_hash = User.by_username("jake").password_hash
    assert password_hash.startswith("$argon2id$v=19$")
    assert "s3cret-password" not in password_hash
    assert User.by_username("jake").check_password("s3cret-password")
    assert not User.by_username("jake").check_password("s3cret-passwords")


@pytest.mark.parametrize("config_class", [Config, DevelopmentConfig, ProductionConfig])
def test_every_configuration_but_testing_hashes_at_rfc_9106_low_memory_cost(config_class):
    assert config_class.PASSWORD_HASH_PROFILE == "RFC_9106_LOW_MEMORY"


def test_only_the_test_suite_lowers_the_cost(app):
    assert TestingConfig.PASSWORD_HASH_PROFILE == "CHEAPEST"
    assert app.config["PASSWORD_HASH_PROFILE"] == "CHEAPEST"


def test_the_production_cost_is_argon2id_t3_64_mib_p4_and_takes_a_200_byte_password(
    app, monkeypatch
):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    password = "é" * 100
    assert len(password.encode()) == 200

    password_hash = hash_password(password)

    assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    user = User(password_hash=password_hash)
    assert user.check_password(password)
    assert not user.check_password(password[:-1])
    assert not user.password_needs_rehash


@pytest.mark.parametrize("password", ["p" * 200, "é" * 100, "pass phrase " * 17])
def test_a_200_byte_password_registers_and_signs_in(client, db, password):
    response = register(client, password)

    assert response.status_code == 201
    signed_in = api_login(client, "jake@example.com", password)
    assert signed_in.status_code == 200
    assert user_from_token(signed_in.json["user"]["token"]).username == "jake"
    assert api_login(client, "jake@example.com", password[:-1]).status_code == 401


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256"])
def test_signing_in_with_a_werkzeug_hash_works_and_upgrades_it_to_argon2(
    client, db, make_user, method
):
    user = user_with_hash(make_user, db, generate_password_hash("old-style-pass", method=method))

    response = api_login(client, user.email, "old-style-pass")

    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"
    upgraded = stored_hash(db, user.id)
    assert upgraded.startswith("$argon2id$")
    assert User.by_id(user.id).check_password("old-style-pass")
    assert api_login(client, user.email, "old-style-pass").status_code == 200


def test_the_sign_in_form_upgrades_a_werkzeug_hash_too(client, db, make_user, login):
    user = user_with_hash(make_user, db, generate_password_hash("old-style-pass"))

    login(client, user, password="old-style-pass")

    assert stored_hash(db, user.id).startswith("$argon2id$")


def test_a_wrong_password_leaves_a_werkzeug_hash_as_it_was(client, db, make_user):
    old_hash = generate_password_hash("old-style-pass")
    user = user_with_hash(make_user, db, old_hash)

    response = api_login(client, user.email, "not-the-password")

    assert response.status_code == 401
    assert response.json == {"errors": {"email or password": ["is invalid"]}}
    assert stored_hash(db, user.id) == old_hash


def test_an_argon2_hash_at_another_cost_is_redone_at_the_current_cost(client, db, make_user):
    other_cost = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash("old-cost-pass")
    user = user_with_hash(make_user, db, other_cost)

    assert api_login(client, user.email, "old-cost-pass").status_code == 200

    redone = stored_hash(db, user.id)
    assert redone != other_cost
    assert not User.by_id(user.id).password_needs_rehash


def test_a_hash_at_the_current_cost_is_left_alone_at_sign_in(client, db, make_user):
    user = make_user()
    before = user.password_hash

    assert api_login(client, user.email, DEFAULT_PASSWORD).status_code == 200

    assert stored_hash(db, user.id) == before


@pytest.mark.parametrize("password_hash", ["", "garbage", "md5$salt$hash", "$argon2id$broken"])
def test_an_unreadable_hash_refuses_the_sign_in_without_a_server_error(
    client, db, make_user, password_hash
):
    user = user_with_hash(make_user, db, password_hash)

    response = api_login(client, user.email, "anything-at-all")

    assert response.status_code == 401
    assert response.json == {"errors": {"email or password": ["is invalid"]}}


def test_an_unknown_email_still_costs_one_password_check(client, monkeypatch):
    checks = []
    real_verify = PasswordHasher.verify

    def counting_verify(hasher, password_hash, password):
        checks.append(password)
        return real_verify(hasher, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)

    response = api_login(client, "nobody@example.com", "whatever-it-is")

    assert response.status_code == 401
    assert response.json == {"errors": {"email or password": ["is invalid"]}}
    assert checks == ["whatever-it-is"]


def test_the_common_password_list_holds_twenty_thousand_lower_cased_entries():
    passwords = common_passwords()

    assert len(passwords) == 19_640
    assert {"password", "123456", "qwerty123", "iloveyou"} <= passwords
    assert all(password == password.lower() for password in passwords)


@pytest.mark.parametrize(
    "password", ["password", "PASSWORD", "Password1", "qwerty123", "  iloveyou  ", "TrustNo1"]
)
def test_registration_refuses_a_common_password_in_any_case(client, db, password):
    response = register(client, password)

    assert response.status_code == 422
    assert response.json == {"errors": {"password": ["is too common"]}}
    assert User.by_username("jake") is None


def test_a_short_password_is_refused_before_its_commonness(client, db):
    response = register(client, "123456")

    assert response.status_code == 422
    assert response.json == {"errors": {"password": ["must be 8 to 1024 characters long"]}}


def test_a_new_common_password_is_refused_in_the_api_settings(client, db, make_user, auth_headers):
    user = make_user()

    response = client.put(
        CURRENT_USER, json={"user": {"password": "sunshine1"}}, headers=auth_headers(user)
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"password": ["is too common"]}}
    assert User.by_id(user.id).check_password(DEFAULT_PASSWORD)


def test_the_sign_up_form_says_a_password_is_too_common(client, csrf_token, db):
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_token(client, "/register"),
            "username": "jake",
            "email": "jake@example.com",
            "password": "baseball1",
        },
    )

    assert response.status_code == 422
    assert "Password is too common" in response.get_data(as_text=True)
    assert User.by_username("jake") is None


@pytest.mark.parametrize(
    "password", [DEMO_PASSWORD, DEFAULT_PASSWORD, "jakejake1", "a-long-passphrase-42"]
)
def test_the_passwords_the_project_documents_are_acceptable(password):
    fields = load(UserRegister(), {"username": "j", "email": "j@example.com", "password": password})

    assert fields["password"] == password
