"""Security headers on every response, Cache-Control on answers that hold private data,
and no NUL characters in URLs.

The pages use this site's own stylesheet and pictures, avatars and article images from any
web host, and no JavaScript at all; their Content-Security-Policy allows exactly that. Other
answers (the API's JSON, static files) are never meant to be rendered as a page, so their
policy allows nothing.
"""

import re
from collections.abc import Callable, Iterable

from flask import Flask, Request, Response, request, session

from app.errors import NotFound, ValidationFailed, is_api_path
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
# A NUL in a query string, raw or percent-encoded.
NUL_IN_QUERY = re.compile(rb"\x00|%00")


def _keyed(headers: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    """Return the headers as (lower-cased name, name, value): names are caseless."""
    return tuple((name.lower(), name, value) for name, value in headers.items())


class SecurityHeaders:
    """WSGI middleware giving every response the headers its view did not set, a page's or
    the others', worked out once from the configuration rather than on every response.

    Below Flask rather than an after_request function: werkzeug checks each header value
    it is given, and again when it copies the headers to send them, and these constants
    need no check. Added to the WSGI list they cost 3 us a response, against 14.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], hsts_seconds: int):
        self.wsgi_app = wsgi_app
        https_only = HTTPS_ONLY_POLICY if hsts_seconds else ()
        hsts = {"Strict-Transport-Security": f"max-age={hsts_seconds}"} if hsts_seconds else {}
        page = HEADERS | PAGE_HEADERS | hsts
        page["Content-Security-Policy"] = "; ".join(PAGE_POLICY + https_only)
        other = HEADERS | hsts | {"Content-Security-Policy": "; ".join(NOTHING_POLICY)}
        self.page, self.other = _keyed(page), _keyed(other)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start_with_defaults(status, headers, exc_info=None):
            present = {name.lower(): value for name, value in headers}
            is_page = present.get("content-type", "").startswith("text/html")
            defaults = self.page if is_page else self.other
            headers.extend([(name, value) for key, name, value in defaults if key not in present])
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_defaults)


def register_security_headers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(cache_control)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, app.config["HSTS_SECONDS"])


def refuse_nul_characters() -> None:
    """Refuse a NUL in the URL, for the API and the pages alike, before any view runs.

    No slug, username or filter holds one, and PostgreSQL cannot even compare one: the
    driver raises, which would otherwise surface as a 500. The raw path and query are looked
    at first, so that the query string is parsed only when it may hold one.
    """
    if "\x00" not in request.path and not NUL_IN_QUERY.search(request.query_string):
        return
    for name, value in (request.view_args or {}).items():
        if "\x00" in str(value):
            raise NotFound({name: ["not found"]})
    for name, value in request.args.items(multi=True):
        if "\x00" in value:
            raise ValidationFailed({name: [NUL_MESSAGE]})


def holds_private_data(served: Request, api: bool) -> bool:
    """Return whether this answer, an API one or a page, may hold what only the requester
    may see.

    That is the answer to any write, to any API request with a token, and to any page
    requested with a session: signed in, or holding a CSRF token or a message of its own.
    """
    if served.method not in READS or "Authorization" in served.headers:
        return True
    return not api and bool(session or session.modified)


def cache_control(response: Response) -> Response:
    """Forbid storing private answers; let caches keep public ones only if they revalidate.
    Static files keep the caching Flask gives them."""
    # The request once: through its proxy, every attribute is a context lookup.
    served = request._get_current_object()
    if served.endpoint == "static":
        return response
    headers = response.headers
    api = is_api_path(served.path)
    if holds_private_data(served, api):
        headers["Cache-Control"] = "no-store"
    elif "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-cache"
    if api:
        response.vary.add("Authorization")
    return response
