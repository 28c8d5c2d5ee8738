"""The API's account recovery and email verification, beside /users and /user."""

from flask import Blueprint

from app.accounts import services
from app.accounts.schemas import (
    EmailVerification,
    NoticeOut,
    PasswordResetConfirm,
    PasswordResetRequest,
)
from app.auth.tokens import token_required
from app.users.models import User
from app.web.envelope import unwrap
from app.web.limits import limit_mail

blueprint = Blueprint("accounts_api", __name__)

RESET_SENT = "If an account exists for that address, we have sent it a link to reset its password."
VERIFICATION_SENT = "We have sent a new link to your address, unless it is verified already."


@blueprint.post("/users/password-reset")
def request_password_reset():
    email = unwrap("user", PasswordResetRequest())["email"]
    limit_mail("password-reset", email)
    services.request_password_reset(email)
    return NoticeOut().dump({"message": RESET_SENT}), 202


@blueprint.post("/users/password-reset/confirm")
def confirm_password_reset():
    services.reset_password(**unwrap("user", PasswordResetConfirm()))
    return "", 204


@blueprint.post("/user/verification")
@token_required
def resend_verification(current_user: User):
    limit_mail("verification", str(current_user.id))
    services.resend_verification(current_user)
    return NoticeOut().dump({"message": VERIFICATION_SENT}), 202


@blueprint.post("/users/verify")
def verify_email():
    services.verify_email(unwrap("user", EmailVerification())["token"])
    return "", 204
