"""Loading what clients send through a schema, and the API's envelopes: `{"article": {...}}`
in, `{"article": {...}}` out.

Every way a body can be wrong (not JSON, not an object, missing key, invalid fields) turns
into a 4xx in the API's shape.
"""

from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from app.errors import BadRequest, ValidationFailed, validation_failed


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
