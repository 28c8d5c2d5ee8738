import pytest
from flask import session
from sqlalchemy import func, select

from app.users.models import User
from config import ProductionConfig
from tests.factories import DEFAULT_PASSWORD


def user_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_page_has_a_labelled_form_with_a_csrf_token(client):
    response = client.get("/register")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Sign up · Conduit</title>" in page
    for field in ("username", "email", "password"):
        assert f'<label class="field__label" for="{field}">' in page
        assert f'id="{field}" name="{field}"' in page
    assert 'name="csrf_token"' in page
    assert '<html lang="en">' in page


def test_registering_signs_the_new_user_in(client, csrf_token, db):
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_token(client, "/register"),
            "username": "jake",
            "email": "jake@example.com",
            "password": "jakejake1",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    user = User.by_username("jake")
    assert user is not None and user.check_password("jakejake1")
    home = client.get("/").get_data(as_text=True)
    assert "Welcome to Conduit, jake!" in home
    assert 'data-testid="nav-profile"' in home
    assert 'data-testid="logout"' in home


def test_registration_errors_show_next_to_fields_with_input_kept(client, csrf_token, db):
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_token(client, "/register"),
            "username": "",
            "email": "not-an-email",
            "password": "short",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Username can&#39;t be blank" in page
    assert "Email is invalid" in page
    assert "Password must be 8 to 1024 characters long" in page
    assert 'value="not-an-email"' in page
    assert 'value="short"' not in page
    assert 'aria-invalid="true"' in page
    assert user_count(db) == 0


def test_registration_refuses_a_taken_username(client, csrf_token, make_user, db):
    make_user("jake")
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_token(client, "/register"),
            "username": "jake",
            "email": "other@example.com",
            "password": "jakejake1",
        },
    )
    assert response.status_code == 422
    assert "Username has already been taken" in response.get_data(as_text=True)
    assert user_count(db) == 1


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_without_a_valid_csrf_token_is_refused_and_changes_nothing(client, db, token):
    client.get("/register")
    data = {"username": "jake", "email": "jake@example.com", "password": "jakejake1"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert user_count(db) == 0


def test_a_csrf_token_from_another_session_is_refused(app, client, csrf_token, db):
    stolen = csrf_token(app.test_client(), "/register")
    client.get("/register")
    response = client.post(
        "/register",
        data={
            "csrf_token": stolen,
            "username": "jake",
            "email": "jake@example.com",
            "password": "jakejake1",
        },
    )
    assert response.status_code == 400
    assert user_count(db) == 0


def test_login_page_has_a_labelled_form(client):
    response = client.get("/login")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Sign in · Conduit</title>" in page
    assert '<label class="field__label" for="email">' in page
    assert '<label class="field__label" for="password">' in page


def test_signing_in_goes_home_and_shows_the_user(client, csrf_token, make_user):
    user = make_user("jake")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Welcome back, jake!" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_is_refused_with_the_email_kept(client, csrf_token, make_user):
    user = make_user("jake")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "email": user.email, "password": "wrong-password"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Email or password is invalid" in page
    assert f'value="{user.email}"' in page
    assert 'data-testid="nav-profile"' not in page


def test_blank_login_fields_are_reported_by_field(client, csrf_token):
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Email can&#39;t be blank" in page
    assert "Password can&#39;t be blank" in page


@pytest.mark.parametrize(
    "next_url", ["/editor", "/article/some-slug?page=2", "/?tag=open%20source", "/profile/jake"]
)
def test_signing_in_returns_to_a_local_next_page(client, csrf_token, make_user, next_url):
    user = make_user("jake")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"csrf_token": csrf_token(client), "email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example",
        "///evil.example",
        "////evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "https:evil.example",
        "https:/evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/%2fevil.example",
        "%252F%252Fevil.example",
        "/%252F%252Fevil.example",
        "/%5Cevil.example",
        "/%255Cevil.example",
        "/\t/evil.example",
        "/%09/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "evil.example",
        "",
    ],
)
def test_signing_in_never_redirects_to_another_site(client, csrf_token, make_user, next_url):
    user = make_user("jake")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"csrf_token": csrf_token(client), "email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(client, csrf_token, make_user):
    user = make_user("jake")
    response = client.get("/editor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/editor"
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please sign in to continue." in login_page
    assert 'action="/login?next=/editor"' in login_page
    signed_in = client.post(
        "/login?next=/editor",
        data={"csrf_token": csrf_token(client), "email": user.email, "password": DEFAULT_PASSWORD},
    )
    assert signed_in.headers["Location"] == "/editor"
    assert client.get("/editor").status_code == 200


def test_the_login_page_drops_an_unsafe_next_from_its_form(client):
    page = client.get("/login?next=//evil.example").get_data(as_text=True)
    assert 'action="/login"' in page
    assert "evil.example" not in page


def test_signed_in_users_are_sent_on_from_login_and_register(client, login, make_user):
    login(client, make_user())
    assert client.get("/login").headers["Location"] == "/"
    assert client.get("/register?next=/editor").headers["Location"] == "/editor"


def test_logging_out_is_a_post_with_a_csrf_token(client, csrf_token, login, make_user):
    login(client, make_user("jake"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert 'data-testid="logout"' in client.get("/").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "You have signed out." in home
    assert 'data-testid="logout"' not in home
    assert client.get("/settings").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site_lax(client, login, make_user):
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_sends_cookies_over_https_only():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"


def test_the_api_needs_no_csrf_token(client, db):
    client.get("/login")
    response = client.post(
        "/api/v1/users",
        json={"user": {"username": "jake", "email": "jake@example.com", "password": "jakejake1"}},
    )
    assert response.status_code == 201
    assert user_count(db) == 1


def test_the_api_ignores_the_browser_session(client, login, make_user):
    login(client, make_user("jake"))
    response = client.get("/api/v1/user")
    assert response.status_code == 401
    assert response.json == {"errors": {"token": ["is missing"]}}


def test_only_the_pages_open_a_session(app):
    with app.test_request_context("/api/v1/articles"):
        assert app.session_interface.is_null_session(session)
    with app.test_request_context("/login"):
        assert not app.session_interface.is_null_session(session)


def test_the_api_neither_reads_nor_rewrites_the_session_cookie(client, login, make_user):
    login(client, make_user())
    signed_in_cookie = client.get_cookie("session").value

    response = client.get("/api/v1/user")

    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    assert client.get_cookie("session").value == signed_in_cookie
    assert client.get("/settings").status_code == 200  # the pages still read it
