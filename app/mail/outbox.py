"""Queueing a message with the change that causes it, and sending what was queued.

`queue` adds the message to the session; nothing is sent unless that transaction commits.
After the commit, a job to send each new message goes to the job queue (app/jobs.py). If
the broker is down then, the message stays pending in the database and the periodic sweep
(`send_overdue`, every minute on the worker and at its start, or `flask mail flush`) queues
it once the broker is back.

Never twice: the sending job locks the message's row, skips it if sent, sends, and marks it
sent in the same short transaction. The one gap left is a worker that dies after the SMTP
server accepted the message and before that commit: the message is then sent again. Its
Message-ID stays the same, so mail clients can tell it is the same message.
"""

import hashlib
import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from app.database import utcnow
from app.extensions import db
from app.jobs import enqueue
from app.mail.models import FAILED, PENDING, SENT, OutgoingMail
from app.mail.transports import PermanentFailure, TemporaryFailure, transport_for

log = logging.getLogger(__name__)

SEND_MAIL = "mail.send"
# The session's info key under which the ids of messages added in its transaction wait.
NEW_MAIL = "conduit.new_mail"
# A pending message whose time passed this long ago lost its job (the broker was down, a
# worker died): the sweep queues it again.
OVERDUE_AFTER = timedelta(minutes=1)


def queue(
    *, kind: str, recipient: str, subject: str, body: str, key: str, secret: bool = False
) -> OutgoingMail:
    """Add a message to the session's transaction; it is sent after the commit, once. A
    secret body (one holding a token) is erased once the message is sent."""
    mail = OutgoingMail(
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
        secret=secret,
        idempotency_key=key,
    )
    db.session.add(mail)
    return mail


@event.listens_for(Session, "after_flush")
def _remember_new_mail(session: Session, _flush: UOWTransaction) -> None:
    new_ids = [item.id for item in session.new if isinstance(item, OutgoingMail)]
    if new_ids:
        session.info.setdefault(NEW_MAIL, []).extend(new_ids)


@event.listens_for(Session, "after_commit")
def _send_new_mail(session: Session) -> None:
    for mail_id in session.info.pop(NEW_MAIL, []):
        enqueue(SEND_MAIL, mail_id)


@event.listens_for(Session, "after_rollback")
def _forget_new_mail(session: Session) -> None:
    session.info.pop(NEW_MAIL, None)


def retry_delay(attempts: int) -> float:
    """Return the seconds to wait after the attempts-th failed attempt: doubling each time."""
    return current_app.config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1)


def email_of(mail: OutgoingMail) -> EmailMessage:
    """Return the message to send for mail; its Message-ID follows from its idempotency key."""
    sender = current_app.config["MAIL_FROM"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(mail.idempotency_key.encode()).hexdigest()[:32]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{digest}.{mail.id}@{domain}>"
    # 8bit keeps each line whole (a link in quoted-printable would be cut by soft breaks);
    # no line is anywhere near SMTP's 998.
    message.set_content(mail.body, cte="8bit")
    return message


def deliver(mail_id: int) -> float | None:
    """Send the pending message mail_id once; return the seconds after which to try again,
    or None when nothing is left to do (sent now or before, failed for good, or another
    worker holds it)."""
    mail = OutgoingMail.pending_locked(mail_id)
    if mail is None:
        db.session.rollback()
        return None
    mail.attempts += 1
    try:
        transport_for(current_app.config).send(email_of(mail))
    except TemporaryFailure as error:
        return _attempt_failed(mail, str(error))
    except PermanentFailure as error:
        _give_up(mail, str(error))
        return None
    mail.status = SENT
    mail.sent_at = utcnow()
    if mail.secret:
        mail.body = ""
    log.info("Sent mail %s (%s), attempt %s", mail_id, mail.kind, mail.attempts)
    db.session.commit()
    return None


def _attempt_failed(mail: OutgoingMail, reason: str) -> float | None:
    if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _give_up(mail, f"{reason} (after {mail.attempts} attempts)")
        return None
    delay = retry_delay(mail.attempts)
    mail.last_error = reason
    mail.next_attempt_at = utcnow() + timedelta(seconds=delay)
    log.warning(
        "Mail %s (%s), attempt %s, not sent: %s; trying again in %ss",
        mail.id,
        mail.kind,
        mail.attempts,
        reason,
        delay,
    )
    db.session.commit()
    return delay


def _give_up(mail: OutgoingMail, reason: str) -> None:
    mail.status = FAILED
    mail.last_error = reason
    log.error(
        "Mail %s (%s) failed for good: %s; `flask mail status` lists it, "
        "`flask mail flush --failed` tries it again",
        mail.id,
        mail.kind,
        reason,
    )
    db.session.commit()


def send_overdue(overdue_after: timedelta = OVERDUE_AFTER) -> int:
    """Queue every pending message whose time passed overdue_after ago; return how many."""
    now = utcnow()
    overdue = list(db.session.scalars(OutgoingMail.overdue(now - overdue_after)))
    ids = [mail.id for mail in overdue]
    for mail in overdue:
        mail.next_attempt_at = now
    db.session.commit()
    for mail_id in ids:
        enqueue(SEND_MAIL, mail_id)
    return len(ids)


def retry_failed() -> int:
    """Make every failed message pending again, with its attempts counted anew; return how many."""
    failed = list(db.session.scalars(OutgoingMail.by_status(FAILED)))
    for mail in failed:
        mail.status = PENDING
        mail.attempts = 0
        mail.next_attempt_at = utcnow()
    db.session.commit()
    return len(failed)
