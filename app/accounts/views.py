"""The browser's password reset and email verification pages.

A link in a mail is opened with GET, which may not write: it shows a form, whose POST does
the work (and a mail client's link preview changes nothing).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.accounts import services
from app.accounts.api import RESET_SENT, VERIFICATION_SENT
from app.accounts.models import PASSWORD_RESET, VERIFY_EMAIL, AccountToken
from app.accounts.schemas import PasswordResetConfirm, PasswordResetRequest
from app.auth.login import signed_in_user
from app.errors import ValidationFailed
from app.web.envelope import load
from app.web.limits import limit_mail
from app.web.pages import safe_next_url

blueprint = Blueprint("accounts", __name__)

LINK_INVALID = {"token": [services.INVALID_LINK]}


def _forgot_page(form, errors: dict, status: int = 200):
    return render_template("accounts/forgot_password.html", form=form, errors=errors), status


@blueprint.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    if request.method == "GET":
        return _forgot_page({}, {})
    try:
        email = load(PasswordResetRequest(), request.form)["email"]
    except ValidationFailed as error:
        return _forgot_page(request.form, error.errors, error.status_code)
    limit_mail("password-reset", email)
    services.request_password_reset(email)
    flash(RESET_SENT, "info")
    return redirect(url_for("auth.login"))


def _reset_page(token: str, errors: dict, status: int = 200):
    return render_template("accounts/reset_password.html", token=token, errors=errors), status


# The mailed links carry their token in the query string, which the request log leaves out
# (app/web/request_log.py): a path would put a usable token in the logs.
@blueprint.get("/reset-password")
def reset_password():
    token = request.args.get("token", "")
    if AccountToken.usable(token, PASSWORD_RESET) is None:
        return _forgot_page({}, LINK_INVALID, 404)
    return _reset_page(token, {})


@blueprint.post("/reset-password")
def set_new_password():
    token = request.form.get("token", "")
    try:
        fields = load(
            PasswordResetConfirm(), {"token": token, "password": request.form.get("password")}
        )
        services.reset_password(**fields)
    except ValidationFailed as error:
        if "token" in error.errors:
            return _forgot_page({}, error.errors, error.status_code)
        return _reset_page(token, error.errors, error.status_code)
    flash("Your password is changed: sign in with it. Every other session has ended.", "success")
    return redirect(url_for("auth.login"))


def _verify_page(token: str, errors: dict, status: int = 200):
    return render_template("accounts/verify_email.html", token=token, errors=errors), status


@blueprint.get("/verify-email")
def verify_email():
    token = request.args.get("token", "")
    if AccountToken.usable(token, VERIFY_EMAIL) is None:
        return _verify_page(token, LINK_INVALID, 404)
    return _verify_page(token, {})


@blueprint.post("/verify-email")
def confirm_email():
    token = request.form.get("token", "")
    try:
        user = services.verify_email(token)
    except ValidationFailed as error:
        return _verify_page(token, error.errors, error.status_code)
    flash(f"Thank you: {user.email} is verified.", "success")
    return redirect(url_for("articles.home"))


@blueprint.post("/verify-email/resend")
@login_required
def resend_verification():
    user = signed_in_user()
    limit_mail("verification", str(user.id))
    services.resend_verification(user)
    flash(VERIFICATION_SENT, "info")
    return redirect(safe_next_url(request.form.get("next")))
