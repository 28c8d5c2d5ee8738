"""Security headers on every response, Cache-Control on answers that hold private data,
and no NUL characters in URLs.

The pages use this site's own stylesheet and pictures, avatars and article images from any
web host, and no JavaScript at all; their Content-Security-Policy allows exactly that. Other
answers (the API's JSON, static files) are never meant to be rendered as a page, so their
policy allows nothing.
"""

from flask import Flask, Response, current_app, request, session

from app.errors import NotFound, ValidationFailed, is_api_request
from app.schemas import NUL_MESSAGE

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
READS = frozenset({"GET", "HEAD"})


def register_security_headers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)


def refuse_nul_characters() -> None:
    """Refuse a NUL in the URL, for the API and the pages alike, before any view runs.

    No slug, username or filter holds one, and PostgreSQL cannot even compare one: the
    driver raises, which would otherwise surface as a 500.
    """
    for name, value in (request.view_args or {}).items():
        if "\x00" in str(value):
            raise NotFound({name: ["not found"]})
    for name, value in request.args.items(multi=True):
        if "\x00" in value:
            raise ValidationFailed({name: [NUL_MESSAGE]})


def add_security_headers(response: Response) -> Response:
    page = response.mimetype == "text/html"
    for name, value in (HEADERS | PAGE_HEADERS if page else HEADERS).items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", content_security_policy(page))
    hsts_seconds = current_app.config["HSTS_SECONDS"]
    if hsts_seconds:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
    if request.endpoint != "static":
        set_cache_control(response)
    return response


def content_security_policy(page: bool) -> str:
    if not page:
        return "; ".join(NOTHING_POLICY)
    https_only = HTTPS_ONLY_POLICY if current_app.config["HSTS_SECONDS"] else ()
    return "; ".join(PAGE_POLICY + https_only)


def holds_private_data() -> bool:
    """Return whether this answer may hold what only the requester may see.

    That is the answer to any write, to any API request with a token, and to any page
    requested with a session: signed in, or holding a CSRF token or a message of its own.
    """
    if request.method not in READS or "Authorization" in request.headers:
        return True
    return not is_api_request() and bool(session or session.modified)


def set_cache_control(response: Response) -> None:
    """Forbid storing private answers; let caches keep public ones only if they revalidate."""
    if holds_private_data():
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers.setdefault("Cache-Control", "no-cache")
    if is_api_request():
        response.vary.add("Authorization")
