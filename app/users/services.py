"""Use cases that change users: register, sign in, edit settings, follow and unfollow, and
the operator's password resets, deactivation and promotion."""

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app import cache
from app.accounts import notifications
from app.accounts.services import queue_verification
from app.database import insert_if_absent
from app.errors import Unauthorized, ValidationFailed
from app.extensions import db
from app.users.models import User, follows, spend_a_password_check

TAKEN = "has already been taken"


def _ensure_unique(username: str | None, email: str | None, *, except_id: int | None = None):
    errors = {}
    if username is not None and User.username_taken(username, except_id=except_id):
        errors["username"] = [TAKEN]
    if email is not None and User.email_taken(email, except_id=except_id):
        errors["email"] = [TAKEN]
    if errors:
        raise ValidationFailed(errors)


def _commit_unique(username: str | None, email: str | None, *, except_id: int | None = None):
    """Commit; when a concurrent request took the name or email first, answer 422 as usual."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _ensure_unique(username, email, except_id=except_id)
        raise


def register(username: str, email: str, password: str, *, is_admin: bool = False) -> User:
    """Create and return a user; raise ValidationFailed when the name or email is taken."""
    _ensure_unique(username, email)
    user = User(username=username, email=email, is_admin=is_admin)
    user.set_password(password)
    db.session.add(user)
    queue_verification(user)
    _commit_unique(username, email)
    return user


def authenticate(email: str, password: str) -> User:
    """Return the active user with these credentials, or raise Unauthorized.

    A hash from before argon2, or at an older cost, is replaced now that the password is known.
    """
    user = User.by_email(email)
    if user is None:
        spend_a_password_check(password)
    if user is None or not user.check_password(password):
        raise Unauthorized({"email or password": ["is invalid"]})
    if not user.is_active:
        raise Unauthorized({"account": ["is deactivated"]})
    if user.password_needs_rehash:
        user.set_password(password)
        db.session.commit()
    return user


def update_settings(user: User, changes: dict) -> User:
    """Apply the validated changes to user and return it; a new email must be verified."""
    _ensure_unique(changes.get("username"), changes.get("email"), except_id=user.id)
    password = changes.pop("password", None)
    if password is not None:
        user.set_password(password)
        user.revoke_tokens()
    new_email = changes.get("email", user.email).lower() != user.email.lower()
    for field, value in changes.items():
        setattr(user, field, value)
    if new_email:
        user.email_verified_at = None
        queue_verification(user)
    notifications.drop_switched_off(user)
    _commit_unique(changes.get("username"), changes.get("email"), except_id=user.id)
    cache.profile_changed()
    return user


def set_password(user: User, password: str) -> User:
    """Give user a new password; the API tokens issued before stop working."""
    user.set_password(password)
    user.revoke_tokens()
    db.session.commit()
    return user


def deactivate(user: User) -> User:
    """Stop user from signing in; their API tokens and browser sessions stop working, and
    their profile leaves the sitemap."""
    user.is_active = False
    user.revoke_tokens()
    db.session.commit()
    cache.profile_changed()
    return user


def activate(user: User) -> User:
    """Let a deactivated user sign in again; the tokens revoked on deactivation stay revoked."""
    user.is_active = True
    db.session.commit()
    cache.profile_changed()
    return user


def promote(user: User) -> User:
    """Make user an admin."""
    user.is_admin = True
    db.session.commit()
    return user


def follow(follower: User, followed: User) -> None:
    """Make follower follow followed; following twice changes nothing."""
    if follower.id == followed.id:
        raise ValidationFailed({"profile": ["cannot follow yourself"]})
    if insert_if_absent(follows, follower_id=follower.id, followed_id=followed.id):
        notifications.record_follow(follower, followed)
    db.session.commit()
    cache.follows_changed(follower.id)


def unfollow(follower: User, followed: User) -> None:
    db.session.execute(
        delete(follows).where(
            follows.c.follower_id == follower.id, follows.c.followed_id == followed.id
        )
    )
    notifications.forget_follow(follower, followed)
    db.session.commit()
    cache.follows_changed(follower.id)
