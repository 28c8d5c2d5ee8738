"""Reports of articles and comments, and the record of every moderation action."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, Select, String, Text, desc, func, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.articles.comments.models import Comment
from app.articles.models import Article
from app.database import utcnow
from app.errors import NotFound
from app.extensions import db
from app.users.models import User

REASON_MAX_LENGTH = 500
LABEL_MAX_LENGTH = 255


class Action(StrEnum):
    """What a moderator did; the audit log keeps the value."""

    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"
    DISMISS = "dismiss"
    SUSPEND = "suspend"
    RESTORE = "restore"


class Target(StrEnum):
    ARTICLE = "article"
    COMMENT = "comment"
    USER = "user"


class Via(StrEnum):
    """Where a moderator acted from."""

    WEB = "web"
    CLI = "cli"


OPEN = text("resolved_at IS NULL")


class Report(db.Model):  # type: ignore[name-defined]
    """A reader's report of an article, or of a comment on it, until a moderator resolves it."""

    __tablename__ = "reports"
    # One open report per reporter and item: a second is refused until the first is resolved.
    __table_args__ = (
        Index("ix_reports_resolved_at_created_at", "resolved_at", "created_at"),
        Index(
            "uq_reports_open_on_article",
            "reporter_id",
            "article_id",
            unique=True,
            postgresql_where=text("comment_id IS NULL AND resolved_at IS NULL"),
            sqlite_where=text("comment_id IS NULL AND resolved_at IS NULL"),
        ),
        Index(
            "uq_reports_open_on_comment",
            "reporter_id",
            "comment_id",
            unique=True,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A comment's report names its article too, for the queue's links.
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(20))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="joined")
    article: Mapped[Article] = relationship(lazy="joined", innerjoin=True)
    comment: Mapped[Comment | None] = relationship(lazy="joined")
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id], lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @classmethod
    def by_id_or_404(cls, report_id: int) -> "Report":
        report = db.session.get(cls, report_id)
        if report is None:
            raise NotFound({"report": [f"no report {report_id}"]})
        return report

    @classmethod
    def queue(cls) -> Select:
        """Return the select of every report, the open ones first, newest first within each."""
        return select(cls).order_by(
            cls.resolved_at.is_not(None), cls.created_at.desc(), cls.id.desc()
        )

    @classmethod
    def about_article(cls, article_id: int) -> Select:
        """Return the select of the reports of an article and its comments, as queue() orders."""
        return cls.queue().where(cls.article_id == article_id)

    @classmethod
    def open_count(cls) -> int:
        open_reports = select(func.count()).select_from(cls).where(cls.resolved_at.is_(None))
        return db.session.scalar(open_reports) or 0

    @classmethod
    def open_about(cls, article_id: int, comment_id: int | None) -> Select:
        """Return the select of the open reports of an article (comment_id None) or a comment."""
        about = cls.comment_id.is_(None) if comment_id is None else cls.comment_id == comment_id
        return select(cls).where(cls.article_id == article_id, about, cls.resolved_at.is_(None))


class ModerationAction(db.Model):  # type: ignore[name-defined]
    """One entry of the audit log: who did what to which item, when and why.

    The target is named by type and id, with a label (a title, a name) as it was then: the
    item may be gone since. The actor is a user on the pages, or an operator at the command
    line (no user, the name they gave or "cli").
    """

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_created_at_id", desc("created_at"), desc("id")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(40))
    via: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(30))
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int]
    target_label: Mapped[str] = mapped_column(String(LABEL_MAX_LENGTH))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @classmethod
    def log(cls) -> Select:
        """Return the select of every entry, newest first."""
        return select(cls).order_by(cls.created_at.desc(), cls.id.desc())


def page_of(query: Select, *, limit: int, offset: int) -> tuple[list, int]:
    """Return one page of what query selects (ORM entities), and how many it selects in all."""
    total = select(func.count()).select_from(query.order_by(None).subquery())
    rows = list(db.session.scalars(query.limit(limit).offset(offset)))
    return rows, db.session.scalar(total) or 0


def users_named_like(words: str) -> Select:
    """Return the select of the users whose name holds words (any case), by name."""
    query = select(User).order_by(User.username)
    if words:
        query = query.where(User.username.icontains(words, autoescape=True))
    return query


def article_by_id_or_404(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound({"article": [f"no article {article_id}"]})
    return article


def comment_by_id_or_404(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound({"comment": [f"no comment {comment_id}"]})
    return comment


def user_by_id_or_404(user_id: int) -> User:
    user = User.by_id(user_id)
    if user is None:
        raise NotFound({"user": [f"no user {user_id}"]})
    return user
