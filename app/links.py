"""The pages' links: to articles, authors, tags and favorites built from patterns, for the
templates' link filters; to this page's other pages; to sign in and come back here."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from urllib.parse import quote, quote_plus, urlencode

from flask import current_app, g, request, url_for
from jinja2 import pass_context
from jinja2.runtime import Context

from app.articles.cards import ArticleView
from app.users.models import User

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


def remembered_url_for(endpoint: str, **values) -> str:
    """Return url_for(endpoint, **values) for the templates, remembering the URLs that
    depend on nothing but the app's prefix: those of endpoints taking no values, and static
    files'. A page's navigation, stylesheet and buttons are a dozen of them, at 10 us each
    when routed afresh."""
    fixed = not values or (endpoint == "static" and values.keys() == {"filename"})
    if not fixed or endpoint.startswith("."):  # relative to the request's blueprint
        return url_for(endpoint, **values)
    remembered = current_app.extensions.setdefault("conduit.fixed_urls", {})
    key = (request.script_root, endpoint, values.get("filename"))
    if key not in remembered:
        remembered[key] = url_for(endpoint, **values)
    return remembered[key]


def page_url(number: int) -> str:
    """Return this page's URL showing page `number` of its list, other arguments kept.

    The other arguments are encoded as url_for would encode them, but not handed to it:
    named endpoint, _method or _anchor, they would be taken for its own. Built once a
    request, not once per link of the pagination.
    """
    if "page_url_parts" not in g:
        path = url_for(request.endpoint, **(request.view_args or {}))
        kept = [(name, value) for name, value in request.args.items() if name != "page"]
        g.page_url_parts = path, urlencode(kept, safe=QUERY_VALUE_SAFE)
    path, query = g.page_url_parts
    if number > 1:
        query = f"{query}&page={number}" if query else f"page={number}"
    return f"{path}?{query}" if query else path


def current_path() -> str:
    """Return this request's path and query, for forms that come back here afterwards."""
    return request.full_path.removesuffix("?")


def sign_in_url(next_url: str | None = None) -> str:
    """Return the sign-in page's URL, back to next_url (this page by default) afterwards;
    this page's is built once per request, for every button on it."""
    if next_url:
        return url_for("auth.login", next=next_url)
    if "sign_in_url" not in g:
        g.sign_in_url = url_for("auth.login", next=current_path())
    return g.sign_in_url
