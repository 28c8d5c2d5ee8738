"""The API's registration, sign-in and current user: /users, /users/login and /user."""

from flask import Blueprint

from app.auth.tokens import SignedInUser, presented_token, sign_in, token_required
from app.users import services
from app.users.models import User
from app.users.schemas import UserLogin, UserOut, UserRegister, UserUpdate
from app.web.envelope import unwrap, wrap
from app.web.limits import sign_in_limited

blueprint = Blueprint("auth_api", __name__)


@blueprint.post("/users")
@sign_in_limited("register")
def register():
    fields = unwrap("user", UserRegister())
    user = services.register(**fields)
    return wrap("user", UserOut(), sign_in(user)), 201


@blueprint.post("/users/login")
@sign_in_limited("login")
def login():
    credentials = unwrap("user", UserLogin())
    user = services.authenticate(**credentials)
    return wrap("user", UserOut(), sign_in(user))


@blueprint.get("/user")
@token_required
def current_user_details(current_user: User):
    return wrap("user", UserOut(), SignedInUser(current_user, presented_token() or ""))


@blueprint.put("/user")
@token_required
def update_current_user(current_user: User):
    changes = unwrap("user", UserUpdate())
    user = services.update_settings(current_user, changes)
    return wrap("user", UserOut(), sign_in(user))
