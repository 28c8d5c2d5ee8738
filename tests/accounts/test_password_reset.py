"""Password reset by mail: the whole way through the worker and the SMTP server, and every
way a token can be wrong (expired, used, revoked by a newer one, forged)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from app import create_app
from app.accounts.models import AccountToken, token_hash
from app.accounts.services import INVALID_LINK
from app.database import utcnow
from app.mail.models import OutgoingMail
from config import TestingConfig
from tests.factories import DEFAULT_PASSWORD
from tests.mail_fixtures import delivered_to, wait_for

RESET = "/api/v1/users/password-reset"
CONFIRM = "/api/v1/users/password-reset/confirm"
NEW_PASSWORD = "a-brand-new-passphrase"
LINK = re.compile(r"https?://\S+/reset-password\?token=(\S+)")
SENT = "If an account exists for that address, we have sent it a link to reset its password."


def reset_token_in(text: str) -> str:
    match = LINK.search(text)
    assert match, text
    return match.group(1)


def delivered_body(email: str) -> str:
    """Return the newest mail to email, as delivered: the outbox erases a reset's body once
    the mail is sent."""
    message = delivered_to(email)
    assert message is not None, f"no mail to {email}"
    return message.get_content()


def mail_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail))


def requested_token(client, db, email: str = "ada@example.com") -> str:
    response = client.post(RESET, json={"user": {"email": email}})
    assert response.status_code == 202
    return reset_token_in(delivered_body(email))


def confirm(client, token: str, password: str = NEW_PASSWORD):
    return client.post(CONFIRM, json={"user": {"token": token, "password": password}})


def test_reset_end_to_end_mails_a_link_that_sets_the_password_and_ends_every_session(
    db, queueing_app, inbox, make_user, auth_headers, login, csrf_token
):
    user = make_user("ada", email="ada@example.com")
    old_token = auth_headers(user)
    browser = queueing_app.test_client()
    login(browser, user)
    stranger = queueing_app.test_client()

    stranger.post(
        "/forgot-password",
        data={"csrf_token": csrf_token(stranger, "/forgot-password"), "email": "ADA@example.com"},
    )

    (message,) = wait_for(lambda: inbox.to("ada@example.com"), what="the reset mail")
    link = urlsplit(LINK.search(message.get_content()).group(0))
    page = stranger.get(f"{link.path}?{link.query}")
    assert page.status_code == 200
    assert 'data-testid="reset-password-form"' in page.get_data(as_text=True)
    form = {"csrf_token": csrf_token(stranger, "/forgot-password"), "password": NEW_PASSWORD}
    done = stranger.post(link.path, data={**form, "token": reset_token_in(link.geturl())})
    assert done.status_code == 302
    assert done.headers["Location"] == "/login"
    assert queueing_app.test_client().get("/api/v1/user", headers=old_token).status_code == 401
    signed_out = browser.get("/settings")
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"].startswith("/login")
    signed_in = queueing_app.test_client().post(
        "/api/v1/users/login", json={"user": {"email": "ada@example.com", "password": NEW_PASSWORD}}
    )
    assert signed_in.status_code == 200
    assert stranger.get(link.path).status_code == 404


def test_the_answer_is_the_same_for_an_unknown_address_and_nothing_is_sent(client, db, make_user):
    make_user("ada", email="ada@example.com")

    known = client.post(RESET, json={"user": {"email": "ada@example.com"}})
    unknown = client.post(RESET, json={"user": {"email": "nobody@example.com"}})

    assert (unknown.status_code, unknown.json) == (known.status_code, known.json)
    assert known.json == {"message": SENT}
    assert mail_count(db) == 1
    assert db.session.scalar(select(OutgoingMail.recipient)) == "ada@example.com"


def test_the_page_answers_the_same_for_an_unknown_address(client, db, csrf_token):
    response = client.post(
        "/forgot-password",
        data={"csrf_token": csrf_token(client, "/forgot-password"), "email": "nobody@example.com"},
        follow_redirects=True,
    )

    assert SENT in response.get_data(as_text=True)
    assert mail_count(db) == 0


def test_a_deactivated_account_gets_no_reset_mail(client, db, make_user):
    user = make_user("ada", email="ada@example.com")
    user.is_active = False
    db.session.commit()

    assert client.post(RESET, json={"user": {"email": "ada@example.com"}}).status_code == 202
    assert mail_count(db) == 0


def test_only_the_hash_of_the_token_is_stored(client, db, make_user):
    make_user("ada", email="ada@example.com")

    token = requested_token(client, db)

    stored = db.session.scalar(select(AccountToken))
    assert stored.token_hash == token_hash(token) != token
    lifetime = stored.expires_at - stored.created_at
    assert timedelta(minutes=59, seconds=59) < lifetime <= timedelta(hours=1)


def test_a_reset_through_the_api_changes_the_password(client, db, make_user, auth_headers):
    user = make_user("ada", email="ada@example.com")
    headers = auth_headers(user)
    token = requested_token(client, db)

    response = confirm(client, token)

    assert response.status_code == 204
    assert client.get("/api/v1/user", headers=headers).status_code == 401
    db.session.expire_all()
    assert db.session.get(type(user), user.id).check_password(NEW_PASSWORD)


def test_a_used_token_is_refused(client, db, make_user):
    make_user("ada", email="ada@example.com")
    token = requested_token(client, db)
    assert confirm(client, token).status_code == 204

    again = confirm(client, token, "yet-another-passphrase")

    assert again.status_code == 422
    assert again.json == {"errors": {"token": [INVALID_LINK]}}


def test_an_expired_token_is_refused(client, db, make_user):
    make_user("ada", email="ada@example.com")
    token = requested_token(client, db)
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    response = confirm(client, token)

    assert response.status_code == 422
    assert response.json == {"errors": {"token": [INVALID_LINK]}}
    assert client.get("/reset-password", query_string={"token": token}).status_code == 404


@pytest.mark.parametrize("forged", ["forged-token", "x" * 43, "%00", "a" * 200, "../../etc/passwd"])
def test_a_forged_token_is_refused_without_a_server_error(client, db, make_user, forged):
    make_user("ada", email="ada@example.com")
    requested_token(client, db)

    response = confirm(client, forged)

    assert response.status_code == 422
    assert "token" in response.json["errors"]


def test_a_forged_link_shows_the_request_form_again(client, db, csrf_token):
    page = client.get("/reset-password?token=forged-token")

    assert page.status_code == 404
    assert INVALID_LINK in page.get_data(as_text=True)
    assert 'data-testid="forgot-password-form"' in page.get_data(as_text=True)
    posted = client.post(
        "/reset-password",
        data={
            "csrf_token": csrf_token(client, "/forgot-password"),
            "token": "forged-token",
            "password": NEW_PASSWORD,
        },
    )
    assert posted.status_code == 422
    assert INVALID_LINK in posted.get_data(as_text=True)


def test_a_newer_reset_link_revokes_the_earlier_one(client, db, make_user):
    make_user("ada", email="ada@example.com")
    earlier = requested_token(client, db)
    later = requested_token(client, db)

    assert confirm(client, earlier).status_code == 422
    assert confirm(client, later).status_code == 204


def test_a_weak_new_password_shows_the_form_again_and_keeps_the_token(
    client, db, make_user, csrf_token
):
    make_user("ada", email="ada@example.com")
    token = requested_token(client, db)
    form = {"csrf_token": csrf_token(client, "/forgot-password"), "token": token}

    weak = client.post("/reset-password", data={**form, "password": "short"})

    assert weak.status_code == 422
    assert 'data-testid="reset-password-form"' in weak.get_data(as_text=True)
    assert confirm(client, token).status_code == 204


def test_a_reset_verifies_the_address_it_was_mailed_to(client, db, make_user):
    user = make_user("ada", email="ada@example.com")
    confirm(client, requested_token(client, db))

    db.session.expire_all()
    assert db.session.get(type(user), user.id).email_verified


def test_reset_requests_are_rate_limited_per_address(db, make_user):
    config = TestingConfig()
    config.RATELIMIT_ENABLED = True
    limited = create_app(config)
    make_user("ada", email="ada@example.com")
    client = limited.test_client()

    answers = [
        client.post(RESET, json={"user": {"email": email}}).status_code
        for email in ["ada@example.com"] * 4 + ["nobody@example.com"] * 4
    ]

    assert answers == [202, 202, 202, 429, 202, 202, 202, 429]
    assert mail_count(db) == 3


def test_signing_in_with_the_old_password_fails_after_a_reset(client, db, make_user):
    make_user("ada", email="ada@example.com")
    confirm(client, requested_token(client, db))

    old = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "ada@example.com", "password": DEFAULT_PASSWORD}},
    )

    assert old.status_code == 401


def test_a_sent_reset_mail_leaves_no_usable_token_in_the_outbox_table(client, db, make_user):
    make_user("ada", email="ada@example.com")

    token = requested_token(client, db)

    db.session.expire_all()
    mail = db.session.scalar(select(OutgoingMail))
    assert mail.status == "sent"
    assert token not in mail.body
    assert confirm(client, token).status_code == 204


def test_the_request_log_never_holds_the_links_token(client, db, make_user, caplog):
    make_user("ada", email="ada@example.com")
    token = requested_token(client, db)
    caplog.set_level("INFO", logger="app.web.request_log")

    page = client.get("/reset-password", query_string={"token": token})

    assert page.status_code == 200
    logged = [record.getMessage() for record in caplog.records]
    assert "GET /reset-password 200" in logged
    assert not any(token in line for line in logged)


def test_a_link_mailed_before_an_email_change_opens_nothing(client, db, make_user, auth_headers):
    ada = make_user("ada", email="ada@example.com")
    token = requested_token(client, db)
    changed = client.put(
        "/api/v1/user", json={"user": {"email": "ada@new.example"}}, headers=auth_headers(ada)
    )

    assert changed.status_code == 200
    assert confirm(client, token).status_code == 422
