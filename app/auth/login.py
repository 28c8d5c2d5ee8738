"""Browser sessions through Flask-Login: whom a session names, where a signed-out visitor is
sent, and the signed-in user for the pages."""

from flask import Flask, flash, g, redirect, request, url_for
from flask_login import current_user

from app.auth.verified import refuse_unverified_page_write
from app.errors import Unauthorized
from app.extensions import login_manager
from app.users.models import User


def init_login(app: Flask) -> None:
    """Bind Flask-Login to app, with Conduit's user loader and sign-in redirect."""
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(sign_in_first)
    app.before_request(refuse_unverified_page_write)


def load_user(session_id: str) -> User | None:
    """Return the session's user; None signs out one deactivated or revoked meanwhile."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = User.by_id(int(user_id))
    if user is None or not user.is_active or user.get_id() != session_id:
        return None
    g.user_id = user.id  # for the request log line
    return user


def sign_in_first():
    """Send a signed-out visitor to sign in, and back to the page they asked for after."""
    flash("Please sign in to continue.", "info")
    wanted = request.full_path.removesuffix("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=wanted))


def viewer() -> User | None:
    """Return the user signed in to this browser session, or None.

    The user itself, not Flask-Login's proxy of it: services add it to rows. The session
    loaded it already, so the lookup is the identity map's, without a query.
    """
    if not current_user.is_authenticated:
        return None
    return User.by_id(current_user.id)


def signed_in_user() -> User:
    """Return the signed-in user of a view under login_required; raise Unauthorized if none."""
    user = viewer()
    if user is None:
        raise Unauthorized({"session": ["Please sign in to continue."]})
    return user
