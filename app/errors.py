"""The app's exception types and the one set of error handlers.

Under /api/ every error answers the spec's shape, {"errors": {"field": ["message"]}};
elsewhere it renders templates/errors/<code>.html. The URL path decides, never Accept.
"""

import logging

import psycopg2
from flask import Flask, render_template, request
from jinja2 import TemplateNotFound
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger(__name__)

# How long a client should wait before retrying while the database is out of reach.
DATABASE_RETRY_AFTER_SECONDS = 5

ErrorMessages = dict[str, list[str]]


class AppError(Exception):
    """An error the user can act on, with messages keyed by field."""

    status_code = 400

    def __init__(self, errors: ErrorMessages | str):
        super().__init__(errors)
        self.errors = {"body": [errors]} if isinstance(errors, str) else errors


class BadRequest(AppError):
    status_code = 400


class Unauthorized(AppError):
    status_code = 401


class Forbidden(AppError):
    status_code = 403


class NotFound(AppError):
    status_code = 404


class ValidationFailed(AppError):
    status_code = 422


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def is_api_request() -> bool:
    return is_api_path(request.path)


def error_response(status_code: int, errors: ErrorMessages):
    """Return the response for an error, JSON for the API and a page elsewhere."""
    if is_api_request():
        return {"errors": errors}, status_code
    messages = [message for field_messages in errors.values() for message in field_messages]
    try:
        page = render_template(f"errors/{status_code}.html", messages=messages)
    except TemplateNotFound:
        page = render_template("errors/error.html", status_code=status_code, messages=messages)
    return page, status_code


def handle_app_error(error: AppError):
    return error_response(error.status_code, error.errors)


def handle_http_exception(error: HTTPException):
    response = error_response(error.code or 500, {"body": [error.description or error.name]})
    if error.code == 405 and error.valid_methods:
        return (*response, {"Allow": ", ".join(error.valid_methods)})
    return response


def handle_unexpected_error(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(500, {"body": ["Internal server error"]})


def database_unavailable(error: DBAPIError) -> bool:
    """True when the database is out of reach (down, restarting, refusing connections, or
    the connection dropped), which a retry can outlast; False for a fault in the query."""
    return error.connection_invalidated or isinstance(error.orig, psycopg2.OperationalError)


def _reason(error: DBAPIError) -> str:
    """Return the driver's first line about error: no SQL, no parameters."""
    return str(error.orig).strip().partition("\n")[0]


def handle_database_error(error: DBAPIError):
    """Answer 503 with Retry-After while the database is out of reach; any other database
    error is a bug, answered 500 like every unexpected error.

    A warning, not a traceback: the outage is the operator's news, and the readiness probe
    reports it too. The session is ended so the worker starts clean; the pool replaces the
    dropped connections once the database is back (app/connections.py).
    """
    if not database_unavailable(error):
        return handle_unexpected_error(error)
    log.warning("Database unavailable on %s %s: %s", request.method, request.path, _reason(error))
    end_session()
    page, status = error_response(503, {"database": ["is temporarily unavailable"]})
    return page, status, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}


def end_session(_error: BaseException | None = None) -> None:
    """End the request's database session, even when the database has dropped its connection.

    A request's reads leave a transaction open until this rollback. If the database went
    away meanwhile (a restart), the rollback fails after the answer was made, perhaps for a
    committed write: the failure would replace that answer with a bare 500. The pool has
    discarded the connection by then, so a second try ends the session cleanly.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        if not database_unavailable(error):
            raise
        log.warning("Database connection lost while ending the session: %s", _reason(error))
        db.session.remove()


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected_error)
    # Runs before Flask-SQLAlchemy's own teardown, which then finds no session to end.
    app.teardown_appcontext(end_session)
