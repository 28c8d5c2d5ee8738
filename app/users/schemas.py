"""What users send to register, sign in and edit their settings, and what they get back."""

import gzip
from functools import cache
from pathlib import Path

from marshmallow import ValidationError, fields, post_dump, post_load, validate

from app.web.pages import default_avatar_url
from app.web.schemas import BLANK, BaseSchema, text

USERNAME_PATTERN = r"^[\w.-]+$"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
TOO_COMMON = "is too common"


def username_field(**kwargs):
    field = text(max_length=40, **kwargs)
    field.validators.append(
        validate.Regexp(
            USERNAME_PATTERN, error="may contain only letters, digits, '.', '_' and '-'"
        )
    )
    return field


def email_field(**kwargs):
    field = text(max_length=254, **kwargs)
    field.validators.append(validate.Email(error="is invalid"))
    return field


PASSWORD_LENGTH = validate.Length(
    min=PASSWORD_MIN_LENGTH,
    max=PASSWORD_MAX_LENGTH,
    error=f"must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long",
)


def password_field(**kwargs):
    return fields.String(
        validate=_password_rules,
        error_messages={"required": BLANK, "null": BLANK},
        **kwargs,
    )


def image_field():
    """An optional http(s) image URL; null and "" both mean no image."""
    field = text(max_length=2048, allow_blank=True, allow_none=True)
    field.validators.append(_http_url_or_blank)
    return field


def _http_url_or_blank(value: str | None) -> None:
    if value:
        validate.URL(schemes={"http", "https"}, error="must be an http(s) URL")(value)


@cache
def common_passwords() -> frozenset[str]:
    """Return the 20,000 most common passwords, lower-cased (app/data/README.md)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _password_rules(value: str) -> None:
    """Passwords are kept as typed; refused: all white space, too short or long, too common."""
    if not value.strip():
        raise ValidationError(BLANK)
    PASSWORD_LENGTH(value)
    if value.strip().lower() in common_passwords():
        raise ValidationError(TOO_COMMON)


def _password_rules_unless_empty(value: str | None) -> None:
    if value:
        _password_rules(value)


class UserRegister(BaseSchema):
    username = username_field(required=True)
    email = email_field(required=True)
    password = password_field(required=True)


class PasswordChange(BaseSchema):
    password = password_field(required=True)


class UserLogin(BaseSchema):
    email = text(max_length=254, required=True)
    password = fields.String(
        required=True,
        error_messages={"required": BLANK, "null": BLANK},
    )


class UserUpdate(BaseSchema):
    """Every field optional; an empty password means "keep the current one"."""

    username = username_field()
    email = email_field()
    password = fields.String(allow_none=True, validate=_password_rules_unless_empty)
    bio = text(max_length=2000, allow_blank=True, allow_none=True)
    image = image_field()
    notify_on_follow = fields.Boolean(data_key="notifyOnFollow")
    notify_on_comment = fields.Boolean(data_key="notifyOnComment")

    @post_load
    def drop_blank_password_and_clear_nulls(self, data: dict, **_kwargs) -> dict:
        for clearable in ("bio", "image"):
            if clearable in data and data[clearable] is None:
                data[clearable] = ""
        # A client that sends back the user it was given sends our default picture too.
        if data.get("image") == default_avatar_url():
            data["image"] = ""
        if not data.get("password"):
            data.pop("password", None)
        return data


class WithDefaultImage(BaseSchema):
    """An output with an `image`: a user without a picture of their own gets the default."""

    @post_dump
    def default_image(self, data: dict, **_kwargs) -> dict:
        data["image"] = data["image"] or default_avatar_url()
        return data


class UserOut(WithDefaultImage):
    email = fields.String(attribute="user.email")
    token = fields.String()
    username = fields.String(attribute="user.username")
    bio = fields.String(attribute="user.bio")
    image = fields.String(attribute="user.image")
    email_verified = fields.Boolean(attribute="user.email_verified", data_key="emailVerified")
    notify_on_follow = fields.Boolean(attribute="user.notify_on_follow", data_key="notifyOnFollow")
    notify_on_comment = fields.Boolean(
        attribute="user.notify_on_comment", data_key="notifyOnComment"
    )


class ProfileOut(WithDefaultImage):
    username = fields.String()
    bio = fields.String()
    image = fields.String()
    following = fields.Boolean()
