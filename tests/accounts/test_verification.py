"""Email verification: a link on sign-up and on an email change, the reminder on the pages,
and REQUIRE_VERIFIED_EMAIL, which keeps unverified accounts from writing."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.accounts.services import INVALID_LINK
from app.auth.verified import MUST_VERIFY
from app.database import utcnow
from app.mail.models import SENT, OutgoingMail
from app.users.models import User
from tests.mail_fixtures import delivered_to, wait_for

REGISTER = "/api/v1/users"
VERIFY = "/api/v1/users/verify"
RESEND = "/api/v1/user/verification"
LINK = re.compile(r"https?://\S+/verify-email\?token=(\S+)")


def mails_to(db, address: str) -> list[OutgoingMail]:
    db.session.expire_all()
    query = select(OutgoingMail).where(OutgoingMail.recipient == address)
    return list(db.session.scalars(query.order_by(OutgoingMail.id)))


def link_mailed_to(db, address: str) -> str:
    """Return the link in the newest verification mail to address, as delivered: the
    outbox erases its body once it is sent."""
    mail = mails_to(db, address)[-1]
    assert mail.kind == "verify_email"
    assert mail.body == ""
    message = delivered_to(address)
    assert message is not None, f"no mail to {address}"
    return LINK.search(message.get_content()).group(0)


def token_mailed_to(db, address: str) -> str:
    return LINK.search(link_mailed_to(db, address)).group(1)


def register(client, username: str = "ada"):
    user = {"username": username, "email": f"{username}@example.com", "password": "jakejake1"}
    return client.post(REGISTER, json={"user": user})


def stored_user(db, username: str) -> User:
    db.session.expire_all()
    return User.by_username(username)


def verified(user) -> User:
    user.email_verified_at = utcnow()
    return user


def test_sign_up_mails_a_verification_link_that_verifies_through_its_page(client, db, csrf_token):
    response = register(client)
    assert response.json["user"]["emailVerified"] is False
    (mail,) = mails_to(db, "ada@example.com")
    assert mail.status == SENT
    mailed = link_mailed_to(db, "ada@example.com")
    link, token = urlsplit(mailed), LINK.search(mailed).group(1)
    path = link.path

    page = client.get(f"{path}?{link.query}")
    assert page.status_code == 200
    assert 'data-testid="verify-email-form"' in page.get_data(as_text=True)
    assert not stored_user(db, "ada").email_verified
    confirmed = client.post(path, data={"csrf_token": csrf_token(client, "/login"), "token": token})

    assert confirmed.status_code == 302
    assert stored_user(db, "ada").email_verified
    again = client.post(path, data={"csrf_token": csrf_token(client, "/login"), "token": token})
    assert again.status_code == 422
    assert INVALID_LINK in again.get_data(as_text=True)


def test_sign_up_through_the_worker_delivers_the_link(db, queueing_app, inbox):
    register(queueing_app.test_client())

    (message,) = wait_for(lambda: inbox.to("ada@example.com"), what="the verification mail")
    assert message["Subject"] == "Confirm your email address on Conduit"
    token = LINK.search(message.get_content()).group(1)
    assert (
        queueing_app.test_client().post(VERIFY, json={"user": {"token": token}}).status_code == 204
    )
    assert stored_user(db, "ada").email_verified


def test_the_api_verifies_a_token_and_refuses_a_forged_one(client, db):
    register(client)

    forged = client.post(VERIFY, json={"user": {"token": "forged"}})
    done = client.post(VERIFY, json={"user": {"token": token_mailed_to(db, "ada@example.com")}})

    assert forged.status_code == 422
    assert forged.json == {"errors": {"token": [INVALID_LINK]}}
    assert done.status_code == 204


def test_a_forged_verification_link_says_so(client, db):
    page = client.get("/verify-email?token=forged")

    assert page.status_code == 404
    assert INVALID_LINK in page.get_data(as_text=True)


def test_an_email_change_unverifies_and_mails_the_new_address(client, db, make_user, auth_headers):
    user = verified(make_user("ada", email="ada@example.com"))
    db.session.commit()

    response = client.put(
        "/api/v1/user", json={"user": {"email": "ada@new.example"}}, headers=auth_headers(user)
    )

    assert response.json["user"]["emailVerified"] is False
    token = token_mailed_to(db, "ada@new.example")
    assert client.post(VERIFY, json={"user": {"token": token}}).status_code == 204
    assert stored_user(db, "ada").email_verified


def test_a_link_for_an_address_changed_since_is_refused(client, db, auth_headers):
    register(client)
    token = token_mailed_to(db, "ada@example.com")
    client.put(
        "/api/v1/user",
        json={"user": {"email": "ada@new.example"}},
        headers=auth_headers(stored_user(db, "ada")),
    )

    assert client.post(VERIFY, json={"user": {"token": token}}).status_code == 422
    assert not stored_user(db, "ada").email_verified


def test_an_unchanged_email_sends_nothing(client, db, make_user, auth_headers):
    user = verified(make_user("ada", email="ada@example.com"))
    db.session.commit()

    client.put(
        "/api/v1/user", json={"user": {"email": "ADA@example.com"}}, headers=auth_headers(user)
    )

    assert mails_to(db, "ADA@example.com") == mails_to(db, "ada@example.com") == []
    assert stored_user(db, "ada").email_verified


def test_resend_mails_a_new_link_and_revokes_the_old_one(client, db, auth_headers):
    register(client)
    old = token_mailed_to(db, "ada@example.com")

    response = client.post(RESEND, headers=auth_headers(stored_user(db, "ada")))

    assert response.status_code == 202
    new = token_mailed_to(db, "ada@example.com")
    assert new != old
    assert client.post(VERIFY, json={"user": {"token": old}}).status_code == 422
    assert client.post(VERIFY, json={"user": {"token": new}}).status_code == 204


def test_resend_sends_nothing_to_a_verified_address(client, db, make_user, auth_headers):
    user = verified(make_user("ada", email="ada@example.com"))
    db.session.commit()

    assert client.post(RESEND, headers=auth_headers(user)).status_code == 202
    assert mails_to(db, "ada@example.com") == []


def test_the_pages_remind_an_unverified_account_and_resend_from_the_reminder(
    client, db, make_user, login, csrf_token
):
    login(client, make_user("ada", email="ada@example.com"))

    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="verify-reminder"' in home
    resent = client.post(
        "/verify-email/resend",
        data={"csrf_token": csrf_token(client, "/"), "next": "/settings"},
    )

    assert resent.headers["Location"] == "/settings"
    assert len(mails_to(db, "ada@example.com")) == 1


def test_a_verified_account_sees_no_reminder(client, db, make_user, login):
    user = verified(make_user("ada", email="ada@example.com"))
    db.session.commit()
    login(client, user)

    assert 'data-testid="verify-reminder"' not in client.get("/").get_data(as_text=True)


@pytest.fixture
def verification_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_VERIFIED_EMAIL", True)


ARTICLE = {"article": {"title": "T", "description": "D", "body": "B"}}


def test_required_verification_refuses_unverified_api_writes(
    client, db, make_user, auth_headers, verification_required
):
    user = make_user("ada", email="ada@example.com")

    refused = client.post("/api/v1/articles", json=ARTICLE, headers=auth_headers(user))
    reading = client.get("/api/v1/articles", headers=auth_headers(user))
    settings = client.put(
        "/api/v1/user", json={"user": {"bio": "still mine"}}, headers=auth_headers(user)
    )
    resend = client.post(RESEND, headers=auth_headers(user))

    assert refused.status_code == 403
    assert refused.json == {"errors": {"email": [MUST_VERIFY]}}
    assert (reading.status_code, settings.status_code, resend.status_code) == (200, 200, 202)


def test_required_verification_lets_a_verified_account_write(
    client, db, make_user, auth_headers, verification_required
):
    user = verified(make_user("ada", email="ada@example.com"))
    db.session.commit()

    assert (
        client.post("/api/v1/articles", json=ARTICLE, headers=auth_headers(user)).status_code == 201
    )


def test_required_verification_turns_page_writes_back_with_a_flash(
    client, db, make_user, login, csrf_token, verification_required
):
    make_user("ben", email="ben@example.com")
    login(client, make_user("ada", email="ada@example.com"))

    response = client.post(
        "/profile/ben/follow", data={"csrf_token": csrf_token(client, "/")}, follow_redirects=True
    )

    assert MUST_VERIFY in response.get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302


def test_without_the_requirement_unverified_accounts_write(client, db, make_user, auth_headers):
    user = make_user("ada", email="ada@example.com")

    assert (
        client.post("/api/v1/articles", json=ARTICLE, headers=auth_headers(user)).status_code == 201
    )


def test_required_verification_lets_an_unverified_writer_preview(
    client, db, make_user, login, csrf_token, verification_required
):
    login(client, make_user("ada", email="ada@example.com"))

    preview = client.post(
        "/editor/preview", data={"csrf_token": csrf_token(client, "/editor"), "body": "*hi*"}
    )

    assert preview.status_code == 200
    assert preview.get_data(as_text=True) == "<p><em>hi</em></p>\n"


def test_a_signed_in_read_of_a_page_asks_nothing_about_verification(
    client, db, make_user, login, count_queries
):
    login(client, make_user("ada", email="ada@example.com"))

    with count_queries() as counted, client.get("/static/img/avatar.svg") as picture:
        assert picture.status_code == 200

    assert counted.count == 0
