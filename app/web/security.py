"""Security headers on every response, Cache-Control on answers that hold private data,
and no NUL characters in URLs.

The pages use this site's own stylesheet and pictures, avatars and article images from any
web host, and no JavaScript at all; their Content-Security-Policy allows exactly that. Other
answers (the API's JSON, static files) are never meant to be rendered as a page, so their
policy allows nothing.
"""

import re

from flask import Flask, Response, current_app, request, session

from app.errors import NotFound, ValidationFailed, is_api_path
from app.web.http import SAFE_METHODS
from app.web.schemas import NUL_MESSAGE

PAGE_POLICY = (
    "default-src 'self'",
    # Avatars and article images may sit on any web host: their URLs are checked to be
    # http(s), and the server never fetches them. Nothing on the site uses data: URLs.
    "img-src 'self' https:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
# On a site served only over HTTPS (HSTS on), browsers fetch http:// images over https, so
# that they pass img-src instead of being blocked as mixed content.
HTTPS_ONLY_POLICY = ("upgrade-insecure-requests",)
NOTHING_POLICY = ("default-src 'none'", "frame-ancestors 'none'")

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Older browsers' frame-ancestors 'none'.
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
PAGE_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin"}
# A NUL in a query string, raw or percent-encoded.
NUL_IN_QUERY = re.compile(rb"\x00|%00")
EXTENSION = "conduit.security_headers"


def headers_for(hsts_seconds: int) -> tuple[dict[str, str], dict[str, str]]:
    """Return the headers of a page and of any other answer, for this HSTS max-age."""
    https_only = HTTPS_ONLY_POLICY if hsts_seconds else ()
    hsts = {"Strict-Transport-Security": f"max-age={hsts_seconds}"} if hsts_seconds else {}
    page = HEADERS | PAGE_HEADERS | hsts
    page["Content-Security-Policy"] = "; ".join(PAGE_POLICY + https_only)
    other = HEADERS | hsts | {"Content-Security-Policy": "; ".join(NOTHING_POLICY)}
    return page, other


def register_security_headers(app: Flask) -> None:
    app.extensions[EXTENSION] = headers_for(app.config["HSTS_SECONDS"])
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    app.after_request(cache_control)


def add_security_headers(response: Response) -> Response:
    """Give the response every security header its view did not set itself."""
    page, other = current_app.extensions[EXTENSION]
    defaults = page if response.mimetype == "text/html" else other
    present = {name.lower() for name, _value in response.headers}
    response.headers.extend(
        [(name, value) for name, value in defaults.items() if name.lower() not in present]
    )
    return response


def refuse_nul_characters() -> None:
    """Refuse a NUL in the URL, for the API and the pages alike, before any view runs.

    No slug, username or filter holds one, and PostgreSQL cannot even compare one: the
    driver would raise, which would surface as a 500.
    """
    if "\x00" not in request.path and not NUL_IN_QUERY.search(request.query_string):
        return
    for name, value in (request.view_args or {}).items():
        if "\x00" in str(value):
            raise NotFound({name: ["not found"]})
    for name, value in request.args.items(multi=True):
        if "\x00" in value:
            raise ValidationFailed({name: [NUL_MESSAGE]})


def holds_private_data(api: bool) -> bool:
    """Return whether this answer, an API one or a page, may hold what only the requester
    may see: the answer to any write, to any API request with a token, and to any page
    requested with a session (signed in, or holding a CSRF token or a message of its own)."""
    if request.method not in SAFE_METHODS or "Authorization" in request.headers:
        return True
    return not api and bool(session or session.modified)


def cache_control(response: Response) -> Response:
    """Forbid storing private answers; let caches keep public ones only if they revalidate.
    Static files keep the caching Flask gives them."""
    if request.endpoint == "static":
        return response
    api = is_api_path(request.path)
    if holds_private_data(api):
        response.headers["Cache-Control"] = "no-store"
    elif "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    if api:
        response.vary.add("Authorization")
    return response
