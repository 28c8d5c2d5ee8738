"""The spec's envelopes: `{"article": {...}}` in, `{"article": {...}}` out.

Unwrapping loads the inner object through a schema and turns every way a body can be
wrong (not JSON, not an object, missing key, invalid fields) into a 4xx in the API's shape.
"""

from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from app.errors import BadRequest, ValidationFailed


def flatten_messages(messages: Any) -> list[str]:
    """Return marshmallow's (possibly nested) messages for one field as a flat list."""
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [text for nested in messages.values() for text in flatten_messages(nested)]
    return [text for nested in messages for text in flatten_messages(nested)]


def validation_failed(error: ValidationError) -> ValidationFailed:
    """Return the app's 422 error for a marshmallow ValidationError."""
    messages = error.messages if isinstance(error.messages, dict) else {"body": error.messages}
    return ValidationFailed({field: flatten_messages(text) for field, text in messages.items()})


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """Return data loaded through schema, or raise ValidationFailed."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise validation_failed(error) from error


def unwrap(key: str, schema: Schema) -> dict[str, Any]:
    """Return the request body's `key` object loaded through schema."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise BadRequest(f"The request body must be a JSON object with a {key!r} member.")
    inner = body.get(key)
    if not isinstance(inner, dict):
        raise ValidationFailed({key: ["must be a JSON object"]})
    return load(schema, inner)


def wrap(key: str, schema: Schema, obj: Any) -> dict[str, Any]:
    """Return obj dumped through schema inside the `key` envelope."""
    return {key: schema.dump(obj)}
