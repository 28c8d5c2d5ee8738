"""JSON Web Tokens for API clients (HS256 only, with a required expiry), and the decorators
that read them from the Authorization header and hand the route its user.

Only the header is read, never the session cookie: that is what makes it safe to leave the
API out of CSRF protection. A token also carries its user's token_version as "ver": a new
password or a deactivation raises the version, and every token issued before stops working.
Tokens issued before versions existed have no "ver" and count as version 0, the version
every user started at.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache, wraps

import jwt
from flask import current_app, g, request

from app.auth.verified import refuse_unverified_api_write
from app.database import utcnow
from app.errors import Unauthorized
from app.replicas import follow_writer
from app.users.models import User
from app.web.limits import count_write

ALGORITHM = "HS256"
MAX_USER_ID = 2**31 - 1  # the id column is a 32-bit integer
VERIFIED_TOKENS_REMEMBERED = 4096
SCHEMES = ("token", "bearer")


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
    """Return user with a new token; the request acts as user from now on (g.user_id: its
    log line, and what it wrote, app.replicas)."""
    g.user_id = user.id
    return SignedInUser(user=user, token=issue_token(user))


def user_from_token(token: str) -> User:
    """Return the user a valid token names, or raise Unauthorized: the one place that decides
    whether a token still lets its user in (they exist, are active, and have not revoked it)."""
    user_id, version, expires_at = _signed_claims(token, current_app.config["SECRET_KEY"])
    if time.time() >= expires_at:
        raise Unauthorized({"token": ["is invalid or expired"]})
    follow_writer(user_id)
    user = User.by_id(user_id)
    if user is None:
        raise Unauthorized({"token": ["names a user who no longer exists"]})
    if not user.is_active:
        raise Unauthorized({"token": ["belongs to a deactivated account"]})
    # bool is an int in Python: a "ver" of true must not pass for version 1.
    if not (type(version) is int and version == user.token_version):
        raise Unauthorized({"token": ["has been revoked; sign in again"]})
    return user


# Clients send the same token for hours: a signature found valid is remembered with its
# expiry, which is checked on every request, as is the account (user_from_token).
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


def presented_token() -> str | None:
    """Return the token in the Authorization header, None without one; raise if malformed."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() not in SCHEMES or not token.strip():
        raise Unauthorized({"token": ["must be sent as 'Authorization: Token <jwt>'"]})
    return token.strip()


def current_api_user() -> User | None:
    """Return the user the request's token names, None without a token; raise if it is bad.

    Their writes count against their rate limit.
    """
    token = presented_token()
    if token is None:
        return None
    user = user_from_token(token)
    g.user_id = user.id  # for the request log line
    count_write(user.id)
    refuse_unverified_api_write(user)
    return user


def token_required(view: Callable) -> Callable:
    """Pass the signed-in user as `current_user`; answer 401 without a valid token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = current_api_user()
        if user is None:
            raise Unauthorized({"token": ["is missing"]})
        return view(*args, current_user=user, **kwargs)

    return wrapper


def token_optional(view: Callable) -> Callable:
    """Pass the signed-in user, or None, as `viewer`; a bad token still answers 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, viewer=current_api_user(), **kwargs)

    return wrapper
