"""Use cases of account recovery: reset a forgotten password, verify an email address.

Each token is a random secret mailed to the address and stored only as its hash; it works
once and expires. Asking for a reset answers the same whether or not the address belongs to
an account, and sends nothing when it does not.
"""

import secrets
from datetime import timedelta

from app.accounts import messages
from app.accounts.models import (
    PASSWORD_RESET,
    VERIFY_EMAIL,
    AccountToken,
    revoke_unused_tokens,
    token_hash,
)
from app.database import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.mail import outbox
from app.users.models import User
from app.web.pages import site_url

RESET_LIFETIME = timedelta(hours=1)
VERIFICATION_LIFETIME = timedelta(days=3)
INVALID_LINK = "is invalid or has expired; ask for a new link"


def _new_token(user: User, purpose: str, lifetime: timedelta) -> tuple[str, str]:
    """Add a token for user and purpose to the session; return it and its hash."""
    token = secrets.token_urlsafe(32)
    hashed = token_hash(token)
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=hashed,
            email=user.email,
            expires_at=utcnow() + lifetime,
        )
    )
    return token, hashed


def request_password_reset(email: str) -> None:
    """Mail a reset link to the active account with this email, if there is one; the links
    sent before stop working."""
    user = User.by_email(email)
    if user is None or not user.is_active:
        return
    revoke_unused_tokens(user.id, PASSWORD_RESET)
    token, hashed = _new_token(user, PASSWORD_RESET, RESET_LIFETIME)
    subject, body = messages.password_reset(user, site_url("accounts.reset_password", token=token))
    outbox.queue(
        kind=PASSWORD_RESET,
        recipient=user.email,
        subject=subject,
        body=body,
        key=f"reset:{hashed}",
        secret=True,
    )
    db.session.commit()


def reset_password(token: str, password: str) -> User:
    """Give the token's user the new password and return them; raise ValidationFailed for a
    token that is not usable. Every token, session and other reset link of theirs ends."""
    found = AccountToken.usable(token, PASSWORD_RESET, lock=True)
    # A link mailed to an address the account has left since opens nothing.
    if found is None or not found.user.is_active or not found.sent_to_current_address:
        db.session.rollback()
        raise ValidationFailed({"token": [INVALID_LINK]})
    user = found.user
    user.set_password(password)
    user.revoke_tokens()
    # The link reached the address it was sent to, which proves the address too.
    if not user.email_verified:
        user.email_verified_at = utcnow()
    revoke_unused_tokens(user.id, PASSWORD_RESET)
    db.session.commit()
    return user


def queue_verification(user: User) -> None:
    """Add a verification mail to user's address to the session; earlier links stop working."""
    # Not flushed first: a new email's uniqueness is checked at the caller's commit.
    if user.id is not None:
        with db.session.no_autoflush:
            revoke_unused_tokens(user.id, VERIFY_EMAIL)
    token, hashed = _new_token(user, VERIFY_EMAIL, VERIFICATION_LIFETIME)
    subject, body = messages.verify_email(user, site_url("accounts.verify_email", token=token))
    outbox.queue(
        kind=VERIFY_EMAIL,
        recipient=user.email,
        subject=subject,
        body=body,
        key=f"verify:{hashed}",
        secret=True,
    )


def resend_verification(user: User) -> None:
    """Mail user a new verification link, unless their address is verified already."""
    if user.email_verified:
        return
    queue_verification(user)
    db.session.commit()


def verify_email(token: str) -> User:
    """Mark the address the token was sent to verified and return its user; raise
    ValidationFailed for a token that is not usable or an address changed since."""
    found = AccountToken.usable(token, VERIFY_EMAIL, lock=True)
    if found is None or not found.sent_to_current_address:
        db.session.rollback()
        raise ValidationFailed({"token": [INVALID_LINK]})
    found.used_at = utcnow()
    found.user.email_verified_at = found.user.email_verified_at or utcnow()
    db.session.commit()
    return found.user
