"""The browser's sign-up, sign-in, sign-out and settings: a session cookie, never a token."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user

from app.auth.login import signed_in_user, viewer
from app.errors import Unauthorized, ValidationFailed
from app.users import services
from app.users.models import User
from app.users.schemas import UserLogin, UserRegister, UserUpdate
from app.web.envelope import load
from app.web.limits import sign_in_limited
from app.web.pages import safe_next_url

blueprint = Blueprint("auth", __name__)


def _next_page() -> str | None:
    """Return the safe `next` page this form was opened with, None for the home page."""
    return safe_next_url(request.args.get("next"), default="") or None


def _signed_in(user: User, greeting: str):
    login_user(user)
    flash(greeting, "success")
    return redirect(safe_next_url(request.args.get("next")))


def _form_page(template: str, form, errors: dict, status: int = 200):
    return render_template(template, form=form, errors=errors, next=_next_page()), status


@blueprint.route("/register", methods=["GET", "POST"])
@sign_in_limited("register")
def register():
    if viewer() is not None:
        return redirect(safe_next_url(request.args.get("next")))
    if request.method == "GET":
        return _form_page("auth/register.html", {}, {})
    try:
        user = services.register(**load(UserRegister(), request.form))
    except ValidationFailed as error:
        return _form_page("auth/register.html", request.form, error.errors, error.status_code)
    return _signed_in(user, f"Welcome to Conduit, {user.username}!")


@blueprint.route("/login", methods=["GET", "POST"])
@sign_in_limited("login")
def login():
    if viewer() is not None:
        return redirect(safe_next_url(request.args.get("next")))
    if request.method == "GET":
        return _form_page("auth/login.html", {}, {})
    try:
        user = services.authenticate(**load(UserLogin(), request.form))
    except (ValidationFailed, Unauthorized) as error:
        return _form_page("auth/login.html", request.form, error.errors, error.status_code)
    return _signed_in(user, f"Welcome back, {user.username}!")


@blueprint.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("articles.home"))


def _settings_page(form, errors: dict, status: int = 200):
    return render_template("users/settings.html", form=form, errors=errors), status


@blueprint.get("/settings")
@login_required
def settings():
    user = signed_in_user()
    form = {
        "image": user.image,
        "username": user.username,
        "bio": user.bio,
        "email": user.email,
        "notifyOnFollow": user.notify_on_follow,
        "notifyOnComment": user.notify_on_comment,
    }
    return _settings_page(form, {})


# A checkbox left unticked sends nothing: on the settings form that means off.
TOGGLES = ("notifyOnFollow", "notifyOnComment")


@blueprint.post("/settings")
@login_required
def update_settings():
    form: dict[str, str | bool] = {**request.form.to_dict()}
    form |= {toggle: toggle in request.form for toggle in TOGGLES}
    try:
        user = services.update_settings(signed_in_user(), load(UserUpdate(), form))
    except ValidationFailed as error:
        return _settings_page(form, error.errors, error.status_code)
    login_user(user)  # a new password revoked the old session id; this one stays signed in
    flash("Your settings are saved.", "success")
    return redirect(url_for("profiles.profile", username=user.username))
