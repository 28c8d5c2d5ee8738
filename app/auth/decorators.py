"""Decorators that read the API's Authorization header and hand the route its user.

Only the header is read, never the session cookie: that is what makes it safe to leave
the API out of CSRF protection.
"""

from collections.abc import Callable
from functools import wraps

from flask import g, request

from app.auth.tokens import Reader, reader_from_token, user_from_token
from app.errors import AppError, Unauthorized
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


def current_reader() -> Reader | None:
    """Return whom the request's token names, not confirmed yet, None without a token;
    raise if it is bad."""
    token = presented_token()
    return None if token is None else reader_from_token(token)


def _read_as(view: Callable, reader: Reader | None, args, kwargs):
    """Call the read-only view for reader, then confirm the reader unless the view's queries
    did: a revoked token gets its 401 whatever the view found, a 404 or a 422 included.

    Any other failure (the database out of reach) propagates as it is: confirming would
    only fail again, with an error of its own.
    """
    try:
        answer = view(*args, viewer=reader, **kwargs)
    except AppError:
        _confirm(reader)
        raise
    _confirm(reader)
    return answer


def _confirm(reader: Reader | None) -> None:
    if reader is not None:
        if not reader.confirmed:
            reader.confirm(User.account_state(reader.id))
        # Read by the request log line (app.observability).
        g.user_id = reader.id


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
    """Pass the signed-in reader (app.auth.tokens.Reader) as `viewer`; answer 401 without a
    valid token. For reads only: the view may run before the reader's account is confirmed."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        reader = current_reader()
        if reader is None:
            raise Unauthorized({"token": ["is missing"]})
        return _read_as(view, reader, args, kwargs)

    return wrapper


def token_optional(view: Callable) -> Callable:
    """Pass the signed-in reader (app.auth.tokens.Reader), or None, as `viewer`; a bad token
    still answers 401. For reads only: the view may run before the reader's account is
    confirmed."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return _read_as(view, current_reader(), args, kwargs)

    return wrapper
