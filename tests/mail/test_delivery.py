"""Mail through the real queue: a Celery worker on the test Redis sends to a real SMTP server
on loopback, which the tests make refuse; an app whose Redis is down queues nothing yet
loses nothing. The retry figures go to test-artifacts/mail-report.txt."""

import time
from datetime import timedelta
from email.message import EmailMessage
from itertools import pairwise

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.jobs import enqueue
from app.mail import outbox
from app.mail.models import FAILED, PENDING, SENT, OutgoingMail
from app.mail.transports import DirectoryTransport, SMTPTransport, TemporaryFailure
from tests.mail_fixtures import (
    ARTIFACTS,
    CLOSED_PORT,
    WORKER_MAX_ATTEMPTS,
    WORKER_RETRY_BASE_SECONDS,
    wait_for,
)

RESET = "/api/v1/users/password-reset"
REPORT = ARTIFACTS / "mail-report.txt"


@pytest.fixture(scope="module", autouse=True)
def fresh_report():
    REPORT.unlink(missing_ok=True)


def report(title: str, lines: list[str]) -> None:
    """Add a section to the report the README's note quotes."""
    ARTIFACTS.mkdir(exist_ok=True)
    with REPORT.open("a") as file:
        file.write(f"## {title}\n" + "".join(f"{line}\n" for line in lines) + "\n")


def stored(db, mail_id: int) -> OutgoingMail:
    db.session.expire_all()
    return db.session.get(OutgoingMail, mail_id)


def only_mail(db) -> OutgoingMail:
    db.session.expire_all()
    (mail,) = db.session.scalars(select(OutgoingMail))
    return mail


def ask_for_reset(client, email: str):
    return client.post(RESET, json={"user": {"email": email}})


def settled(db, mail_id: int) -> OutgoingMail | None:
    mail = stored(db, mail_id)
    return mail if mail.status != PENDING else None


def test_a_message_goes_through_the_worker_to_the_smtp_server(db, queueing_app, inbox, make_user):
    make_user("ada", email="ada@example.com")

    response = ask_for_reset(queueing_app.test_client(), "ada@example.com")

    assert response.status_code == 202
    (message,) = wait_for(lambda: inbox.to("ada@example.com"), what="the reset mail")
    assert message["Subject"] == "Reset your Conduit password"
    assert message["From"] == "Conduit <no-reply@localhost>"
    assert "/reset-password?token=" in message.get_content()
    mail = wait_for(lambda: settled(db, only_mail(db).id), what="the row marked sent")
    assert (mail.status, mail.attempts) == (SENT, 1)
    assert mail.sent_at is not None
    report(
        "Sent and received",
        [
            f"sent: mail {mail.id} ({mail.kind}) to {mail.recipient}, attempts {mail.attempts}",
            f"received: To {message['To']}, Subject {message['Subject']!r}, "
            f"Message-ID {message['Message-ID']}",
        ],
    )


def test_a_temporary_refusal_is_retried_with_back_off_and_sent_exactly_once(
    db, queueing_app, inbox, make_user
):
    make_user("ada", email="ada@example.com")
    inbox.refuse("451 4.3.0 Try again later", "451 4.3.0 Try again later")

    started = time.monotonic()
    ask_for_reset(queueing_app.test_client(), "ada@example.com")

    wait_for(lambda: inbox.to("ada@example.com"), what="the mail after two refusals")
    mail = wait_for(lambda: settled(db, only_mail(db).id), what="the row marked sent")
    time.sleep(3 * WORKER_RETRY_BASE_SECONDS * 2)
    assert len(inbox.to("ada@example.com")) == 1
    assert [attempt.reply[:3] for attempt in inbox.attempts] == ["451", "451", "250"]
    assert (mail.status, mail.attempts) == (SENT, 3)
    times = [attempt.at for attempt in inbox.attempts]
    delays = [later - earlier for earlier, later in pairwise(times)]
    assert delays[0] >= WORKER_RETRY_BASE_SECONDS
    assert delays[1] >= 2 * WORKER_RETRY_BASE_SECONDS
    report(
        "451 twice, then accepted",
        [
            f"worker: MAIL_RETRY_BASE_SECONDS={WORKER_RETRY_BASE_SECONDS}, "
            f"MAIL_MAX_ATTEMPTS={WORKER_MAX_ATTEMPTS}",
            *(
                f"attempt {number} at +{attempt.at - started:.2f}s: {attempt.reply}"
                for number, attempt in enumerate(inbox.attempts, 1)
            ),
            "delays between attempts: " + ", ".join(f"{delay:.2f}s" for delay in delays),
            f"received: {len(inbox.to('ada@example.com'))} message; row: {mail.status}, "
            f"{mail.attempts} attempts",
        ],
    )


def test_a_permanent_refusal_marks_the_message_failed_and_lists_it(
    db, queueing_app, inbox, make_user
):
    make_user("ada", email="ada@example.com")
    inbox.refuse("550 5.1.1 No such mailbox")

    ask_for_reset(queueing_app.test_client(), "ada@example.com")

    mail = wait_for(lambda: settled(db, only_mail(db).id), what="the row marked failed")
    assert (mail.status, mail.attempts) == (FAILED, 1)
    assert mail.last_error == "550 5.1.1 No such mailbox"
    assert inbox.messages == []
    status = queueing_app.test_cli_runner().invoke(args=["mail", "status"])
    assert "0 pending, 0 sent, 1 failed" in status.stdout
    assert f"{mail.id} failed password_reset to ada@example.com, 1 attempts" in status.stdout
    assert "550 5.1.1 No such mailbox" in status.stdout
    report("550", [f"row: {mail.status}, {mail.attempts} attempt, {mail.last_error!r}"])


def test_a_failed_message_goes_again_after_flush_with_failed(db, queueing_app, inbox, make_user):
    make_user("ada", email="ada@example.com")
    inbox.refuse("550 5.7.1 Relaying denied")
    ask_for_reset(queueing_app.test_client(), "ada@example.com")
    mail = wait_for(lambda: settled(db, only_mail(db).id), what="the row marked failed")

    # The suite's app context is current; `flask` commands run in the one they find.
    with queueing_app.app_context():
        flushed = queueing_app.test_cli_runner().invoke(args=["mail", "flush", "--failed"])

    assert "1 failed messages pending again" in flushed.stdout, flushed.output
    wait_for(lambda: inbox.to("ada@example.com"), what=f"the mail sent again: {flushed.output}")
    assert wait_for(lambda: settled(db, mail.id)).status == SENT


def test_temporary_refusals_until_the_last_attempt_mark_the_message_failed(
    db, queueing_app, inbox, make_user
):
    make_user("ada", email="ada@example.com")
    inbox.refuse(*["421 4.7.0 Busy"] * WORKER_MAX_ATTEMPTS)

    ask_for_reset(queueing_app.test_client(), "ada@example.com")

    mail = wait_for(lambda: settled(db, only_mail(db).id), seconds=20, what="giving up")
    assert (mail.status, mail.attempts) == (FAILED, WORKER_MAX_ATTEMPTS)
    assert mail.last_error == f"421 4.7.0 Busy (after {WORKER_MAX_ATTEMPTS} attempts)"
    assert len(inbox.attempts) == WORKER_MAX_ATTEMPTS
    assert inbox.messages == []
    report(
        f"421 on every one of {WORKER_MAX_ATTEMPTS} attempts",
        [f"row: {mail.status}, {mail.attempts} attempts, {mail.last_error!r}"],
    )


def test_a_message_queued_twice_is_sent_once(db, queueing_app, inbox, make_user):
    make_user("ada", email="ada@example.com")
    inbox.refuse("451 4.3.0 Try again later")
    ask_for_reset(queueing_app.test_client(), "ada@example.com")
    mail_id = only_mail(db).id

    with queueing_app.app_context():
        for _ in range(3):
            enqueue(outbox.SEND_MAIL, mail_id)

    wait_for(lambda: settled(db, mail_id), what="the row marked sent")
    time.sleep(1)
    assert len(inbox.to("ada@example.com")) == 1


def test_with_redis_down_the_request_succeeds_and_the_mail_goes_once_redis_is_back(
    db, app_without_redis, queueing_app, inbox, make_user
):
    make_user("ada", email="ada@example.com")

    started = time.monotonic()
    response = ask_for_reset(app_without_redis.test_client(), "ada@example.com")
    answered_in = time.monotonic() - started

    assert response.status_code == 202
    assert answered_in < 2
    mail = only_mail(db)
    assert (mail.status, mail.attempts) == (PENDING, 0)
    time.sleep(0.5)
    assert inbox.messages == []

    with queueing_app.app_context():
        assert outbox.send_overdue(overdue_after=timedelta(0)) == 1

    wait_for(lambda: inbox.to("ada@example.com"), what="the mail once Redis is back")
    assert wait_for(lambda: settled(db, mail.id)).status == SENT
    with queueing_app.app_context():
        assert outbox.send_overdue(overdue_after=timedelta(0)) == 0
    time.sleep(0.5)
    assert len(inbox.to("ada@example.com")) == 1
    report(
        "Redis down at request time",
        [
            f"request: {response.status_code} in {answered_in:.2f}s with the broker at "
            f"127.0.0.1:{CLOSED_PORT} (closed); row pending, 0 attempts, nothing received",
            "flush with Redis back: 1 queued, received once; a second flush queued 0",
        ],
    )


def test_the_sweep_leaves_mail_alone_until_it_is_overdue(db, app, make_user):
    make_user("ada", email="ada@example.com")
    with app.test_request_context(method="POST"):
        outbox.queue(kind="test", recipient="ada@example.com", subject="s", body="b", key="k")
        db.session.commit()
    db.session.execute(OutgoingMail.__table__.update().values(status=PENDING, sent_at=None))
    db.session.commit()

    assert outbox.send_overdue() == 0
    db.session.execute(
        OutgoingMail.__table__.update().values(next_attempt_at=utcnow() - timedelta(minutes=2))
    )
    db.session.commit()
    assert outbox.send_overdue() == 1
    assert only_mail(db).status == SENT


def test_an_unreachable_smtp_server_is_a_temporary_failure():
    transport = SMTPTransport(f"smtp://127.0.0.1:{CLOSED_PORT}", timeout=2)

    with pytest.raises(TemporaryFailure):
        transport.send(outbox_message())


def test_without_mail_url_messages_are_written_to_the_outbox_directory(tmp_path):
    DirectoryTransport(tmp_path / "mail").send(outbox_message())

    (written,) = (tmp_path / "mail").glob("*.eml")
    assert written.name.endswith("-abc.1.eml")
    assert "Subject: Hello" in written.read_text()


def outbox_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Conduit <no-reply@localhost>"
    message["To"] = "ada@example.com"
    message["Subject"] = "Hello"
    message["Message-ID"] = "<abc.1@localhost>"
    message.set_content("Hello")
    return message
