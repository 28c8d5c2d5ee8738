"""JSON Web Tokens for API clients: HS256 only, with a required expiry.

A token also carries its user's token_version as "ver": a new password or a deactivation
raises the version, and every token issued before stops working. Tokens issued before
versions existed have no "ver" and count as version 0, the version every user started at.
"""

import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import jwt
from flask import current_app

from app.database import utcnow
from app.errors import Unauthorized
from app.users.models import User

ALGORITHM = "HS256"
MAX_USER_ID = 2**31 - 1  # the id column is a 32-bit integer
VERIFIED_TOKENS_REMEMBERED = 4096


@dataclass(frozen=True)
class SignedInUser:
    """A user together with the token that proves who they are."""

    user: User
    token: str


def issue_token(user: User) -> str:
    """Return a signed token naming user, valid for JWT_LIFETIME_SECONDS."""
    now = utcnow()
    lifetime = timedelta(seconds=current_app.config["JWT_LIFETIME_SECONDS"])
    claims = {"sub": str(user.id), "ver": user.token_version, "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)


def sign_in(user: User) -> SignedInUser:
    return SignedInUser(user=user, token=issue_token(user))


def user_from_token(token: str) -> User:
    """Return the user a valid token names, or raise Unauthorized."""
    user_id, version = _verified_claims(token)
    user = User.by_id(user_id)
    _check_account(user, version)
    return user


@dataclass
class Reader:
    """Whom a validly signed, unexpired token names, with the token's version: confirmed
    once their account is known to be there, active and still at that version.

    A signed-in read confirms its reader in whichever of its queries comes first (the
    page's or the article's own statement, or the viewer's marks on a cached one, fold the
    account in: app/articles/cards.py), instead of in a statement of its own; the auth
    decorators confirm whoever the view did not.
    """

    id: int
    token_version: object
    confirmed: bool = False

    @classmethod
    def of(cls, user: User) -> "Reader":
        """Return user, loaded and checked already (a token's, a session's), as a reader."""
        return cls(user.id, user.token_version, confirmed=True)

    def confirm(self, account) -> None:
        """Raise Unauthorized unless account, a row of the user's is_active and
        token_version (None without the user), still lets this token in."""
        _check_account(account, self.token_version)
        self.confirmed = True


def reader_from_token(token: str) -> Reader:
    """Return whom a validly signed, unexpired token names, not confirmed yet; raise
    Unauthorized."""
    return Reader(*_verified_claims(token))


def _verified_claims(token: str) -> tuple[int, object]:
    """Return the user id and token version a validly signed, unexpired token claims."""
    user_id, version, expires_at = _signed_claims(token, current_app.config["SECRET_KEY"])
    if time.time() >= expires_at:
        raise Unauthorized({"token": ["is invalid or expired"]})
    return user_id, version


# Checking a signature and its claims costs a fifth of a signed-in read served from the
# cache, and clients send the same token for hours: a token found valid is remembered, with
# its expiry, which is checked on every request; so is revocation (_check_account).
@lru_cache(maxsize=VERIFIED_TOKENS_REMEMBERED)
def _signed_claims(token: str, secret_key: str) -> tuple[int, object, int]:
    """Return the user id, token version and expiry (POSIX seconds) a token validly signed
    with secret_key claims; raise Unauthorized. Invalid tokens are not remembered."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
        user_id = int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError) as error:
        raise Unauthorized({"token": ["is invalid or expired"]}) from error
    if not 0 < user_id <= MAX_USER_ID:
        raise Unauthorized({"token": ["is invalid or expired"]})
    return user_id, claims.get("ver", 0), claims["exp"]


def _check_account(account, version) -> None:
    """Raise Unauthorized unless the account (a user, or a row of its is_active and
    token_version) exists, is active and is still at the token's version."""
    if account is None:
        raise Unauthorized({"token": ["names a user who no longer exists"]})
    if not account.is_active:
        raise Unauthorized({"token": ["belongs to a deactivated account"]})
    # bool is an int in Python: a "ver" of true must not pass for version 1.
    if not (type(version) is int and version == account.token_version):
        raise Unauthorized({"token": ["has been revoked; sign in again"]})
