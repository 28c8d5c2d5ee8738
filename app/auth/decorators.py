"""Decorators that read the API's Authorization header and hand the route its user.

Only the header is read, never the session cookie: that is what makes it safe to leave
the API out of CSRF protection.
"""

from collections.abc import Callable
from functools import wraps

from flask import g, request

from app.auth.tokens import user_from_token, user_id_from_token
from app.errors import Unauthorized
from app.users.models import User

SCHEMES = ("token", "bearer")


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
    """Return the user the request's token names, None without a token; raise if it is bad."""
    token = presented_token()
    if token is None:
        return None
    user = user_from_token(token)
    # Read by the request log line (app.observability).
    g.user_id = user.id
    return user


def current_api_user_id() -> int | None:
    """Return the id of the user the request's token names, None without a token; raise if
    it is bad. Checks the token as current_api_user does, without loading the user."""
    token = presented_token()
    if token is None:
        return None
    g.user_id = user_id_from_token(token)
    return g.user_id


def token_required(view: Callable) -> Callable:
    """Pass the signed-in user as `current_user`; answer 401 without a valid token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = current_api_user()
        if user is None:
            raise Unauthorized({"token": ["is missing"]})
        return view(*args, current_user=user, **kwargs)

    return wrapper


def token_required_for_reading(view: Callable) -> Callable:
    """Pass the signed-in reader's id as `viewer_id`; answer 401 without a valid token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        viewer_id = current_api_user_id()
        if viewer_id is None:
            raise Unauthorized({"token": ["is missing"]})
        return view(*args, viewer_id=viewer_id, **kwargs)

    return wrapper


def token_optional(view: Callable) -> Callable:
    """Pass the signed-in reader's id, or None, as `viewer_id`; a bad token still answers
    401. For reads: they need only the id."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, viewer_id=current_api_user_id(), **kwargs)

    return wrapper
