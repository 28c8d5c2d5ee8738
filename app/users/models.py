"""Users, who they follow, and the query helpers that look them up."""

from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    exists,
    false,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.database import utcnow
from app.errors import NotFound
from app.extensions import db

follows = Table(
    "follows",
    db.metadata,
    Column(
        "follower_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "followed_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    CheckConstraint("follower_id <> followed_id", name="not_self"),
    Index("ix_follows_followed_id", "followed_id"),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str] = mapped_column(String(2048), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @classmethod
    def by_id(cls, user_id: int) -> "User | None":
        return db.session.get(cls, user_id)

    @classmethod
    def by_username(cls, username: str) -> "User | None":
        return db.session.scalar(select(cls).where(cls.username == username))

    @classmethod
    def by_username_or_404(cls, username: str) -> "User":
        """Return the user named username, or raise NotFound."""
        user = cls.by_username(username)
        if user is None:
            raise NotFound({"profile": [f"no user named {username!r}"]})
        return user

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        """Return the user with this email, compared case-insensitively."""
        return db.session.scalar(select(cls).where(func.lower(cls.email) == email.lower()))

    @classmethod
    def username_taken(cls, username: str, *, except_id: int | None = None) -> bool:
        return _taken(cls.username == username, except_id)

    @classmethod
    def email_taken(cls, email: str, *, except_id: int | None = None) -> bool:
        return _taken(func.lower(cls.email) == email.lower(), except_id)


Index("uq_users_email_lower", func.lower(User.email), unique=True)


def _taken(condition, except_id: int | None) -> bool:
    query = select(User.id).where(condition)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(select(exists(query))) or False


def is_following(viewer_id: int | None, user_id_column):
    """Return a SQL boolean: does the viewer follow the user in user_id_column."""
    if viewer_id is None:
        return false()
    return exists().where(
        follows.c.follower_id == viewer_id, follows.c.followed_id == user_id_column
    )


def followed_ids(follower_id: int) -> Select:
    """Return a select of the ids of the users that follower_id follows."""
    return select(follows.c.followed_id).where(follows.c.follower_id == follower_id)


@dataclass(frozen=True)
class ProfileView:
    """A user as one viewer sees them."""

    user: User
    following: bool

    @classmethod
    def of(cls, user: User, viewer_id: int | None) -> "ProfileView":
        """Return the profile of user as seen by viewer_id."""
        if viewer_id is None:
            return cls(user=user, following=False)
        following = db.session.scalar(select(is_following(viewer_id, user.id)))
        return cls(user=user, following=bool(following))
