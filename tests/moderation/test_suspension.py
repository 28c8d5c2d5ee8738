"""A suspended user cannot sign in, by the form or the API; the tokens and the browser
sessions they held end at once, and stay ended when they are restored."""

import pytest

from app.auth.tokens import issue_token
from app.extensions import db
from app.moderation import services
from app.moderation.services import Moderator
from app.users.models import User
from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def jake(make_user):
    return make_user("jake")


def suspend(user: User, admin: User) -> None:
    services.suspend_user(db.session.get(User, user.id), Moderator.admin(admin), "abuse")


def test_a_suspended_user_cannot_sign_in_through_the_api(client, jake, make_admin):
    suspend(jake, make_admin())

    response = client.post(
        "/api/v1/users/login", json={"user": {"email": jake.email, "password": DEFAULT_PASSWORD}}
    )

    assert response.status_code == 401
    assert response.json == {"errors": {"account": ["is deactivated"]}}


def test_a_suspended_user_cannot_sign_in_through_the_form(client, jake, make_admin, csrf_token):
    suspend(jake, make_admin())

    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "email": jake.email, "password": DEFAULT_PASSWORD},
    )

    assert response.status_code == 401
    assert "Account is deactivated" in response.get_data(as_text=True)


def test_suspension_ends_the_users_tokens_and_sessions(client, jake, make_admin, login):
    token = issue_token(jake)
    login(client, jake)
    assert client.get("/settings").status_code == 200

    suspend(jake, make_admin())

    stale = client.get("/api/v1/user", headers={"Authorization": f"Token {token}"})
    assert stale.status_code == 401
    assert client.get("/settings").status_code == 302
    services.restore_user(db.session.get(User, jake.id), Moderator.operator(), "appeal")
    stale = client.get("/api/v1/user", headers={"Authorization": f"Token {token}"})
    assert stale.status_code == 401
    assert client.get("/settings").status_code == 302


def test_only_admins_moderate_and_none_suspends_themself(jake, make_admin):
    admin = make_admin()

    with pytest.raises(Exception, match="only admins may moderate"):
        Moderator.admin(jake)
    with pytest.raises(Exception, match="you cannot suspend yourself"):
        services.suspend_user(admin, Moderator.admin(admin), "oops")
    suspend(jake, admin)
    with pytest.raises(Exception, match="is suspended already"):
        suspend(jake, admin)
    services.restore_user(jake, Moderator.admin(admin), "appeal")
    with pytest.raises(Exception, match="is not suspended"):
        services.restore_user(jake, Moderator.admin(admin), "again")
