"""The browser's settings page, profiles, and following."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user

from app.envelope import load
from app.errors import ValidationFailed
from app.pages import article_page, safe_next_url, signed_in_user, viewer_id
from app.users import services
from app.users.models import ProfileView, User
from app.users.schemas import UserUpdate

blueprint = Blueprint("users", __name__)


def _settings_page(form, errors: dict, status: int = 200):
    return render_template("users/settings.html", form=form, errors=errors), status


@blueprint.get("/settings")
@login_required
def settings():
    user = signed_in_user()
    form = {"image": user.image, "username": user.username, "bio": user.bio, "email": user.email}
    return _settings_page(form, {})


@blueprint.post("/settings")
@login_required
def update_settings():
    try:
        user = services.update_settings(signed_in_user(), load(UserUpdate(), request.form))
    except ValidationFailed as error:
        return _settings_page(request.form, error.errors, error.status_code)
    login_user(user)  # a new password revoked the old session id; this one stays signed in
    flash("Your settings are saved.", "success")
    return redirect(url_for("users.profile", username=user.username))


def _profile_page(username: str, *, favorites: bool):
    profile = ProfileView.named_or_404(username, viewer_id())
    filters = (
        {"favorited_by": profile.user.username} if favorites else {"author": profile.user.username}
    )
    return render_template(
        "users/profile.html",
        profile=profile,
        articles=article_page(filters),
        favorites=favorites,
    )


@blueprint.get("/profile/<username>")
def profile(username: str):
    return _profile_page(username, favorites=False)


@blueprint.get("/profile/<username>/favorites")
def favorites(username: str):
    return _profile_page(username, favorites=True)


def _back_to_profile(user: User):
    default = url_for("users.profile", username=user.username)
    return redirect(safe_next_url(request.form.get("next"), default=default))


@blueprint.post("/profile/<username>/follow")
@login_required
def follow(username: str):
    user = User.by_username_or_404(username)
    services.follow(signed_in_user(), user)
    flash(f"You are following {user.username}.", "success")
    return _back_to_profile(user)


@blueprint.post("/profile/<username>/unfollow")
@login_required
def unfollow(username: str):
    user = User.by_username_or_404(username)
    services.unfollow(signed_in_user(), user)
    flash(f"You are no longer following {user.username}.", "success")
    return _back_to_profile(user)
