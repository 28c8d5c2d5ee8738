"""What the browser pages share: the signed-in user, safe `next` URLs, pagination, the
article page (which the comment forms re-render), and the templates' filters."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from math import ceil
from urllib.parse import quote, quote_plus, unquote, urlsplit

from flask import Flask, current_app, g, render_template, request, url_for
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from marshmallow import ValidationError, fields, validate
from sqlalchemy import Select

from app.articles import reads
from app.articles.cards import ArticleView
from app.articles.models import listing_filters_of
from app.auth.tokens import Reader
from app.comments.models import CommentView
from app.errors import NotFound
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


def article_page(listing: Select) -> Pagination:
    """Return the requested page of Article.listing's listing as the signed-in user sees it."""
    number = requested_page_number()
    filters = listing_filters_of(listing)
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


def page_url(number: int) -> str:
    """Return this page's URL showing page `number` of its list, other arguments kept.

    Built by url_for twice a request, the first page's and one around LINK_MARKER, rather
    than once per link of the pagination.
    """
    if "page_url_parts" not in g:
        arguments = request.args.to_dict()
        arguments.pop("page", None)
        endpoint, values = request.endpoint, {**(request.view_args or {}), **arguments}
        # The page comes last: a marker in the other arguments stays where it is.
        before, _, after = url_for(endpoint, **values, page=LINK_MARKER).rpartition(LINK_MARKER)
        g.page_url_parts = url_for(endpoint, **values), before, after
    first, before, after = g.page_url_parts
    return first if number == 1 else f"{before}{number}{after}"


def current_path() -> str:
    """Return this request's path and query, for forms that come back here afterwards."""
    return request.full_path.removesuffix("?")


# A stand-in value url_for leaves as it is, replaced by the real one, quoted as url_for would.
LINK_MARKER = "~conduit-link~"
PATH_SEGMENT_SAFE = "!$&'()*+,/:;=@"  # werkzeug's default converter
QUERY_VALUE_SAFE = "!$'()*,/:;?@"  # werkzeug's query string encoding
# Per kind of link and process: a slug (at most 255 characters) quotes to at most 2,295,
# so about 3 MB at worst.
QUOTED_VALUES_REMEMBERED = 1024


def _remembered(quoting: Callable[[str], str]) -> Callable[[str], str]:
    """Return quoting, remembering the latest values it quoted: a list page quotes the same
    authors and tags again and again, at 3 us each."""
    return lru_cache(maxsize=QUOTED_VALUES_REMEMBERED)(quoting)


@dataclass(frozen=True)
class LinkPattern:
    """A URL url_for built once around LINK_MARKER, for values put in its place: url_for
    routes every call (some 20 us), and a list page links to two hundred authors, articles
    and tags."""

    before: str
    after: str
    quote: Callable[[str], str]

    @classmethod
    def path(cls, endpoint: str, argument: str) -> "LinkPattern":
        before, after = url_for(endpoint, **{argument: LINK_MARKER}).split(LINK_MARKER)
        return cls(before, after, _remembered(partial(quote, safe=PATH_SEGMENT_SAFE)))

    @classmethod
    def query(cls, endpoint: str, argument: str) -> "LinkPattern":
        before, after = url_for(endpoint, **{argument: LINK_MARKER}).split(LINK_MARKER)
        return cls(before, after, _remembered(partial(quote_plus, safe=QUERY_VALUE_SAFE)))

    def __call__(self, value: str) -> str:
        return f"{self.before}{self.quote(value)}{self.after}"


@dataclass(frozen=True)
class PageLinks:
    """The links a list page repeats by the hundred, to articles, authors and tags and to
    favorite an article or not, built from patterns; and the avatar of a user without an
    image of their own."""

    article: LinkPattern
    profile: LinkPattern
    tag: LinkPattern
    favorite: LinkPattern
    unfavorite: LinkPattern
    default_avatar: str

    def avatar(self, user: User) -> str:
        return user.image or self.default_avatar


def page_links() -> PageLinks:
    """Return this app's links for this request's script root (the app's prefix)."""
    by_root = current_app.extensions.setdefault("conduit.page_links", {})
    if request.script_root not in by_root:
        by_root[request.script_root] = PageLinks(
            article=LinkPattern.path("articles.article", "slug"),
            profile=LinkPattern.path("users.profile", "username"),
            tag=LinkPattern.query("articles.home", "tag"),
            favorite=LinkPattern.path("articles.favorite", "slug"),
            unfavorite=LinkPattern.path("articles.unfavorite", "slug"),
            default_avatar=url_for("static", filename="img/avatar.svg"),
        )
    return by_root[request.script_root]


def link_helpers() -> dict[str, PageLinks]:
    """Return this request's links, for the link filters, looked up once per render:
    looked up per link, the app and the request took a tenth of a list page's time."""
    return {"page_links": page_links()}


# The kinds of links PageLinks makes of a value, each the template filter <kind>_url:
# filters, not functions, since Jinja calls a filter directly and a function through
# Context.call, which costs 2.5 us more, and a list page makes some two hundred links.
LINK_KINDS = ("article", "profile", "tag", "avatar")


def link_filter(kind: str) -> Callable:
    """Return the filter that makes this page's `kind` link of a value (a slug, a username,
    a tag's name, a user for their avatar)."""

    @pass_context
    def link(context: Context, value) -> str:
        return getattr(context["page_links"], kind)(value)

    return link


@pass_context
def toggle_favorite_url(context: Context, view: ArticleView) -> str:
    """Return where the viewer's favorite button posts: to unfavorite or to favorite."""
    links = context["page_links"]
    toggle = links.unfavorite if view.favorited else links.favorite
    return toggle(view.article.slug)


def iso_datetime(moment: datetime) -> str:
    """Return a moment as a <time> element's datetime attribute holds it."""
    return moment.isoformat()


def sign_in_url(next_url: str | None = None) -> str:
    """Return the sign-in page's URL, back to next_url (this page by default) afterwards;
    this page's is built once per request, for every button on it."""
    if next_url:
        return url_for("auth.login", next=next_url)
    if "sign_in_url" not in g:
        g.sign_in_url = url_for("auth.login", next=current_path())
    return g.sign_in_url


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
    app.add_template_global(page_url)
    app.context_processor(link_helpers)
    app.add_template_global(sign_in_url)
    app.add_template_global(current_path)
    app.add_template_global(safe_next_url)
