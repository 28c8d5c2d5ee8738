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
from flask import Flask, g, has_app_context, request, request_finished, request_started
from flask.ctx import _AppCtxGlobals
from sqlalchemy import inspect

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
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
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

    def __init__(self):
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
    _skip_what_the_lines_leave_out()
    root = logging.getLogger()
    if not any(handler.get_name() == HANDLER_NAME for handler in root.handlers):
        handler = StderrHandler()
        handler.set_name(HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    logging.getLogger(APP_LOGGER).setLevel(level)


def _skip_what_the_lines_leave_out() -> None:
    """Stop every record looking up its thread and its multiprocessing process name, which
    no line shows (the logging HOWTO, Optimization): 7% of the request line's cost. The
    process id stays, for gunicorn's lines; the source line stays, which stack_info needs."""
    logging.logThreads = False
    logging.logMultiprocessing = False


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
    context = g._get_current_object()
    if "request_id" not in context:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        # 32 hex digits, like uuid4().hex, at a fifth of its cost.
        fresh = secrets.token_hex(16)
        context.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else fresh
    return context.request_id


def _start_request(_app: Flask, **_extra) -> None:
    g.request_started = time.perf_counter()
    current_request_id()


def _echo_request_id(response):
    response.headers[REQUEST_ID_HEADER] = current_request_id()
    return response


def _log_request(_app: Flask, response, **_extra) -> None:
    # The request and g once each: through their proxies, every attribute is a context
    # lookup, a third of the line's cost.
    served, context = request._get_current_object(), g._get_current_object()
    started = context.get("request_started", time.perf_counter())
    method, path = served.method, served.path
    fields = {
        "method": method,
        "path": path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": _user_id(context),
        "remote_addr": served.remote_addr,
    }
    level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
    log.log(level, "%s %s %s", method, path, response.status_code, extra=fields)


def _user_id(context: _AppCtxGlobals) -> int | None:
    """Return the id of the user the request acted for, without a query of its own.

    The API's token decorators put it in g. A page's user is Flask-Login's, read only when
    the request loaded it already (g._login_user), and its id comes from the identity map,
    which keeps it even after a commit has expired the object.
    """
    if "user_id" in context:
        return context.user_id
    user = context.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None
