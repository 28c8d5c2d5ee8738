"""The single-use tokens mailed to people (password resets, email verification), and the
events their notification digests are made of."""

import hashlib
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Select, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.articles.models import Article
from app.database import utcnow
from app.extensions import db
from app.users.models import User

PASSWORD_RESET = "password_reset"
VERIFY_EMAIL = "verify_email"
FOLLOW = "follow"
COMMENT = "comment"


def token_hash(token: str) -> str:
    """Return the hex SHA-256 of token: what is stored, so that a leaked table opens nothing.

    Tokens are looked up by this hash; a timing difference in that lookup could tell only
    about hashes, never about the token itself, so no constant-time comparison is needed.
    """
    return hashlib.sha256(token.encode()).hexdigest()


class AccountToken(db.Model):  # type: ignore[name-defined]
    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address the token was mailed to: a verification link confirms that one only.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when the token is used, or revoked by a newer one: it never opens anything again.
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    __table_args__ = (Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),)

    @classmethod
    def usable(cls, token: str, purpose: str, *, lock: bool = False) -> "AccountToken | None":
        """Return the unused, unexpired token for purpose whose value is token, None for any
        other (forged, used, revoked, expired); with lock, locked until the commit."""
        query = select(cls).where(
            cls.token_hash == token_hash(token),
            cls.purpose == purpose,
            cls.used_at.is_(None),
            cls.expires_at > utcnow(),
        )
        if lock:
            query = query.with_for_update()
        return db.session.scalar(query)

    @property
    def sent_to_current_address(self) -> bool:
        """Whether the token went to the address its user has now (an email changes since)."""
        return self.email.lower() == self.user.email.lower()


def revoke_unused_tokens(user_id: int, purpose: str) -> None:
    """Mark every unused token of user_id for purpose used, so that none of them opens again."""
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )


class NotificationEvent(db.Model):  # type: ignore[name-defined]
    """Something a user may be told about by mail: a new follower, a comment on an article.

    mail_id is empty until the event goes into a digest.
    """

    __tablename__ = "notification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # The digest that mailed it; removing that mail removes its events, which it covered.
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor: Mapped[User] = relationship(foreign_keys=[actor_id], lazy="joined", innerjoin=True)
    article: Mapped[Article | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_notification_events_user_id_kind_mail_id", "user_id", "kind", "mail_id"),
    )

    @classmethod
    def due_batches(cls, first_before: datetime) -> Select:
        """Return a select of (user_id, kind) whose undigested events began before then."""
        return (
            select(cls.user_id, cls.kind)
            .where(cls.mail_id.is_(None))
            .group_by(cls.user_id, cls.kind)
            .having(func.min(cls.created_at) <= first_before)
        )

    @classmethod
    def undigested(cls, user_id: int, kind: str) -> Select:
        """Return a select of user_id's events of kind not in a digest yet, oldest first,
        locked (skipping any another worker holds)."""
        return (
            select(cls)
            .where(cls.user_id == user_id, cls.kind == kind, cls.mail_id.is_(None))
            .order_by(cls.id)
            .with_for_update(skip_locked=True, of=cls)
        )
