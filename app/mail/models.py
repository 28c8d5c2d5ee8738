"""The outbox: every message Conduit sends, kept until it is sent or has failed for good."""

from datetime import datetime

from sqlalchemy import DateTime, Index, Select, String, Text, false, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.extensions import db

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class OutgoingMail(db.Model):  # type: ignore[name-defined]
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the message is for (a reset token's hash, a digest's first event): the same
    # message can be queued only once, however often its use case is retried.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The body holds a secret (a link with a token): it is erased once the message is sent,
    # so that the table never holds a usable token the mail has delivered.
    secret: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16), default=PENDING, server_default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When a job should next try it: the sweep queues pending mail whose time has long passed.
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_outgoing_mail_status_next_attempt_at", "status", "next_attempt_at"),
    )

    @classmethod
    def pending_locked(cls, mail_id: int) -> "OutgoingMail | None":
        """Return the pending message mail_id, locked until the transaction ends; None when
        it is sent, failed, gone, or locked by another worker sending it right now."""
        query = (
            select(cls)
            .where(cls.id == mail_id, cls.status == PENDING)
            .with_for_update(skip_locked=True)
        )
        return db.session.scalar(query)

    @classmethod
    def overdue(cls, before: datetime) -> Select:
        """Return a select of the pending messages that should have been tried before then."""
        return (
            select(cls)
            .where(cls.status == PENDING, cls.next_attempt_at <= before)
            .order_by(cls.id)
            .with_for_update(skip_locked=True)
        )

    @classmethod
    def counts(cls) -> dict[str, int]:
        """Return how many messages are pending, sent and failed."""
        rows = db.session.execute(select(cls.status, func.count()).group_by(cls.status))
        return {PENDING: 0, SENT: 0, FAILED: 0} | {status: count for status, count in rows}

    @classmethod
    def by_status(cls, status: str) -> Select:
        return select(cls).where(cls.status == status).order_by(cls.id)
