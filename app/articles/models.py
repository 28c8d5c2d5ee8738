"""Articles, their tags and favorites, and the query helpers that list them for a viewer."""

from datetime import datetime
from functools import cache

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    desc,
    exists,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.connections import prepared
from app.database import insert_if_absent, read_rows, utcnow
from app.errors import NotFound
from app.extensions import db
from app.users.models import User, followed_ids

LISTING_FILTER_NAMES = ("tag", "author", "favorited_by", "feed_of")

article_tags = Table(
    "article_tags",
    db.metadata,
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_tags_tag_id_article_id", "tag_id", "article_id"),
)

favorites = Table(
    "favorites",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "article_id",
        Integer,
        ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Index("ix_favorites_article_id", "article_id"),
)

# Counts the database keeps as the rows they count change (migration 0006's triggers), where
# counting the rows would take time in proportion to them: "articles", of every article.
counters = Table(
    "counters",
    db.metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
ARTICLES_COUNTER = "articles"


class Tag(db.Model):
    __tablename__ = "tags"
    # The most used tags, read in order from the index: the home page's few cost the same
    # however many tags there are.
    __table_args__ = (Index("ix_tags_articles_count_name", desc("articles_count"), "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    # How many articles carry the tag, kept by the database (migration 0006's triggers) and
    # read by names_in_use and listing_count. Deferred, as the article's kept columns are:
    # a loaded tag would only hold a copy as old as its load.
    articles_count: Mapped[int] = mapped_column(server_default=text("0"), deferred=True)

    @classmethod
    def names_in_use(cls, limit: int | None = None) -> list[str]:
        """Return the names of the tags on at least one article, most used first: all of
        them, or the first limit."""
        return [name for (name,) in read_rows(_names_in_use_query(limit), {})]

    @classmethod
    def named(cls, names: list[str]) -> list["Tag"]:
        """Return the tags with these names, inserting the missing ones.

        Insert-if-absent, in name order: a concurrent request adding the same new name waits
        for this one's transaction, then finds the tag instead of failing on its unique name.
        """
        by_name = cls._by_name(names)
        missing = sorted(set(names) - by_name.keys())
        for name in missing:
            insert_if_absent(cls.__table__, name=name)
        if missing:
            by_name = cls._by_name(names)
        return [by_name[name] for name in names]

    @classmethod
    def _by_name(cls, names: list[str]) -> dict[str, "Tag"]:
        tags = db.session.scalars(select(cls).where(cls.name.in_(names)))
        return {tag.name: tag for tag in tags}


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_created_at_id", desc("created_at"), desc("id")),
        Index("ix_articles_author_id_created_at_id", "author_id", desc("created_at"), desc("id")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # Kept by the database as favorites and tags are written (migration 0007's triggers),
    # for the card queries (cards.py) to read with the row. Deferred: the ORM reads the tags
    # through `tags`, and would only ever hold a copy of these as old as its load.
    favorites_count: Mapped[int] = mapped_column(server_default=text("0"), deferred=True)
    kept_tag_names: Mapped[list[str] | None] = mapped_column("tag_names", JSON, deferred=True)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list[Tag]] = relationship(
        secondary=article_tags, order_by=Tag.name, passive_deletes=True
    )

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    @classmethod
    def by_slug(cls, slug: str) -> "Article | None":
        return db.session.scalar(select(cls).where(cls.slug == slug))

    @classmethod
    def by_slug_or_404(cls, slug: str) -> "Article":
        """Return the article with this slug, or raise NotFound."""
        article = cls.by_slug(slug)
        if article is None:
            raise NotFound({"article": [f"no article with slug {slug!r}"]})
        return article

    @classmethod
    def slug_taken(cls, slug: str) -> bool:
        return db.session.scalar(select(exists().where(cls.slug == slug))) or False


# The read queries use the tables rather than the mapped classes: they return plain rows,
# and SQLAlchemy runs table queries at about half the cost of ORM ones (cards.py).
articles = Article.__table__
users = User.__table__
tags = Tag.__table__


@cache
def _names_in_use_query(limit: int | None) -> Select:
    in_use = select(tags.c.name).where(tags.c.articles_count > 0)
    in_use = in_use.order_by(tags.c.articles_count.desc(), tags.c.name)
    return prepared(in_use if limit is None else in_use.limit(limit))


def _user_id_named(username):
    return select(users.c.id).where(users.c.username == username).scalar_subquery()


def listing_select(*, tag=None, author=None, favorited_by=None, feed_of=None) -> Select:
    """Return the select of the ids of the articles the filters list, newest first; the
    filters combine, each a value, a bound parameter, or None for no filter."""
    query = select(articles.c.id).order_by(articles.c.created_at.desc(), articles.c.id.desc())
    # Names become ids in subqueries PostgreSQL runs once, before the scan: then each article
    # it walks in list order costs one probe of a primary key, however large the tables.
    if tag is not None:
        tag_id = select(tags.c.id).where(tags.c.name == tag).scalar_subquery()
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


def listing_count(*, tag=None, author=None, favorited_by=None, feed_of=None) -> Select:
    """Return the select of how many ids listing_select would give for these filters, as
    `total`.

    The counts of the whole list and of a tag's are kept by the database: counting those
    rows would take time in proportion to the articles. The other filters bound the count
    by one author's articles, one reader's favorites or follows.
    """
    if author is None and favorited_by is None and feed_of is None:
        if tag is None:
            kept = select(counters.c.value).where(counters.c.name == ARTICLES_COUNTER)
        else:
            kept = select(tags.c.articles_count).where(tags.c.name == tag)
        return select(func.coalesce(kept.scalar_subquery(), 0).label("total"))
    filters = {"tag": tag, "author": author, "favorited_by": favorited_by, "feed_of": feed_of}
    counted = listing_select(**filters).order_by(None).subquery()
    return select(func.count().label("total")).select_from(counted)
