"""Articles as readers see them: plain cards, a page of them with its count in one query,
and each reader's marks (favorited, following) for a whole page in another."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    cast,
    exists,
    false,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.articles.models import (
    articles,
    favorites,
    listing_count,
    listing_select,
    users,
)
from app.connections import prepared
from app.database import read_connection, read_rows
from app.errors import NotFound
from app.users.models import ProfileView, follows, is_following


class IsoTimestamp(FunctionElement):
    """A timestamp as the API writes it (app.schemas.timestamp), written by the database:
    UTC ISO 8601 with milliseconds, truncated. Formatting forty of them a page in Python
    cost a fifth of an uncached list's CPU."""

    type = String()
    name = "iso_timestamp"
    inherit_cache = True


@compiles(IsoTimestamp)
def _to_char(element, compiler, **kwargs):
    moment = compiler.process(element.clauses, **kwargs)
    return f"""to_char({moment} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


@compiles(IsoTimestamp, "sqlite")
def _iso_text(element, compiler, **kwargs):
    # SQLAlchemy stores SQLite datetimes as UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff'.
    moment = compiler.process(element.clauses, **kwargs)
    return f"substr({moment}, 1, 10) || 'T' || substr({moment}, 12, 12) || 'Z'"


def is_favorited(viewer_id, article_id_column):
    """Return a SQL boolean: did the viewer (an id, a bound parameter or None) favorite it."""
    if viewer_id is None:
        return false()
    return exists().where(
        favorites.c.user_id == viewer_id, favorites.c.article_id == article_id_column
    )


# What a list shows of an article's own row, with the counts and names kept on it
# (migration 0007); a single article adds its body.
CARD_COLUMNS = (
    "id",
    "slug",
    "title",
    "description",
    "created_at",
    "updated_at",
    "author_id",
    "tag_names",
    "favorites_count",
)


def _card_query(source, viewer_id) -> Select:
    """Return the select of the articles in source (the table, or a page of it holding
    CARD_COLUMNS) as viewer_id sees them, in the order public_article reads: their own
    columns, their author's, their tags and favorites; the caller filters and orders."""
    columns = [
        source.c.id,
        source.c.author_id,
        source.c.slug,
        source.c.title,
        source.c.description,
        IsoTimestamp(source.c.created_at).label("created"),
        IsoTimestamp(source.c.updated_at).label("updated"),
        source.c.tag_names,
        source.c.favorites_count,
        users.c.username,
        users.c.bio,
        users.c.image,
        is_favorited(viewer_id, source.c.id).label("favorited"),
        is_following(viewer_id, source.c.author_id).label("following"),
    ]
    return select(*columns).join_from(source, users, users.c.id == source.c.author_id)


# Built once per shape, with the values as parameters: building a statement this size
# costs more than running it.
@cache
def _page_query(given: frozenset[str], for_viewer: bool, counting: bool) -> Select:
    """Return the query of one page of a listing filtered by the given filters; counting,
    with the listing's count beside each row."""
    listing = listing_select(**{name: bindparam(name) for name in given})
    viewer_id = bindparam("viewer_id") if for_viewer else None
    # The page's rows come out of the listing's scan whole: joined back to the table by id
    # instead, PostgreSQL plans and runs a third more.
    page = (
        listing.with_only_columns(*(articles.c[name] for name in CARD_COLUMNS))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery()
    )
    rows = _card_query(page, viewer_id)
    head = _page_head(given, for_viewer, counting)
    if head is None:
        return prepared(rows.order_by(page.c.created_at.desc(), page.c.id.desc()))
    rows = rows.add_columns(page.c.created_at).subquery()
    head = head.subquery()
    # Outer-joined to its head, so that an empty page still has its count and its viewer.
    return prepared(
        select(*(rows.c[column.key] for column in _CARD_ROW), *head.c)
        .select_from(head.outerjoin(rows, true()))
        .order_by(rows.c.created_at.desc(), rows.c.id.desc())
    )


def _page_head(given: frozenset[str], for_viewer: bool, counting: bool) -> Select | None:
    """Return the select of the one row a page query carries beside its articles: the
    listing's count as `total` when counting, the viewer's account for a viewer; None for
    neither."""
    account = _viewer_account() if for_viewer else []
    if counting:
        return listing_count(**{name: bindparam(name) for name in given}).add_columns(*account)
    return select(*account) if account else None


# The columns of a card row, by name.
_CARD_ROW = _card_query(articles, None).selected_columns


@cache
def _article_query(for_viewer: bool) -> Select:
    viewer_id = bindparam("viewer_id") if for_viewer else None
    account = _viewer_account() if for_viewer else []
    return prepared(
        _card_query(articles, viewer_id)
        .add_columns(*account, articles.c.body)
        .where(articles.c.slug == bindparam("slug"))
    )


def _viewer_account() -> list:
    """Return the columns of the viewer's is_active and token_version, so that the statement
    that reads their page or article confirms their token too (viewer_account). Not
    correlated to the row: PostgreSQL reads them once per statement."""
    viewer = users.alias("viewer")
    return [
        select(column)
        .where(viewer.c.id == bindparam("viewer_id"))
        .scalar_subquery()
        .label(f"viewer_{column.key}")
        for column in (viewer.c.is_active, viewer.c.token_version)
    ]


def viewer_account(row) -> SimpleNamespace | None:
    """Return the viewer's account (app.auth.tokens.Reader.confirm reads it) from a row of
    a query for a viewer, None without the user."""
    if row.viewer_is_active is None:
        return None
    return SimpleNamespace(is_active=row.viewer_is_active, token_version=row.viewer_token_version)


# Named tuples rather than frozen dataclasses: as immutable, and built in a third of the time
# (a frozen dataclass sets each field through object.__setattr__); a list page builds sixty.
class AuthorCard(NamedTuple):
    """An article's author, as every reader sees them."""

    id: int
    username: str
    bio: str
    image: str


class ArticleCard(NamedTuple):
    """An article as every reader sees it: plain data, bound to no session; lists leave out
    the body."""

    id: int
    slug: str
    title: str
    description: str
    tag_names: list[str]
    created_at: datetime
    updated_at: datetime
    author: AuthorCard
    body: str | None = None

    @property
    def author_id(self) -> int:
        return self.author.id


class ArticleView(NamedTuple):
    """An article as one viewer sees it."""

    article: ArticleCard
    favorites_count: int
    favorited: bool
    following: bool

    @property
    def author(self) -> ProfileView:
        return ProfileView(user=self.article.author, following=self.following)


def public_article(row, *, with_body: bool = False) -> dict:
    """Return a card query's row as the API's article object as every reader sees it: not
    favorited, author not followed; with_body, the row holds the body last.

    Built by hand, not dumped through ArticleOut (which documents it in app/openapi.py): a
    list page is twenty of these, and a schema dump costs more than the query behind it.
    """
    _, _, slug, title, description, created, updated, tag_names, favorites_count = row[:9]
    username, bio, image = row[9:12]
    article = {
        "slug": slug,
        "title": title,
        "description": description,
        "tagList": sorted(tag_names or ()),
        "createdAt": created,
        "updatedAt": updated,
        "favorited": False,
        "favoritesCount": favorites_count,
        "author": {"username": username, "bio": bio, "image": image, "following": False},
    }
    if with_body:
        article["body"] = row[-1]
    return article


def page_rows(filters: dict, viewer_id: int | None, *, limit: int, offset: int, counting: bool):
    """Return the head and the rows of one page of the listing listing_select(**filters)
    as viewer_id sees it, in one query whatever the page's size.

    The head holds the listing's count as `total` when counting, and the viewer's account
    (viewer_account) for a viewer; it is None for neither. An empty page still has one.
    """
    given = {name: value for name, value in filters.items() if value is not None}
    query = _page_query(frozenset(given), viewer_id is not None, counting)
    parameters = {**given, "limit": limit, "offset": offset, "viewer_id": viewer_id}
    rows = read_rows(query, parameters)
    if not counting and viewer_id is None:
        return None, rows
    return rows[0], [row for row in rows if row.id is not None]


def article_row_or_404(slug: str, viewer_id: int | None):
    """Return the row, body included, of the article with this slug, or raise NotFound."""
    query = _article_query(viewer_id is not None)
    rows = read_rows(query, {"slug": slug, "viewer_id": viewer_id})
    if not rows:
        raise NotFound({"article": [f"no article with slug {slug!r}"]})
    return rows[0]


@cache
def _marks_query(on_postgresql: bool, with_account: bool):
    viewer_id = bindparam("viewer_id")

    def among(column, name: str):
        if on_postgresql:
            # One array parameter: expanding IN would render the statement anew each time.
            return column == any_(bindparam(name, type_=ARRAY(Integer)))
        return column.in_(bindparam(name, expanding=True))

    marks = [
        select(literal("favorite"), favorites.c.article_id).where(
            favorites.c.user_id == viewer_id, among(favorites.c.article_id, "article_ids")
        ),
        select(literal("follow"), follows.c.followed_id).where(
            follows.c.follower_id == viewer_id, among(follows.c.followed_id, "author_ids")
        ),
    ]
    if with_account:
        marks += [
            select(literal(column.key), cast(column, Integer)).where(users.c.id == viewer_id)
            for column in (users.c.is_active, users.c.token_version)
        ]
    return prepared(union_all(*marks))


@dataclass(frozen=True)
class ViewerMarks:
    """Which articles of a page the viewer favorited and which of its authors they follow;
    asked for, the viewer's account: its is_active and token_version, None without it."""

    favorited: set[int]
    followed: set[int]
    account: SimpleNamespace | None = None


def viewer_marks(
    viewer_id: int, article_ids: list[int], author_ids: list[int], *, with_account: bool = False
) -> ViewerMarks:
    """Return viewer_id's marks among these articles and authors, and with_account their
    account (app.auth.tokens.Reader.confirm reads it), in one query."""
    parameters = {"viewer_id": viewer_id, "article_ids": article_ids, "author_ids": author_ids}
    with read_connection() as connection:
        query = _marks_query(connection.dialect.name == "postgresql", with_account)
        rows = connection.execute(query, parameters).all()
    marks = {"favorite": set(), "follow": set()}
    account = {}
    for kind, value in rows:
        if kind in marks:
            marks[kind].add(value)
        else:
            account[kind] = value
    return ViewerMarks(
        marks["favorite"],
        marks["follow"],
        SimpleNamespace(**account) if account else None,
    )
