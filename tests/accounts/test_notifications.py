"""Notification mail: new followers and comments, batched into at most one digest of each kind
per user per window, and switched off in the settings."""

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import NotificationEvent
from app.accounts.notifications import send_due_digests
from app.articles.comments.services import add_comment
from app.database import utcnow
from app.mail.models import OutgoingMail
from app.users import services
from tests.mail_fixtures import wait_for

WINDOW = timedelta(hours=1)


def digests(db) -> list[OutgoingMail]:
    db.session.expire_all()
    query = select(OutgoingMail).where(OutgoingMail.kind.like("%_digest"))
    return list(db.session.scalars(query.order_by(OutgoingMail.id)))


def events(db) -> int:
    return db.session.scalar(select(func.count()).select_from(NotificationEvent))


def after_the_window():
    return utcnow() + WINDOW + timedelta(seconds=1)


def test_two_follows_within_the_hour_make_one_mail_listing_both(db, queueing_app, inbox, make_user):
    ada = make_user("ada", email="ada@example.com")
    services.follow(make_user("ben"), ada)
    services.follow(make_user("cy"), ada)

    with queueing_app.app_context():
        assert send_due_digests(utcnow()) == 0
        assert send_due_digests(after_the_window()) == 1

    (message,) = wait_for(lambda: inbox.to("ada@example.com"), what="the followers digest")
    assert message["Subject"] == "2 people followed you on Conduit"
    body = message.get_content()
    assert "- ben: http://127.0.0.1:8000/profile/ben" in body
    assert "- cy: http://127.0.0.1:8000/profile/cy" in body
    with queueing_app.app_context():
        assert send_due_digests(after_the_window()) == 0


def test_a_follow_after_the_digest_waits_for_a_window_of_its_own(db, make_user):
    ada = make_user("ada", email="ada@example.com")
    services.follow(make_user("ben"), ada)
    send_due_digests(after_the_window())

    services.follow(make_user("cy"), ada)

    assert send_due_digests(utcnow()) == 0
    assert send_due_digests(after_the_window()) == 1
    assert [mail.subject for mail in digests(db)] == [
        "ben followed you on Conduit",
        "cy followed you on Conduit",
    ]


def test_following_twice_records_one_event(db, make_user):
    ada, ben = make_user("ada"), make_user("ben")

    services.follow(ben, ada)
    services.follow(ben, ada)

    assert events(db) == 1


def test_an_unfollow_before_the_digest_takes_the_follow_out(db, make_user):
    ada, ben = make_user("ada"), make_user("ben")
    services.follow(ben, ada)
    services.unfollow(ben, ada)

    assert send_due_digests(after_the_window()) == 0
    assert digests(db) == []


def test_switched_off_follow_mail_records_and_sends_nothing(client, db, make_user, auth_headers):
    ada = make_user("ada", email="ada@example.com")
    services.follow(make_user("ben"), ada)
    switched = client.put(
        "/api/v1/user", json={"user": {"notifyOnFollow": False}}, headers=auth_headers(ada)
    )
    services.follow(make_user("cy"), db.session.get(type(ada), ada.id))

    assert switched.json["user"]["notifyOnFollow"] is False
    assert events(db) == 0
    assert send_due_digests(after_the_window()) == 0


def test_a_comment_by_someone_else_is_mailed_to_the_author(db, make_user, make_article):
    ada = make_user("ada", email="ada@example.com")
    article = make_article(ada, title="On engines")
    add_comment(article, make_user("ben"), "Lovely")
    add_comment(article, ada, "Thanks")

    assert send_due_digests(after_the_window()) == 1
    (mail,) = digests(db)
    assert mail.subject == "A new comment on your Conduit articles"
    assert f'- ben on "On engines": http://127.0.0.1:8000/article/{article.slug}' in mail.body
    assert "ada on" not in mail.body


def test_switched_off_comment_mail_sends_nothing(db, make_user, make_article):
    ada = make_user("ada", email="ada@example.com")
    services.update_settings(ada, {"notify_on_comment": False})
    add_comment(make_article(ada), make_user("ben"), "Lovely")

    assert send_due_digests(after_the_window()) == 0


def test_the_settings_page_switches_notifications_off_and_on(
    client, db, make_user, login, csrf_token
):
    ada = login(client, make_user("ada", email="ada@example.com"))
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="notifyOnFollow" value="on" checked' in page

    client.post(
        "/settings",
        data={
            "csrf_token": csrf_token(client, "/settings"),
            "username": "ada",
            "email": "ada@example.com",
            "notifyOnComment": "on",
        },
    )

    db.session.expire_all()
    stored = db.session.get(type(ada), ada.id)
    assert (stored.notify_on_follow, stored.notify_on_comment) == (False, True)
