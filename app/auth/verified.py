"""REQUIRE_VERIFIED_EMAIL: while it is on, an account whose address is not verified may sign
in and read, and mend its account (settings, verification, sign-out), but not write."""

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from app.errors import Forbidden, is_api_request
from app.users.models import User
from app.web.http import is_write_request

MUST_VERIFY = (
    "must be verified before you can write: open the link we mailed you, or ask for a new one"
)
# The blueprints an unverified account may still write to.
OPEN_TO_UNVERIFIED = frozenset({"auth", "accounts", "api.auth_api", "api.accounts_api"})


def verification_required() -> bool:
    """Return whether this request is a write that needs a verified address."""
    return (
        current_app.config["REQUIRE_VERIFIED_EMAIL"]
        and is_write_request()
        and request.blueprint not in OPEN_TO_UNVERIFIED
    )


def must_verify_first(user: User) -> bool:
    """Return whether this request is a write that user may not make before verifying."""
    return verification_required() and not user.email_verified


def refuse_unverified_api_write(user: User) -> None:
    """Raise Forbidden when must_verify_first(user)."""
    if must_verify_first(user):
        raise Forbidden({"email": [MUST_VERIFY]})


def refuse_unverified_page_write():
    """Send a page's write by an unverified account back to the home page, with a flash.
    The user is looked at last: loading them costs a query, which reads need not pay."""
    if is_api_request() or not verification_required():
        return None
    if current_user.is_authenticated and not current_user.email_verified:
        flash(f"Your email {MUST_VERIFY}.", "error")
        return redirect(url_for("articles.home"))
    return None
