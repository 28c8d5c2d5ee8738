"""`flask users create|set-password|deactivate|activate|promote`, and what each does to
signing in, tokens and browser sessions."""

import pytest
from sqlalchemy import func, select

from app.auth.tokens import issue_token
from app.extensions import db
from app.users.models import User
from tests.factories import DEFAULT_PASSWORD

LOGIN = "/api/v1/users/login"
CURRENT_USER = "/api/v1/user"
NEW_PASSWORD = "a-fresh-passphrase-9"


@pytest.fixture
def flask_cli(app):
    """Return a function that runs `flask <args>` against the test app, typing input."""
    runner = app.test_cli_runner()

    def run(*args: str, typed: str | None = None):
        return runner.invoke(args=list(args), input=typed)

    return run


def fresh(username: str) -> User | None:
    """Return the user as the database has them now, not as this session remembers them."""
    db.session.expire_all()
    return User.by_username(username)


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def api_login(client, email: str, password: str):
    return client.post(LOGIN, json={"user": {"email": email, "password": password}})


def assert_one_line_error(result, *words: str) -> None:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: ")
    for word in words:
        assert word in lines[-1]


# create


def test_create_with_a_password_makes_a_user_who_can_sign_in(flask_cli, client):
    result = flask_cli("users", "create", "jake", "jake@example.com", "--password", NEW_PASSWORD)

    assert result.exit_code == 0, result.output
    assert result.stdout == "Created jake <jake@example.com> as a user.\n"
    user = fresh("jake")
    assert user.email == "jake@example.com"
    assert user.is_active and not user.is_admin
    assert user.password_hash.startswith("$argon2id$")
    response = api_login(client, "jake@example.com", NEW_PASSWORD)
    assert response.status_code == 200
    assert response.json["user"]["username"] == "jake"


def test_create_asks_for_the_password_twice_without_echoing_it(flask_cli):
    result = flask_cli("users", "create", "jake", "jake@example.com", typed=f"{NEW_PASSWORD}\n" * 2)

    assert result.exit_code == 0, result.output
    assert "Password:" in result.output
    assert "Repeat for confirmation:" in result.output
    assert NEW_PASSWORD not in result.output
    assert fresh("jake").check_password(NEW_PASSWORD)


def test_create_asks_again_when_the_two_passwords_differ(flask_cli):
    typed = f"{NEW_PASSWORD}\nsomething-else-1\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n"

    result = flask_cli("users", "create", "jake", "jake@example.com", typed=typed)

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert fresh("jake").check_password(NEW_PASSWORD)


def test_create_with_admin_makes_an_admin(flask_cli):
    result = flask_cli(
        "users", "create", "boss", "boss@example.com", "--password", NEW_PASSWORD, "--admin"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == "Created boss <boss@example.com> as an admin.\n"
    assert fresh("boss").is_admin


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("jake", "jake@example.com", "--password", "password1"), ["password is too common"]),
        (("jake", "jake@example.com", "--password", "short"), ["password must be 8"]),
        (("jake", "not-an-email", "--password", NEW_PASSWORD), ["email is invalid"]),
        (("ja ke", "jake@example.com", "--password", NEW_PASSWORD), ["username may contain"]),
        (("j" * 41, "jake@example.com", "--password", NEW_PASSWORD), ["username is too long"]),
    ],
)
def test_create_refuses_invalid_input_in_one_line(flask_cli, args, words):
    result = flask_cli("users", "create", *args)

    assert_one_line_error(result, *words)
    assert user_count() == 0


def test_create_refuses_a_taken_username_and_email(flask_cli, make_user):
    make_user("jake", email="jake@example.com")

    result = flask_cli("users", "create", "jake", "JAKE@example.com", "--password", NEW_PASSWORD)

    assert_one_line_error(result, "username has already been taken", "email has already been taken")
    assert user_count() == 1


def test_create_without_a_typed_password_aborts_and_creates_nothing(flask_cli):
    result = flask_cli("users", "create", "jake", "jake@example.com", typed="")

    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert user_count() == 0


# set-password


def test_set_password_replaces_the_password_and_revokes_tokens(flask_cli, client, make_user):
    user = make_user("jake")
    old_token = issue_token(user)

    result = flask_cli("users", "set-password", "jake", typed=f"{NEW_PASSWORD}\n" * 2)

    assert result.exit_code == 0, result.output
    assert "Set a new password for jake" in result.output
    assert NEW_PASSWORD not in result.output
    assert api_login(client, user.email, DEFAULT_PASSWORD).status_code == 401
    assert api_login(client, user.email, NEW_PASSWORD).status_code == 200
    response = client.get(CURRENT_USER, headers={"Authorization": f"Token {old_token}"})
    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["has been revoked; sign in again"]}}


def test_set_password_refuses_a_common_password_and_keeps_the_old_one(flask_cli, make_user):
    make_user("jake")

    result = flask_cli("users", "set-password", "jake", "--password", "iloveyou")

    assert_one_line_error(result, "password is too common")
    assert fresh("jake").check_password(DEFAULT_PASSWORD)
    assert fresh("jake").token_version == 0


def test_set_password_for_an_unknown_user_fails_in_one_line(flask_cli):
    result = flask_cli("users", "set-password", "nobody", "--password", NEW_PASSWORD)

    assert_one_line_error(result, "no user named 'nobody'")


# deactivate and activate


def test_a_deactivated_user_cannot_sign_in_through_the_api(flask_cli, client, make_user):
    user = make_user("jake")

    result = flask_cli("users", "deactivate", "jake")

    assert result.exit_code == 0, result.output
    assert result.output == "Deactivated jake: they can no longer sign in.\n"
    assert fresh("jake").is_active is False
    response = api_login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 401
    assert response.json == {"errors": {"account": ["is deactivated"]}}


def test_a_deactivated_user_with_a_wrong_password_learns_nothing_more(flask_cli, client, make_user):
    user = make_user("jake")
    flask_cli("users", "deactivate", "jake")

    response = api_login(client, user.email, "not-the-password")

    assert response.status_code == 401
    assert response.json == {"errors": {"email or password": ["is invalid"]}}


def test_a_deactivated_user_cannot_sign_in_through_the_form(
    flask_cli, client, csrf_token, make_user
):
    user = make_user("jake")
    flask_cli("users", "deactivate", "jake")

    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "email": user.email, "password": DEFAULT_PASSWORD},
    )

    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Account is deactivated" in page
    assert 'data-testid="logout"' not in page
    assert 'data-testid="logout"' not in client.get("/").get_data(as_text=True)


def test_deactivation_revokes_the_tokens_the_user_holds(flask_cli, client, make_user):
    token = issue_token(make_user("jake"))

    flask_cli("users", "deactivate", "jake")

    response = client.get(CURRENT_USER, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["belongs to a deactivated account"]}}


def test_deactivation_signs_out_the_users_browser_sessions(flask_cli, client, login, make_user):
    login(client, make_user("jake"))
    assert client.get("/settings").status_code == 200

    flask_cli("users", "deactivate", "jake")

    response = client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/settings"
    assert 'data-testid="logout"' not in client.get("/").get_data(as_text=True)


def test_activate_lets_a_deactivated_user_sign_in_again(flask_cli, client, make_user):
    user = make_user("jake")
    old_token = issue_token(user)
    flask_cli("users", "deactivate", "jake")

    result = flask_cli("users", "activate", "jake")

    assert result.exit_code == 0, result.output
    assert result.output == "Activated jake: they can sign in again.\n"
    assert fresh("jake").is_active is True
    assert api_login(client, user.email, DEFAULT_PASSWORD).status_code == 200
    stale = client.get(CURRENT_USER, headers={"Authorization": f"Token {old_token}"})
    assert stale.status_code == 401


@pytest.mark.parametrize("command", ["deactivate", "activate", "promote"])
def test_an_unknown_user_fails_in_one_line_and_changes_nothing(flask_cli, make_user, command):
    make_user("jake")

    result = flask_cli("users", command, "nobody")

    assert_one_line_error(result, "no user named 'nobody'")
    jake = fresh("jake")
    assert (jake.is_active, jake.is_admin, jake.token_version) == (True, False, 0)


# promote


def test_promote_makes_the_user_an_admin_and_nothing_else(flask_cli, client, make_user):
    user = make_user("jake")
    token = issue_token(user)

    result = flask_cli("users", "promote", "jake")

    assert result.exit_code == 0, result.output
    assert result.output == "Promoted jake to admin.\n"
    jake = fresh("jake")
    assert jake.is_admin and jake.is_active
    assert client.get(CURRENT_USER, headers={"Authorization": f"Token {token}"}).status_code == 200


# help


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["users"], ["Create users", "deactivate", "promote"]),
        (["users", "create"], ["Create an active user", "--password", "--admin", "history"]),
        (["users", "set-password"], ["new password", "tokens"]),
        (["users", "deactivate"], ["Stop USERNAME from signing in", "browser sessions"]),
        (["users", "activate"], ["sign in again"]),
        (["users", "promote"], ["Make USERNAME an admin", "Admins moderate", "/admin"]),
        (["security-check"], ["production", "exits with status 1"]),
    ],
)
def test_help_says_what_each_command_does(flask_cli, command, words):
    result = flask_cli(*command, "--help")

    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for word in words:
        assert word in text
