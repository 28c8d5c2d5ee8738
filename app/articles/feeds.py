"""What machines read: Atom feeds of the article lists, the sitemap and robots.txt."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, render_template, request, url_for

from app import cache
from app.articles import reads
from app.articles.pages import requested_tag
from app.articles.reads import ArticleData
from app.articles.sitemap import ARTICLE, SitemapEntry, sitemap_entries
from app.users.models import Profile

blueprint = Blueprint("feeds", __name__)

FEED_SIZE = 20
ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# When a feed without entries says it changed: fixed, so that its answer stays the same.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
# What XML 1.0 allows nowhere in a document, not even as a character reference: the control
# characters but tab and line breaks, surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The pages that only a signed-in user sees, or that are only forms.
UNINDEXED_ENDPOINTS = (
    "articles.new_article",
    "auth.settings",
    "articles.feed",
    "auth.login",
    "auth.register",
)


@blueprint.app_template_filter()
def xml_text(value: str) -> str:
    """Return value without the characters XML 1.0 forbids, which would make the document
    unreadable to every XML parser."""
    return NOT_XML.sub("", value)


@blueprint.app_template_global()
def feed_title(*, tag: str | None = None, author: str | None = None) -> str:
    """Return the title of the feed of a tag's articles, an author's, or (neither) all."""
    if author is not None:
        return f"Conduit: articles by {author}"
    if tag is not None:
        return f"Conduit: #{tag}"
    return "Conduit: global feed"


def entry_id(article: ArticleData) -> str:
    """Return an article's Atom id: a tag URI (RFC 4151) of the site's host name, the day
    the article was written and its id, so that it stays the same through every edit."""
    host = urlsplit(request.host_url).hostname
    written = article.created_at.astimezone(UTC)
    return f"tag:{host},{written:%Y-%m-%d}:article:{article.id}"


@dataclass(frozen=True)
class Feed:
    """An Atom feed: its title, its own URL (also its id), the page it mirrors, its articles."""

    title: str
    self_url: str
    page_url: str
    articles: list[ArticleData]

    @property
    def updated(self) -> datetime:
        """When the feed last changed: the latest of its entries' updates."""
        return max((article.updated_at for article in self.articles), default=EMPTY_FEED_UPDATED)


def _atom_feed(filters: dict, *, title: str, self_url: str, page_url: str):
    page = reads.article_page(filters, None, limit=FEED_SIZE, offset=0)
    feed = Feed(title, self_url, page_url, page.articles)
    return render_template("feeds/atom.xml", feed=feed, entry_id=entry_id), {"Content-Type": ATOM}


@blueprint.get("/articles.atom")
@cache.cached_response(
    "articles-feed", depends_on=lambda: reads.LISTS_DEPEND_ON, arguments=("tag",)
)
def articles_feed():
    tag = requested_tag()
    return _atom_feed(
        {"tag": tag},
        title=feed_title(tag=tag),
        self_url=url_for("feeds.articles_feed", tag=tag, _external=True),
        page_url=url_for("articles.home", tag=tag, _external=True),
    )


@blueprint.get("/profile/<username>/articles.atom")
@cache.cached_response("author-feed", depends_on=lambda username: reads.LISTS_DEPEND_ON)
def author_feed(username: str):
    author = Profile.named_or_404(username, None).username
    return _atom_feed(
        {"author": author},
        title=feed_title(author=author),
        self_url=url_for("feeds.author_feed", username=author, _external=True),
        page_url=url_for("profiles.profile", username=author, _external=True),
    )


def sitemap_url(entry: SitemapEntry) -> str:
    """Return the absolute URL of an article's or a profile's page."""
    if entry.kind == ARTICLE:
        return url_for("articles.article", slug=entry.name, _external=True)
    return url_for("profiles.profile", username=entry.name, _external=True)


@blueprint.get("/sitemap.xml")
@cache.cached_response("sitemap", depends_on=lambda: reads.LISTS_DEPEND_ON)
def sitemap():
    page = render_template("feeds/sitemap.xml", entries=sitemap_entries(), url=sitemap_url)
    return page, {"Content-Type": XML}


@blueprint.get("/robots.txt")
def robots():
    disallowed = [url_for(endpoint) for endpoint in UNINDEXED_ENDPOINTS]
    sitemap_at = url_for("feeds.sitemap", _external=True)
    page = render_template("feeds/robots.txt", disallowed=disallowed, sitemap_url=sitemap_at)
    return page, {"Content-Type": TEXT}
