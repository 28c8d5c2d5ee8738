"""What the browser pages share: the signed-in user, safe `next` URLs, pagination, the
article page (which the comment forms re-render), and the templates' helpers (their links
are app/links.py's)."""

from dataclasses import dataclass
from datetime import datetime
from math import ceil
from urllib.parse import unquote, urlsplit

from flask import Flask, render_template, request
from flask_login import current_user
from marshmallow import ValidationError, fields, validate

from app.articles import reads
from app.auth.tokens import Reader
from app.comments.models import CommentView
from app.errors import NotFound
from app.links import (
    LINK_KINDS,
    current_path,
    link_filter,
    link_helpers,
    page_url,
    remembered_url_for,
    sign_in_url,
    toggle_favorite_url,
)
from app.markdown import render_markdown
from app.schemas import BaseSchema
from app.users.models import User

PER_PAGE = 20
PAGE_WINDOW = 2
HOME = "/"


def signed_in_user() -> User | None:
    """Return the user signed in to this browser session, or None."""
    if not current_user.is_authenticated:
        return None
    return current_user._get_current_object()


def viewer_id() -> int | None:
    user = signed_in_user()
    return user and user.id


def reader() -> Reader | None:
    """Return the signed-in user as the article reads take them, or None."""
    user = signed_in_user()
    return user and Reader.of(user)


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


class PageArgs(BaseSchema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, error="must be a positive integer"),
        error_messages={"invalid": "must be a positive integer"},
    )


PAGE_ARGS = PageArgs()


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
            if window and number - window[-1] > 1:
                window.append(None)
            window.append(number)
        return window


def requested_page_number() -> int:
    """Return the ?page=N of this request (1 without one); raise NotFound when it is not one."""
    try:
        return PAGE_ARGS.load(request.args)["page"]
    except ValidationError as error:
        raise NotFound({"page": ["must be a positive integer"]}) from error


def article_page(filters: dict) -> Pagination:
    """Return the requested page of the articles the filters list (reads.article_list's) as
    the signed-in user sees it."""
    number = requested_page_number()
    offset = (number - 1) * PER_PAGE
    shown = reads.article_list(filters, reader(), limit=PER_PAGE, offset=offset)
    if number > 1 and not shown.articles:
        raise NotFound({"page": [f"there is no page {number}"]})
    return Pagination(items=shown.views(), number=number, total=shown.count)


def render_article_page(
    slug: str, *, comment: str = "", errors: dict | None = None, status: int = 200
):
    """Return the article page for slug, its comment form holding `comment` and `errors`."""
    article = reads.article(slug, reader()).views()[0]
    page = render_template(
        "articles/article.html",
        view=article,
        body=render_markdown(article.article.body),
        comments=CommentView.for_article(article.article, viewer_id()),
        comment=comment,
        errors=errors or {},
    )
    return page, status


def iso_datetime(moment: datetime) -> str:
    """Return a moment as a <time> element's datetime attribute holds it."""
    return moment.isoformat()


# English, as the pages are, whatever the server's locale; strftime's %B costs 3 us more.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(moment: datetime) -> str:
    """Return a date as people write it: January 5, 2026."""
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def register_template_helpers(app: Flask) -> None:
    for template_filter in (long_date, iso_datetime, toggle_favorite_url):
        app.add_template_filter(template_filter)
    for kind in LINK_KINDS:
        app.add_template_filter(link_filter(kind), f"{kind}_url")
    app.add_template_global(remembered_url_for, "url_for")
    app.add_template_global(page_url)
    app.context_processor(link_helpers)
    app.add_template_global(sign_in_url)
    app.add_template_global(current_path)
    app.add_template_global(safe_next_url)
