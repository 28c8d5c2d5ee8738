"""Notification mail, batched: at most one mail of each kind per user per window.

A follow or a comment records an event in its own transaction (nothing is mailed then). The
periodic job sends each user one digest per kind once the oldest event not yet mailed is a
window (NOTIFICATION_WINDOW_SECONDS, an hour) old, listing every event since the last
digest; the next digest can then come a window after its own first event at the earliest.
An unfollow before the digest goes out takes its follow out of it; a deleted comment stays
in it. Switching a kind off in the settings drops its events not yet mailed.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.accounts import messages
from app.accounts.models import COMMENT, FOLLOW, NotificationEvent
from app.articles.comments.models import Comment
from app.database import utcnow
from app.extensions import db
from app.jobs import periodic_task
from app.mail import outbox
from app.users.models import User
from app.web.pages import site_url

log = logging.getLogger(__name__)

SEND_DIGESTS = "accounts.send_due_digests"
DIGESTS_EVERY_SECONDS = 60


def record_follow(follower: User, followed: User) -> None:
    """Add the event of a new follow to the session, if followed wants to hear of it."""
    if followed.notify_on_follow:
        db.session.add(NotificationEvent(user_id=followed.id, kind=FOLLOW, actor_id=follower.id))


def forget_follow(follower: User, followed: User) -> None:
    """Take a follow that is undone out of the next digest."""
    db.session.execute(
        delete(NotificationEvent).where(
            NotificationEvent.user_id == followed.id,
            NotificationEvent.kind == FOLLOW,
            NotificationEvent.actor_id == follower.id,
            NotificationEvent.mail_id.is_(None),
        )
    )


def record_comment(comment: Comment) -> None:
    """Add the event of a new comment to the session, for the article's author unless they
    wrote it or want no such mail."""
    author = comment.article.author
    if comment.author.id != author.id and author.notify_on_comment:
        db.session.add(
            NotificationEvent(
                user_id=author.id,
                kind=COMMENT,
                actor_id=comment.author.id,
                article_id=comment.article.id,
            )
        )


def send_due_digests(now: datetime) -> int:
    """Queue a digest for every user and kind whose oldest event not yet mailed is a window
    old at now; return how many. Each digest commits on its own."""
    window = timedelta(seconds=current_app.config["NOTIFICATION_WINDOW_SECONDS"])
    batches = db.session.execute(NotificationEvent.due_batches(now - window)).all()
    db.session.rollback()
    return sum(_send_digest(user_id, kind) for user_id, kind in batches)


def _send_digest(user_id: int, kind: str) -> bool:
    events = list(db.session.scalars(NotificationEvent.undigested(user_id, kind)))
    user = User.by_id(user_id)
    if not events or user is None:
        db.session.rollback()
        return False
    subject, body = _digest(user, kind, events)
    # Keyed by the digest's first event: a retried job finds its digest queued already.
    key = f"digest:{kind}:{user_id}:{events[0].id}"
    mail = outbox.queue(
        kind=f"{kind}_digest", recipient=user.email, subject=subject, body=body, key=key
    )
    try:
        db.session.flush()
        for event in events:
            event.mail_id = mail.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("Digest %s was queued already", key)
        return False
    return True


def _digest(user: User, kind: str, events: list[NotificationEvent]) -> tuple[str, str]:
    if kind == FOLLOW:
        followers = [
            (event.actor.username, site_url("profiles.profile", username=event.actor.username))
            for event in events
        ]
        return messages.followers_digest(user, followers)
    comments = [
        (
            event.actor.username,
            event.article.title,
            site_url("articles.article", slug=event.article.slug),
        )
        for event in events
        if event.article is not None
    ]
    return messages.comments_digest(user, comments)


def drop_switched_off(user: User) -> None:
    """Drop user's events not yet mailed of the kinds they no longer want."""
    wanted = {FOLLOW: user.notify_on_follow, COMMENT: user.notify_on_comment}
    kinds = [kind for kind, on in wanted.items() if not on]
    if not kinds:
        return
    # Not flushed first: the caller's commit checks the user's changes for uniqueness.
    with db.session.no_autoflush:
        db.session.execute(
            delete(NotificationEvent).where(
                NotificationEvent.user_id == user.id,
                NotificationEvent.kind.in_(kinds),
                NotificationEvent.mail_id.is_(None),
            )
        )


@periodic_task(SEND_DIGESTS, every_seconds=DIGESTS_EVERY_SECONDS)
def send_due_digests_now() -> int:
    return send_due_digests(utcnow())
