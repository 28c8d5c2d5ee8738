"""The browser's profile pages, with the articles each wrote or favorited, and following."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.articles.pages import article_list_page
from app.auth.login import signed_in_user, viewer
from app.users import services
from app.users.models import Profile, User
from app.web.pages import safe_next_url

blueprint = Blueprint("profiles", __name__)


def _profile_page(username: str, *, favorites: bool):
    reader = viewer()
    profile = Profile.named_or_404(username, reader and reader.id)
    filters = {"favorited_by": profile.username} if favorites else {"author": profile.username}
    return render_template(
        "users/profile.html",
        profile=profile,
        articles=article_list_page(filters, reader),
        favorites=favorites,
    )


@blueprint.get("/profile/<username>")
def profile(username: str):
    return _profile_page(username, favorites=False)


@blueprint.get("/profile/<username>/favorites")
def favorites(username: str):
    return _profile_page(username, favorites=True)


def _back_to_profile(user: User):
    default = url_for("profiles.profile", username=user.username)
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
