"""Flask's JSON through orjson: the same output as the standard library's, several times
faster (README, Performance)."""

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

# Datetimes and dataclasses go through Flask's default() as before (HTTP dates, asdict);
# keys that are not strings are written as strings, as json.dumps does.
OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
OPTIONS |= orjson.OPT_NON_STR_KEYS


class OrjsonProvider(DefaultJSONProvider):
    """Compact UTF-8 JSON, keys in the order given, as the app configured the default one."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._encode(obj, indent=kwargs.get("indent")).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        indent = 2 if (self.compact is None and self._app.debug) or self.compact is False else None
        return self._app.response_class(self._encode(obj, indent) + b"\n", mimetype=self.mimetype)

    def _encode(self, obj: Any, indent: int | None) -> bytes:
        options = OPTIONS | orjson.OPT_INDENT_2 if indent else OPTIONS
        return orjson.dumps(obj, default=self.default, option=options)
