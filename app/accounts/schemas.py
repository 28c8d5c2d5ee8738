"""What clients send to recover an account and verify an address, and the answer they get."""

from marshmallow import fields

from app.users.schemas import email_field, password_field
from app.web.schemas import BaseSchema, text

# Longer than any token Conduit issues (43 characters); what is longer is no token of ours.
TOKEN_MAX_LENGTH = 200


class PasswordResetRequest(BaseSchema):
    email = email_field(required=True)


class PasswordResetConfirm(BaseSchema):
    token = text(max_length=TOKEN_MAX_LENGTH, required=True)
    password = password_field(required=True)


class EmailVerification(BaseSchema):
    token = text(max_length=TOKEN_MAX_LENGTH, required=True)


class NoticeOut(BaseSchema):
    """An answer that only says what happened, e.g. that a link was mailed."""

    message = fields.String()
