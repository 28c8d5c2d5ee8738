"""Structured logs: every record one JSON line on stderr, tagged with its request's id, and
one line per request saying who asked for what and how it went.

No header, cookie or body is ever logged, and the path goes without its query string: those
are where passwords and tokens travel.
"""

import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime

import orjson
from flask import Flask, Response, g, has_app_context, request, request_finished, request_started

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is kept only when it is plainly an id: nothing to forge a log line with.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# The probes answer every few seconds; their request lines go out at DEBUG only.
QUIET_PATHS = frozenset({"/healthz", "/readyz"})
HANDLER_NAME = "conduit-json-stderr"
# The package's loggers, Flask's app.logger among them (it is named for the import name).
APP_LOGGER = "app"
# The attributes every LogRecord has; any other one came from `extra=` or a filter.
RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON, its traceback (if any) under "exc_info"."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        entry["message"] = record.getMessage()
        for name, value in vars(record).items():
            if name not in RECORD_ATTRIBUTES:
                entry.setdefault(name, value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


class RequestIdFilter(logging.Filter):
    """Tags every record logged while a request is served with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_app_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is when the record comes, like logging.lastResort, so a
    stream replaced after start (a test's capture, a reopened stderr) still gets the lines."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


def configure_logging(level: str) -> None:
    """Send records to stderr as JSON: the app's own from `level` up, and the libraries'
    from the root logger's level up (WARNING unless changed), which keeps SQL statements
    and their parameters out even at DEBUG.

    The handler goes on the root logger once per process, however many apps are created.
    """
    root = logging.getLogger()
    if not any(handler.get_name() == HANDLER_NAME for handler in root.handlers):
        handler = StderrHandler()
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    logging.getLogger(APP_LOGGER).setLevel(level)


def register_request_logging(app: Flask) -> None:
    """Give each request of app an id, echo it in the response, and log one line per request.

    Signals, not before/after_request functions: request_started comes before any
    before_request function (CSRF's can end the request early), and request_finished
    sees the response every after_request function has had its turn with.
    """
    request_started.connect(_start_request, app)
    app.after_request(_echo_request_id)
    request_finished.connect(_log_request, app)


def current_request_id() -> str:
    """Return this request's id: the client's X-Request-ID when sane, a new one otherwise."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(16)
    return g.request_id


def _start_request(_app: Flask, **_extra) -> None:
    g.request_started = time.perf_counter()
    current_request_id()


def _echo_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = current_request_id()
    return response


def _log_request(_app: Flask, response: Response, **_extra) -> None:
    started = g.get("request_started", time.perf_counter())
    method, path, status = request.method, request.path, response.status_code
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        # Set by whatever identified the user: the API's token decorators, the pages'
        # session loader (app/auth).
        "user_id": g.get("user_id"),
        "remote_addr": request.remote_addr,
    }
    level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
    log.log(level, "%s %s %s", method, path, status, extra=fields)
