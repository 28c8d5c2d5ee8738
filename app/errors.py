"""The app's exception types and the one set of error handlers.

Under /api/ every error answers the spec's shape, {"errors": {"field": ["message"]}};
elsewhere it renders templates/errors/<code>.html. The URL path decides, never Accept.
"""

import logging
from typing import Any

from flask import Flask, current_app, render_template, request
from jinja2 import TemplateNotFound
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from app.database import database_unavailable, driver_reason, end_session

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


class Conflict(AppError):
    status_code = 409


class ValidationFailed(AppError):
    status_code = 422


class RateLimited(AppError):
    """Too many requests; the client may try again in retry_after seconds."""

    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__({"rate_limit": [f"Too many requests; retry in {retry_after} seconds"]})
        self.retry_after = retry_after


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def is_api_request() -> bool:
    return is_api_path(request.path)


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


def handle_validation_error(error: ValidationError):
    return handle_app_error(validation_failed(error))


def handle_too_many_requests(error: RateLimited):
    page, status = error_response(error.status_code, error.errors)
    return page, status, {"Retry-After": str(error.retry_after)}


def handle_request_too_large(_error: RequestEntityTooLarge):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return error_response(413, {"body": [f"is too large (maximum is {limit} bytes)"]})


def handle_http_exception(error: HTTPException):
    response = error_response(error.code or 500, {"body": [error.description or error.name]})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        return (*response, {"Allow": ", ".join(error.valid_methods)})
    return response


def handle_unexpected_error(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(500, {"body": ["Internal server error"]})


def handle_database_error(error: DBAPIError):
    """Answer 503 with Retry-After while the database is out of reach; any other database
    error is a bug, answered 500 like every unexpected error.

    A warning, not a traceback: the outage is the operator's news, and the readiness probe
    reports it too. The session is ended so that the worker starts clean.
    """
    if not database_unavailable(error):
        return handle_unexpected_error(error)
    log.warning(
        "Database unavailable on %s %s: %s", request.method, request.path, driver_reason(error)
    )
    end_session()
    page, status = error_response(503, {"database": ["is temporarily unavailable"]})
    return page, status, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(RateLimited, handle_too_many_requests)
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(RequestEntityTooLarge, handle_request_too_large)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected_error)
