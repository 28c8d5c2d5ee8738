"""The API's registration and sign-in: POST /users and POST /users/login."""

from flask import Blueprint

from app.auth.tokens import sign_in
from app.envelope import unwrap, wrap
from app.limits import sign_in_limited
from app.users import services
from app.users.schemas import UserLogin, UserOut, UserRegister

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
