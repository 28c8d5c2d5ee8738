"""The API's profiles and following: /profiles/<username>."""

from flask import Blueprint

from app.auth.tokens import token_optional, token_required
from app.users import services
from app.users.models import Profile, User
from app.users.schemas import ProfileOut
from app.web.envelope import wrap

blueprint = Blueprint("profiles_api", __name__)


@blueprint.get("/profiles/<username>")
@token_optional
def profile(username: str, viewer: User | None):
    return wrap("profile", ProfileOut(), Profile.named_or_404(username, viewer and viewer.id))


@blueprint.post("/profiles/<username>/follow")
@token_required
def follow(username: str, current_user: User):
    user = User.by_username_or_404(username)
    services.follow(current_user, user)
    return wrap("profile", ProfileOut(), Profile.of(user, following=True))


@blueprint.delete("/profiles/<username>/follow")
@token_required
def unfollow(username: str, current_user: User):
    user = User.by_username_or_404(username)
    services.unfollow(current_user, user)
    return wrap("profile", ProfileOut(), Profile.of(user, following=False))
