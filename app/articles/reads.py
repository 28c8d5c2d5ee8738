"""What readers see of articles: a page of a list, or one article.

What every reader sees of an article alike (ArticleData) is read with one statement per page
and cached in Redis; the viewer's own part (favorited, following) comes from the same
statement on a miss, and from one more statement for the whole page on a hit. Lists hold
published articles only, not those moderators hide, newest publication first, but for an
author's own drafts.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache as built_once
from math import ceil
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    bindparam,
    exists,
    false,
    func,
    literal,
    select,
    union_all,
)

from app import cache
from app.articles.models import (
    ARTICLES_COUNTER,
    Article,
    article_tags,
    counters,
    favorites,
    is_visible,
    listed,
    no_article_with,
)
from app.articles.tags import Tag
from app.extensions import db
from app.users.models import Profile, User, followed_ids, follows, is_following

LISTING_FILTERS = ("tag", "author", "favorited_by", "feed_of", "drafts_of")
# Words a minute, for reading times: a common figure for reading on screens.
READING_SPEED = 230

articles = Article.__table__
users = User.__table__


def _user_id_named(username) -> ColumnElement[int]:
    return select(users.c.id).where(users.c.username == username).scalar_subquery()


def listing_order(source, *, drafts: bool) -> tuple:
    """Return the order of a list over source (the table, or a page of it): published
    articles by their first publication, drafts by their last change, newest first."""
    moment = source.c.updated_at if drafts else source.c.published_at
    return moment.desc(), source.c.id.desc()


def listing(*, tag=None, author=None, favorited_by=None, feed_of=None, drafts_of=None) -> Select:
    """Return the select of the ids of the articles the filters list, in list order: the
    listed ones (published, not hidden), or with drafts_of the drafts of that user (an id).
    The filters combine, each a value, a bound parameter, or None for no filter."""
    drafts = drafts_of is not None
    query = select(articles.c.id).order_by(*listing_order(articles, drafts=drafts))
    if drafts:
        query = query.where(articles.c.author_id == drafts_of, ~articles.c.published)
    else:
        query = query.where(listed(articles))
    # Names become ids in subqueries PostgreSQL runs once, before the scan: then each article
    # it walks in list order costs one probe of a primary key, however large the tables.
    if tag is not None:
        tag_id = select(Tag.id).where(Tag.name == tag).scalar_subquery()
        tagged = select(article_tags.c.article_id).where(article_tags.c.tag_id == tag_id)
        query = query.where(articles.c.id.in_(tagged))
    if author is not None:
        query = query.where(articles.c.author_id == _user_id_named(author))
    if favorited_by is not None:
        favorited = select(favorites.c.article_id).where(
            favorites.c.user_id == _user_id_named(favorited_by)
        )
        query = query.where(articles.c.id.in_(favorited))
    if feed_of is not None:
        query = query.where(articles.c.author_id.in_(followed_ids(feed_of)))
    return query


def listing_count(
    *, tag=None, author=None, favorited_by=None, feed_of=None, drafts_of=None
) -> Select:
    """Return the select of how many articles listing() gives for these filters.

    The counts of the whole list and of a tag's are kept by the database: counting those
    rows would take time in proportion to the articles. The other filters bound the count
    by one author's articles or drafts, one reader's favorites or follows.
    """
    if author is None and favorited_by is None and feed_of is None and drafts_of is None:
        if tag is None:
            kept = select(counters.c.value).where(counters.c.name == ARTICLES_COUNTER)
        else:
            kept = select(Tag.articles_count).where(Tag.name == tag)
        return select(func.coalesce(kept.scalar_subquery(), 0))
    filters = {
        "tag": tag,
        "author": author,
        "favorited_by": favorited_by,
        "feed_of": feed_of,
        "drafts_of": drafts_of,
    }
    counted = listing(**filters).order_by(None).subquery()
    return select(func.count()).select_from(counted)


def is_favorited(viewer_id, article_id_column) -> ColumnElement[bool]:
    """Return a SQL boolean: did the viewer (an id, a bound parameter or None) favorite it."""
    if viewer_id is None:
        return false()
    return exists().where(
        favorites.c.user_id == viewer_id, favorites.c.article_id == article_id_column
    )


@dataclass
class ArticleData:
    """An article as the API's article object and the pages show it: plain data, bound to no
    session; a list's leave out the body. `favorited` and `author.following` are one
    viewer's, False for everyone else."""

    id: int
    slug: str
    title: str
    description: str
    tag_list: list[str]
    created_at: datetime
    updated_at: datetime
    published: bool
    published_at: datetime | None
    word_count: int
    views_count: int
    favorites_count: int
    author_id: int
    author: Profile
    body: str | None = None
    favorited: bool = False
    snippet: str | None = None
    hidden: bool = False

    @property
    def reading_minutes(self) -> int:
        return max(1, ceil(self.word_count / READING_SPEED))

    @classmethod
    def from_row(cls, row: Row) -> "ArticleData":
        """Return the article a row of the reads below holds, as every reader sees it."""
        return cls(
            id=row.id,
            slug=row.slug,
            title=row.title,
            description=row.description,
            tag_list=sorted(row.tag_names or ()),
            created_at=row.created_at,
            updated_at=row.updated_at,
            published=row.published,
            published_at=row.published_at,
            word_count=row.word_count,
            views_count=row.views_count,
            favorites_count=row.favorites_count,
            author_id=row.author_id,
            author=Profile(row.username, row.bio, row.image),
            body=getattr(row, "body", None),
            snippet=getattr(row, "snippet", None),
            hidden=row.hidden_at is not None,
        )

    @classmethod
    def from_cache(cls, cached: dict[str, Any]) -> "ArticleData":
        """Return the article from what the cache holds of it (its fields as JSON)."""
        published_at = cached["published_at"]
        return cls(
            **{
                **cached,
                "created_at": datetime.fromisoformat(cached["created_at"]),
                "updated_at": datetime.fromisoformat(cached["updated_at"]),
                "published_at": published_at and datetime.fromisoformat(published_at),
                "author": Profile(**cached["author"]),
            }
        )

    def visible_to(self, viewer: User | None) -> bool:
        return is_visible(self.published, self.hidden, self.author_id, viewer)


@dataclass
class ArticlePage:
    """A page of a list of articles, and how many the whole list holds."""

    articles: list[ArticleData] = field(default_factory=list)
    count: int = 0

    @classmethod
    def from_cache(cls, cached: dict[str, Any]) -> "ArticlePage":
        articles = [ArticleData.from_cache(article) for article in cached["articles"]]
        return cls(articles, cached["count"])


def show_to_viewer(articles: list[ArticleData], favorited: set[int], followed: set[int]) -> None:
    """Set what the viewer who favorited and follows these ids sees on articles."""
    for article in articles:
        article.favorited = article.id in favorited
        article.author.following = article.author_id in followed


def viewer_choices_in(rows: list[Row]) -> tuple[set[int], set[int]]:
    """Return the viewer's favorites and follows among the rows of a read for them."""
    favorited = {row.id for row in rows if row.favorited}
    return favorited, {row.author_id for row in rows if row.following}


def show_to(viewer: User | None, articles: list[ArticleData]) -> None:
    """Set what viewer sees on articles, read from the database in one statement."""
    if viewer is None or not articles:
        return
    parameters = {
        "viewer_id": viewer.id,
        "article_ids": [article.id for article in articles],
        "author_ids": [article.author_id for article in articles],
    }
    chosen: dict[str, set[int]] = {"favorite": set(), "follow": set()}
    for kind, chosen_id in db.session.execute(_viewer_choices_statement(), parameters):
        chosen[kind].add(chosen_id)
    show_to_viewer(articles, chosen["favorite"], chosen["follow"])


# The statements are built once per shape, their values bound at each execution: building a
# statement this size costs more than running it.
ARTICLE_COLUMNS = (
    "id",
    "slug",
    "title",
    "description",
    "created_at",
    "updated_at",
    "published",
    "published_at",
    "word_count",
    "views_count",
    "author_id",
    "tag_names",
    "favorites_count",
    "hidden_at",
)


def with_author_and_viewer_choices(source, viewer_id) -> Select:
    """Return the select of the articles in source (the table, or a page of it) with their
    author, and whether viewer_id (a bound parameter, or None) favorited them and follows
    their author."""
    return select(
        *(source.c[name] for name in ARTICLE_COLUMNS),
        users.c.username,
        users.c.bio,
        users.c.image,
        is_favorited(viewer_id, source.c.id).label("favorited"),
        is_following(viewer_id, source.c.author_id).label("following"),
    ).join_from(source, users, users.c.id == source.c.author_id)


def viewer_id_parameter(for_viewer: bool) -> BindParameter[int] | None:
    return bindparam("viewer_id", type_=Integer) if for_viewer else None


@built_once
def page_statement(filter_names: frozenset[str], for_viewer: bool) -> Select:
    """Return the statement of one page of a listing by these filters, each row with the
    listing's count as articles_count."""
    filters: dict[str, BindParameter[Any]] = {name: bindparam(name) for name in filter_names}
    page = (
        listing(**filters)
        .with_only_columns(*(articles.c[name] for name in ARTICLE_COLUMNS))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery()
    )
    count = listing_count(**filters).scalar_subquery().label("articles_count")
    return (
        with_author_and_viewer_choices(page, viewer_id_parameter(for_viewer))
        .add_columns(count)
        .order_by(*listing_order(page, drafts="drafts_of" in filter_names))
    )


@built_once
def _article_statement(for_viewer: bool) -> Select:
    return (
        with_author_and_viewer_choices(articles, viewer_id_parameter(for_viewer))
        .add_columns(articles.c.body)
        .where(articles.c.slug == bindparam("slug"))
    )


@built_once
def _viewer_choices_statement() -> CompoundSelect:
    viewer_id = viewer_id_parameter(for_viewer=True)
    return union_all(
        select(literal("favorite"), favorites.c.article_id).where(
            favorites.c.user_id == viewer_id,
            favorites.c.article_id.in_(bindparam("article_ids", expanding=True)),
        ),
        select(literal("follow"), follows.c.followed_id).where(
            follows.c.follower_id == viewer_id,
            follows.c.followed_id.in_(bindparam("author_ids", expanding=True)),
        ),
    )


LISTS_DEPEND_ON = (cache.ARTICLE_LISTS, cache.PROFILES)


def _page_depends_on(filters: dict) -> tuple[str, ...]:
    if filters["feed_of"] is None:
        return LISTS_DEPEND_ON
    # A feed is its reader's own (their id is among the filters, so in the key), and
    # changes with whom they follow.
    return (*LISTS_DEPEND_ON, cache.follows_version(filters["feed_of"]))


def article_page(filters: dict, viewer: User | None, *, limit: int, offset: int) -> ArticlePage:
    """Return a page of the articles listing(**filters) lists, as viewer sees it, with how
    many the whole list holds; a filter not given is None."""
    filters = {name: filters.get(name) for name in LISTING_FILTERS}
    found = cache.lookup("article-page", [filters, limit, offset], _page_depends_on(filters))
    if found.hit:
        page = ArticlePage.from_cache(found.value)
        show_to(viewer, page.articles)
        return page
    used = {name: value for name, value in filters.items() if value is not None}
    statement = page_statement(frozenset(used), viewer is not None)
    parameters = {**used, "limit": limit, "offset": offset, "viewer_id": viewer and viewer.id}
    rows = list(db.session.execute(statement, parameters))
    page = ArticlePage([ArticleData.from_row(row) for row in rows], _count(rows, used, offset))
    found.store(page)
    show_to_viewer(page.articles, *viewer_choices_in(rows))
    return page


def _count(rows: list[Row], filters: dict, offset: int) -> int:
    """Return how many articles the list of this page's rows holds: on the rows, but for
    an empty page, which asks the database only when it lies past the list's start."""
    if rows:
        return rows[0].articles_count
    return db.session.scalar(listing_count(**filters)) if offset else 0


def article_depends_on(slug: str, *, with_comments: bool = False) -> tuple[str, ...]:
    """Return the versions an article's cached entries depend on, and its comments'."""
    versions = (cache.article_version(slug), cache.PROFILES)
    return (*versions, cache.comments_version(slug)) if with_comments else versions


def article_data(slug: str, viewer: User | None) -> ArticleData:
    """Return the article with this slug, body included, as viewer sees it; raise NotFound."""
    found = cache.lookup("article", [slug], article_depends_on(slug))
    if found.hit:
        article = _visible_or_404(ArticleData.from_cache(found.value), viewer)
        show_to(viewer, [article])
        return article
    parameters = {"slug": slug, "viewer_id": viewer and viewer.id}
    row = db.session.execute(_article_statement(viewer is not None), parameters).first()
    if row is None:
        raise no_article_with(slug)
    article = ArticleData.from_row(row)
    found.store(article)
    show_to_viewer([_visible_or_404(article, viewer)], *viewer_choices_in([row]))
    return article


def _visible_or_404(article: ArticleData, viewer: User | None) -> ArticleData:
    """Return article if viewer may see it; a draft is its author's alone."""
    if not article.visible_to(viewer):
        raise no_article_with(article.slug)
    return article
