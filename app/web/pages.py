"""What the browser pages share: safe `next` URLs, pagination, and the templates' helpers."""

from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from flask import Flask, current_app, request, url_for
from marshmallow import ValidationError, fields, validate

from app.errors import NotFound
from app.web.schemas import BaseSchema, timestamp

PER_PAGE = 20
# Past this page a list's OFFSET would overflow the database's 64-bit integers.
PAGE_MAX = (2**63 - 1) // PER_PAGE
PAGE_WINDOW = 2
HOME = "/"
DEFAULT_AVATAR = "img/avatar.svg"


def _leaves_site(url: str) -> bool:
    path = url.split("?", 1)[0].split("#", 1)[0]
    return (
        not path.startswith("/")
        or path.startswith("//")
        or "\\" in path
        or any(not character.isprintable() or character.isspace() for character in path)
        or bool(urlsplit(url).scheme or urlsplit(url).netloc)
    )


def safe_next_url(target: str | None, default: str = HOME) -> str:
    """Return target when it is a path on this site, default otherwise.

    Browsers read `//host`, `/\\host` and `/<tab>/host` as other sites, and some proxies
    decode %2F before routing, so every decoding of target must stay a local path too.
    """
    if not target or any(not character.isprintable() for character in target):
        return default
    decoded = target
    while True:
        if _leaves_site(decoded):
            return default
        once_more = unquote(decoded)
        if once_more == decoded:
            return target
        decoded = once_more


def site_url(endpoint: str, **values: Any) -> str:
    """Return the absolute URL of endpoint on SITE_URL, inside or outside a request.

    Links in mail use it: the request's own Host header is the client's to choose.
    """
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


class PageArgs(BaseSchema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=PAGE_MAX, error="must be a positive integer"),
        error_messages={"invalid": "must be a positive integer"},
    )


@dataclass(frozen=True)
class Pagination:
    """One page of a list, and what the page links need to know."""

    items: list
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / PER_PAGE))

    @property
    def window(self) -> list[int | None]:
        """Return the page numbers to link to, with None where a run of pages is left out."""
        shown = {1, self.pages} | set(
            range(self.number - PAGE_WINDOW, self.number + PAGE_WINDOW + 1)
        )
        numbers = sorted(number for number in shown if 1 <= number <= self.pages)
        window: list[int | None] = []
        for number in numbers:
            if window and window[-1] is not None and number - window[-1] > 1:
                window.append(None)
            window.append(number)
        return window


def requested_page_number() -> int:
    """Return the ?page=N of this request (1 without one); raise NotFound when it is not one."""
    try:
        return PageArgs().load(request.args)["page"]
    except ValidationError as error:
        raise NotFound({"page": ["must be a positive integer"]}) from error


def page_url(number: int) -> str:
    """Return this page's URL showing page `number` of its list, its other arguments kept.

    They are encoded here rather than passed to url_for, which would take `endpoint`,
    `_anchor` or `_method` for its own.
    """
    path = url_for(request.endpoint or "articles.home", **(request.view_args or {}))
    kept = [(name, value) for name, value in request.args.items(multi=True) if name != "page"]
    if number > 1:
        kept.append(("page", str(number)))
    return f"{path}?{urlencode(kept)}" if kept else path


def canonical_url(endpoint: str, *, page: int = 1, **values: Any) -> str:
    """Return the absolute URL search engines should know this page by: only the arguments
    given, and a list's first page without ?page=."""
    return url_for(endpoint, **values, page=page if page > 1 else None, _external=True)


def current_path() -> str:
    """Return this request's path and query, for forms that come back here afterwards."""
    return request.full_path.removesuffix("?")


def sign_in_url(next_url: str | None = None) -> str:
    """Return the sign-in page's URL, back to next_url (this page by default) afterwards."""
    return url_for("auth.login", next=next_url or current_path())


def avatar_url(person: Any) -> str:
    """Return the URL of a user's or profile's picture: their own, or the default one."""
    return person.image or url_for("static", filename=DEFAULT_AVATAR)


def default_avatar_url() -> str:
    """Return the absolute URL of the default picture, which the API gives for a user without
    one of their own: third-party clients show an empty image as a broken one."""
    return url_for("static", filename=DEFAULT_AVATAR, _external=True)


def iso_datetime(moment: datetime) -> str:
    """Return a moment as a <time> element's datetime attribute holds it."""
    return moment.isoformat()


def long_date(moment: datetime) -> str:
    """Return a date as people write it: January 5, 2026 (in English, as the pages are)."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def register_template_helpers(app: Flask) -> None:
    for template_filter in (long_date, iso_datetime, timestamp):
        app.add_template_filter(template_filter)
    helpers = (page_url, canonical_url, sign_in_url, current_path, safe_next_url, avatar_url)
    for helper in helpers:
        app.add_template_global(helper)
