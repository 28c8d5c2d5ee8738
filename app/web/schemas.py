"""What every schema shares: unknown keys ignored, RealWorld-style messages, UTC timestamps."""

from datetime import UTC, datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

BLANK = "can't be blank"
NUL_MESSAGE = "must not contain NUL characters"


class BaseSchema(Schema):
    """Ignores keys it does not know, so extra fields a client sends are never assigned."""

    class Meta:
        unknown = EXCLUDE


def text(*, max_length: int, required: bool = False, allow_blank: bool = False, **kwargs):
    """Return a string field trimmed of surrounding space, with a length limit."""
    return TrimmedString(
        required=required,
        validate=validate.Length(
            max=max_length, error=f"is too long (maximum is {max_length} characters)"
        ),
        error_messages={
            "required": BLANK,
            "null": BLANK,
            "invalid": "must be a string",
        },
        allow_blank=allow_blank,
        **kwargs,
    )


class String(fields.String):
    """A string without NUL characters, which PostgreSQL cannot store or compare."""

    def _deserialize(self, value, attr, data, **kwargs):
        string = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in string:
            raise ValidationError(NUL_MESSAGE)
        return string


class TrimmedString(String):
    """A string with surrounding white space removed; blank counts as missing unless allowed."""

    def __init__(self, *, allow_blank: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.allow_blank = allow_blank

    def _deserialize(self, value, attr, data, **kwargs):
        stripped = super()._deserialize(value, attr, data, **kwargs).strip()
        if not stripped and not self.allow_blank:
            raise ValidationError(BLANK)
        return stripped


def timestamp(value: datetime | None) -> str | None:
    """Return value as UTC ISO 8601 with milliseconds, e.g. 2016-02-18T03:22:56.637Z; a naive
    datetime counts as UTC."""
    if value is None:
        return None
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Timestamp(fields.Field):
    """A datetime written by timestamp()."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        return timestamp(value)
