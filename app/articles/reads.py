"""What readers see: a page of a list, one article, the tags in use.

The part every reader sees alike is built in the API's shape once and cached
(app/cache.py); the viewer's own part (`favorited`, `following`) is never cached, but set
on those articles from one query for the whole page. On a miss one query computes both.
"""

from dataclasses import dataclass
from datetime import datetime

from app import cache
from app.articles.cards import (
    ArticleCard,
    ArticleView,
    AuthorCard,
    article_row_or_404,
    page_rows,
    public_article,
    viewer_account,
    viewer_marks,
)
from app.articles.models import LISTING_FILTER_NAMES, Tag
from app.auth.tokens import Reader

LISTS_DEPEND_ON = (cache.ARTICLE_LISTS, cache.PROFILES)


@dataclass
class ArticleList:
    """Articles in the API's shape and, in the same order, their and their authors' ids.

    Holds either every reader's part alone (what is cached) or one viewer's view of it.
    """

    articles: list[dict]
    ids: list[list[int]]
    count: int

    def views(self) -> list[ArticleView]:
        """Return the articles as the pages' templates read them."""
        return [
            _view_of(article, *ids) for article, ids in zip(self.articles, self.ids, strict=True)
        ]

    def for_viewer(self, viewer: Reader | None) -> "ArticleList":
        """Return these public articles marked for viewer in one query (none anonymous),
        which confirms the viewer's account too unless it is confirmed already."""
        if viewer is not None and self.ids:
            article_ids = [article_id for article_id, _ in self.ids]
            author_ids = [author_id for _, author_id in self.ids]
            marks = viewer_marks(
                viewer.id, article_ids, author_ids, with_account=not viewer.confirmed
            )
            if not viewer.confirmed:
                viewer.confirm(marks.account)
            self.mark(marks.favorited, marks.followed)
        return self

    def mark(self, favorited: set[int], followed: set[int]) -> "ArticleList":
        for article, (article_id, author_id) in zip(self.articles, self.ids, strict=True):
            article["favorited"] = article_id in favorited
            article["author"]["following"] = author_id in followed
        return self


def _view_of(article: dict, article_id: int, author_id: int) -> ArticleView:
    author = article["author"]
    card = ArticleCard(
        id=article_id,
        slug=article["slug"],
        title=article["title"],
        description=article["description"],
        tag_names=article["tagList"],
        created_at=datetime.fromisoformat(article["createdAt"]),
        updated_at=datetime.fromisoformat(article["updatedAt"]),
        author=AuthorCard(author_id, author["username"], author["bio"], author["image"]),
        body=article.get("body"),
    )
    return ArticleView(card, article["favoritesCount"], article["favorited"], author["following"])


def _public(rows, count: int, *, with_body: bool = False) -> ArticleList:
    """Return the card rows' articles as every reader sees them, whoever the rows' viewer."""
    articles = [public_article(row, with_body=with_body) for row in rows]
    return ArticleList(articles, [[row.id, row.author_id] for row in rows], count)


def _marks_in(rows) -> tuple[set[int], set[int]]:
    favorited = {row.id for row in rows if row.favorited}
    followed = {row.author_id for row in rows if row.following}
    return favorited, followed


def _page(filters: dict, viewer: Reader | None, *, limit: int, offset: int, count=None):
    """Return a page's articles (the rows, then every reader's part) and the list's count,
    the viewer confirmed by the same statement."""
    viewer_id = viewer and viewer.id
    head, rows = page_rows(filters, viewer_id, limit=limit, offset=offset, counting=count is None)
    _confirm(viewer, head)
    return rows, _public(rows, head.total if count is None else count)


def _confirm(viewer: Reader | None, row) -> None:
    """Confirm viewer, unless confirmed already, from a row of a query for them."""
    if viewer is not None and not viewer.confirmed:
        viewer.confirm(viewer_account(row))


def article_list(filters: dict, viewer: Reader | None, *, limit: int, offset: int):
    """Return a page of the listing listing_select(**filters) as viewer sees it, with the
    listing's count; a filter not given is None."""
    filters = {name: filters.get(name) for name in LISTING_FILTER_NAMES}
    depends_on = LISTS_DEPEND_ON
    if filters["feed_of"] is not None:
        # A feed is its reader's own (their id is among the filters, so in the key), and
        # changes with whom they follow.
        depends_on = (*LISTS_DEPEND_ON, cache.follows_version(filters["feed_of"]))
    found = cache.lookup("article-list", [filters, limit, offset], depends_on)
    if found.hit:
        return ArticleList(**found.value).for_viewer(viewer)
    # Counting a large list costs more than reading a page of it: the count is cached on
    # its own too, for every page and page size of the list.
    counted = cache.lookup("article-count", [filters], depends_on)
    count = counted.value if counted.hit else None
    rows, public = _page(filters, viewer, limit=limit, offset=offset, count=count)
    if not counted.hit:
        counted.store(public.count)
    found.store(vars(public))
    return public.mark(*_marks_in(rows))


def depends_on(slug: str) -> tuple[str, ...]:
    """Return the versions an article's entry depends on."""
    return (cache.article_version(slug), cache.PROFILES)


def depends_on_with_comments(slug: str) -> tuple[str, ...]:
    """Return the versions an article and its comments depend on."""
    return (*depends_on(slug), cache.comments_version(slug))


def article(slug: str, viewer: Reader | None) -> ArticleList:
    """Return the article with this slug, body included, as viewer sees it; raise NotFound."""
    found = cache.lookup("article", [slug], depends_on(slug))
    if found.hit:
        return ArticleList(**found.value).for_viewer(viewer)
    row = article_row_or_404(slug, viewer and viewer.id)
    _confirm(viewer, row)
    public = _public([row], 1, with_body=True)
    found.store(vars(public))
    return public.mark(*_marks_in([row]))


@cache.cached("tags", depends_on=[cache.TAGS])
def tag_names() -> list[str]:
    """Return the names of the tags in use, most used first."""
    return Tag.names_in_use()


@cache.cached("popular-tags", depends_on=[cache.TAGS])
def popular_tag_names(count: int) -> list[str]:
    """Return the names of the count most used tags, most used first."""
    return Tag.names_in_use(limit=count)
