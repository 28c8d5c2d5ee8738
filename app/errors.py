"""The app's exception types and the one set of error handlers.

Under /api/ every error answers the spec's shape, {"errors": {"field": ["message"]}};
elsewhere it renders templates/errors/<code>.html. The URL path decides, never Accept.
"""

import logging

from flask import Flask, render_template, request
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

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


def is_api_request() -> bool:
    return request.path.startswith("/api/")


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


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
