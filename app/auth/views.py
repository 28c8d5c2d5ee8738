"""The browser's sign-up, sign-in and sign-out: a session cookie, never a token."""

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_user, logout_user

from app.envelope import load
from app.errors import Unauthorized, ValidationFailed
from app.extensions import login_manager
from app.limits import sign_in_limited
from app.pages import safe_next_url, signed_in_user
from app.users import services
from app.users.models import User
from app.users.schemas import UserLogin, UserRegister

blueprint = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the session's user; None signs out one deactivated or revoked meanwhile."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = User.by_id(int(user_id))
    if user is None or not user.is_active or user.get_id() != session_id:
        return None
    return user


@login_manager.unauthorized_handler
def sign_in_first():
    """Send a signed-out visitor to sign in, and back to the page they asked for after."""
    flash("Please sign in to continue.", "info")
    wanted = request.full_path.removesuffix("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=wanted))


def _next_page() -> str | None:
    """Return the safe `next` page this form was opened with, None for the home page."""
    target = safe_next_url(request.args.get("next"), default="")
    return target or None


def _signed_in(user: User, greeting: str):
    login_user(user)
    flash(greeting, "success")
    return redirect(safe_next_url(request.args.get("next")))


@blueprint.route("/register", methods=["GET", "POST"])
@sign_in_limited("register")
def register():
    if signed_in_user() is not None:
        return redirect(safe_next_url(request.args.get("next")))
    if request.method == "GET":
        return render_template("auth/register.html", form={}, errors={}, next=_next_page())
    try:
        user = services.register(**load(UserRegister(), request.form))
    except ValidationFailed as error:
        page = render_template(
            "auth/register.html", form=request.form, errors=error.errors, next=_next_page()
        )
        return page, error.status_code
    return _signed_in(user, f"Welcome to Conduit, {user.username}!")


@blueprint.route("/login", methods=["GET", "POST"])
@sign_in_limited("login")
def login():
    if signed_in_user() is not None:
        return redirect(safe_next_url(request.args.get("next")))
    if request.method == "GET":
        return render_template("auth/login.html", form={}, errors={}, next=_next_page())
    try:
        user = services.authenticate(**load(UserLogin(), request.form))
    except (ValidationFailed, Unauthorized) as error:
        page = render_template(
            "auth/login.html", form=request.form, errors=error.errors, next=_next_page()
        )
        return page, error.status_code
    return _signed_in(user, f"Welcome back, {user.username}!")


@blueprint.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("articles.home"))
