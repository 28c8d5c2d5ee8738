"""Users, who they follow, and the query helpers that look them up."""

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Column,
    ColumnElement,
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
    true,
)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash

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


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str] = mapped_column(String(2048), default="")
    # Overrides UserMixin's constant True: Flask-Login treats an inactive user as signed out.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Every API token carries the version it was issued at; raising it revokes them all.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # None until the owner opens the link mailed to the address (app/accounts); accounts
    # that existed before verification did count as verified.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whether to mail a digest of new followers, and of comments on the user's articles.
    notify_on_follow: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_on_comment: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """Return whether password is this user's, also against a pre-argon2 werkzeug hash."""
        if not self.password_hash.startswith(ARGON2_PREFIX):
            return _check_werkzeug_hash(self.password_hash, password)
        try:
            return password_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def password_needs_rehash(self) -> bool:
        """True when the hash is werkzeug's or argon2 at other parameters than the current."""
        if not self.password_hash.startswith(ARGON2_PREFIX):
            return True
        return password_hasher().check_needs_rehash(self.password_hash)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def revoke_tokens(self) -> None:
        """Make every API token and browser session issued to this user so far invalid."""
        self.token_version += 1

    def get_id(self) -> str:
        """The session's user id, with the token version, so that revoking ends sessions too."""
        return f"{self.id}:{self.token_version}"

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
            raise no_user_named(username)
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

ARGON2_PREFIX = "$argon2"


@cache
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


@cache
def _throwaway_hash(profile: str) -> str:
    return _hasher(profile).hash("not anyone's password")


def password_hasher() -> PasswordHasher:
    """Return the argon2id hasher at the cost the PASSWORD_HASH_PROFILE setting names."""
    return _hasher(current_app.config["PASSWORD_HASH_PROFILE"])


def hash_password(password: str) -> str:
    """Return the argon2id hash of password, in PHC string form with its salt and cost."""
    return password_hasher().hash(password)


def _check_werkzeug_hash(password_hash: str, password: str) -> bool:
    """Check a scrypt or pbkdf2 hash from werkzeug; an unknown method is a mismatch, not a 500."""
    try:
        return check_password_hash(password_hash, password)
    except ValueError:
        return False


def spend_a_password_check(password: str) -> None:
    """Verify password against a throwaway hash: an unknown email costs what a known one does."""
    throwaway = _throwaway_hash(current_app.config["PASSWORD_HASH_PROFILE"])
    with suppress(VerificationError):
        password_hasher().verify(throwaway, password)


def _taken(condition, except_id: int | None) -> bool:
    query = select(User.id).where(condition)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(select(exists(query))) or False


def no_user_named(username: str) -> NotFound:
    return NotFound({"profile": [f"no user named {username!r}"]})


def is_following(viewer_id: int | None, user_id_column) -> ColumnElement[bool]:
    """Return a SQL boolean: does the viewer follow the user in user_id_column."""
    if viewer_id is None:
        return false()
    return exists().where(
        follows.c.follower_id == viewer_id, follows.c.followed_id == user_id_column
    )


def followed_ids(follower_id) -> Select:
    """Return a select of the ids of the users that follower_id (a value or a bound
    parameter) follows."""
    return select(follows.c.followed_id).where(follows.c.follower_id == follower_id)


@dataclass
class Profile:
    """A user as one viewer sees them: what the API's profile object and the pages' author
    blocks show."""

    username: str
    bio: str
    image: str
    following: bool = False

    @classmethod
    def of(cls, user: User, following: bool = False) -> "Profile":
        return cls(user.username, user.bio, user.image, following)

    @classmethod
    def named_or_404(cls, username: str, viewer_id: int | None) -> "Profile":
        """Return the profile of the user named username as viewer_id sees it, the user and
        whether the viewer follows them in one statement; raise NotFound."""
        query = select(User, is_following(viewer_id, User.id)).where(User.username == username)
        row = db.session.execute(query).first()
        if row is None:
            raise no_user_named(username)
        user, following = row
        return cls.of(user, bool(following))
