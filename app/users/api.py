"""The API's current user and profiles: /user and /profiles/<username>."""

from flask import Blueprint

from app.auth.decorators import presented_token, token_optional, token_required
from app.auth.tokens import Reader, SignedInUser, sign_in
from app.envelope import unwrap, wrap
from app.users import services
from app.users.models import ProfileView, User
from app.users.schemas import ProfileOut, UserOut, UserUpdate

blueprint = Blueprint("users_api", __name__)


@blueprint.get("/user")
@token_required
def current_user_details(current_user: User):
    return wrap("user", UserOut(), SignedInUser(current_user, presented_token()))


@blueprint.put("/user")
@token_required
def update_current_user(current_user: User):
    changes = unwrap("user", UserUpdate())
    user = services.update_settings(current_user, changes)
    return wrap("user", UserOut(), sign_in(user))


@blueprint.get("/profiles/<username>")
@token_optional
def profile(username: str, viewer: Reader | None):
    return wrap("profile", ProfileOut(), ProfileView.named_or_404(username, viewer and viewer.id))


@blueprint.post("/profiles/<username>/follow")
@token_required
def follow(username: str, current_user: User):
    user = User.by_username_or_404(username)
    services.follow(current_user, user)
    return wrap("profile", ProfileOut(), ProfileView(user, following=True))


@blueprint.delete("/profiles/<username>/follow")
@token_required
def unfollow(username: str, current_user: User):
    user = User.by_username_or_404(username)
    services.unfollow(current_user, user)
    return wrap("profile", ProfileOut(), ProfileView(user, following=False))
