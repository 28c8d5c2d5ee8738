"""Articles and their favorites, and the helpers that find one to read or change."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    desc,
    exists,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.articles.tags import Tag
from app.database import utcnow
from app.errors import NotFound
from app.extensions import db
from app.users.models import User

article_tags = Table(
    "article_tags",
    db.metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_tags_tag_id_article_id", "tag_id", "article_id"),
)

favorites = Table(
    "favorites",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_favorites_article_id", "article_id"),
)

# How often each article was read on each UTC day, written in batches.
article_views = Table(
    "article_views",
    db.metadata,
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("views", Integer, nullable=False),
    Index("ix_article_views_day", "day"),
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
# What full-text search reads on PostgreSQL (migration 0010): the title and tags weigh most,
# then the description, then the body. SQLite searches an FTS5 table of the same columns.
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english', title), 'A')"
    " || setweight(to_tsvector('english', coalesce(tag_names::text, '')), 'A')"
    " || setweight(to_tsvector('english', description), 'B')"
    " || setweight(to_tsvector('english', body), 'C')"
)


class Article(db.Model):  # type: ignore[name-defined]
    __tablename__ = "articles"
    # The lists read published articles in publication order, a list of drafts one author's
    # newest first: each from an index in that order, holding only the rows it lists.
    __table_args__ = (
        Index(
            "ix_articles_published_at_id",
            desc("published_at"),
            desc("id"),
            postgresql_where=text("published"),
            sqlite_where=text("published"),
        ),
        Index(
            "ix_articles_author_id_published_at_id",
            "author_id",
            desc("published_at"),
            desc("id"),
            postgresql_where=text("published"),
            sqlite_where=text("published"),
        ),
        Index(
            "ix_articles_author_id_updated_at",
            "author_id",
            desc("updated_at"),
            postgresql_where=text("NOT published"),
            sqlite_where=text("NOT published"),
        ),
        Index("ix_articles_search_vector", "search_vector", postgresql_using="gin"),
    )
    # What the database computes on a write (counts, names, the search vector) is loaded when
    # read, never fetched back with the write: SQLite has no search vector to fetch.
    __mapper_args__ = {"eager_defaults": False}

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
    # A draft until published; published_at is when it was first published, and stays when
    # it is unpublished again.
    published: Mapped[bool] = mapped_column(default=True, server_default=true())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    word_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Set while moderators hide the article (app/moderation): listed nowhere, counted nowhere.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Written in batches from the views counted in Redis (app/articles/popularity.py).
    views_count: Mapped[int] = mapped_column(BigInteger, server_default=text("0"), deferred=True)
    # Kept by the database as favorites and tags are written (migration 0007's triggers),
    # for the reads (app/articles/reads.py) to take from the row. Deferred: the ORM reads
    # the tags through `tags`, and would only ever hold a copy of these as old as its load.
    favorites_count: Mapped[int] = mapped_column(server_default=text("0"), deferred=True)
    stored_tag_names: Mapped[list[str] | None] = mapped_column("tag_names", JSON, deferred=True)
    # PostgreSQL only, and never loaded: the search reads it in SQL.
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed(SEARCH_DOCUMENT, persisted=True), deferred=True
    )

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
    def by_slug_or_404(cls, slug: str, reader: User | None) -> "Article":
        """Return the article with this slug that reader may see, or raise NotFound: a
        draft is its author's alone, and to anyone else it does not exist."""
        article = cls.by_slug(slug)
        if article is None or not article.visible_to(reader):
            raise no_article_with(slug)
        return article

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None

    def visible_to(self, reader: User | None) -> bool:
        return is_visible(self.published, self.hidden, self.author_id, reader)

    def publish(self, published: bool, at: datetime | None = None) -> None:
        """Publish the article (at that moment, now by default), or make it a draft again;
        the first publication's time stays."""
        self.published = published
        if published and self.published_at is None:
            self.published_at = at or utcnow()

    @classmethod
    def slug_taken(cls, slug: str) -> bool:
        return db.session.scalar(select(exists().where(cls.slug == slug))) or False


def listed(source) -> ColumnElement[bool]:
    """Return a SQL boolean: is the article in source (the table, or a page of it) one the
    lists show, published and not hidden. The kept counts count the same (migration 0013)."""
    return source.c.published & source.c.hidden_at.is_(None)


def is_visible(published: bool, hidden: bool, author_id: int, reader: User | None) -> bool:
    """Return whether reader may see an article: a listed one, their own (a draft, or hidden
    by moderators), or a hidden one when they are an admin."""
    if reader is not None and (reader.id == author_id or (hidden and reader.is_admin)):
        return True
    return published and not hidden


def no_article_with(slug: str) -> NotFound:
    return NotFound({"article": [f"no article with slug {slug!r}"]})
