"""Comments on articles, and the query helper that lists them for a viewer."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text, select
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship

from app.articles.models import Article
from app.database import utcnow
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.users.models import Profile, User, is_following


def posted_at(context: DefaultExecutionContext) -> datetime:
    """Return the created_at of the comment being inserted: a comment starts with its two
    timestamps equal, so that it counts as edited once they differ."""
    return context.get_current_parameters()["created_at"]


class Comment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=posted_at, onupdate=utcnow
    )
    # Set while moderators hide the comment (app/moderation): only admins see it then.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    article: Mapped[Article] = relationship()

    @classmethod
    def on_article_or_404(cls, comment_id: int, article: Article) -> "Comment":
        """Return the comment with this id on article, or raise NotFound."""
        comment = db.session.scalar(
            select(cls).where(cls.id == comment_id, cls.article_id == article.id)
        )
        if comment is None:
            raise NotFound({"comment": [f"no comment {comment_id} on this article"]})
        return comment

    def check_author(self, user: User, action: str) -> None:
        """Raise Forbidden unless user wrote this comment: only its author may `action` it."""
        if self.author_id != user.id:
            raise Forbidden({"comment": [f"only its author may {action} it"]})


@dataclass
class CommentData:
    """A comment as the API's comment object and the article page show it, its author as
    one viewer sees them."""

    id: int
    body: str
    created_at: datetime
    updated_at: datetime
    author_id: int
    author: Profile
    hidden: bool = False

    @property
    def edited(self) -> bool:
        """Whether the body was changed after the comment was posted."""
        return self.updated_at > self.created_at

    @classmethod
    def of(cls, comment: Comment, following: bool = False) -> "CommentData":
        author = Profile.of(comment.author, following)
        return cls(
            comment.id,
            comment.body,
            comment.created_at,
            comment.updated_at,
            comment.author_id,
            author,
            comment.hidden_at is not None,
        )


def comments_on(
    article_id: int, viewer_id: int | None, *, with_hidden: bool = False
) -> list[CommentData]:
    """Return an article's comments as viewer_id sees them, newest first, in one query;
    those moderators hid only with_hidden (for admins)."""
    query = (
        select(Comment, is_following(viewer_id, Comment.author_id))
        .join(Comment.author)
        .options(contains_eager(Comment.author))
        .where(Comment.article_id == article_id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    if not with_hidden:
        query = query.where(Comment.hidden_at.is_(None))
    return [
        CommentData.of(comment, bool(following)) for comment, following in db.session.execute(query)
    ]
