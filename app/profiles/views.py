"""The browser's profile pages, with the articles each wrote or favorited, and following."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.articles.pages import article_list_page
from app.auth.login import signed_in_user, viewer
from app.errors import NotFound
from app.users import services
from app.users.models import Profile, User
from app.web.pages import safe_next_url

blueprint = Blueprint("profiles", __name__)


def _profile_page(username: str, tab: str, filters: dict, reader: User | None):
    return render_template(
        "users/profile.html",
        profile=Profile.named_or_404(username, reader and reader.id),
        articles=article_list_page(filters, reader),
        tab=tab,
    )


@blueprint.get("/profile/<username>")
def profile(username: str):
    return _profile_page(username, "articles", {"author": username}, viewer())


@blueprint.get("/profile/<username>/favorites")
def favorites(username: str):
    return _profile_page(username, "favorites", {"favorited_by": username}, viewer())


@blueprint.get("/profile/<username>/drafts")
@login_required
def drafts(username: str):
    """The signed-in author's own drafts; anyone else's are not found."""
    reader = signed_in_user()
    if reader.username != username:
        raise NotFound({"drafts": ["are their author's alone"]})
    return _profile_page(username, "drafts", {"drafts_of": reader.id}, reader)


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
