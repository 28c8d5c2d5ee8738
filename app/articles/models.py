"""Articles and their favorites, and the helpers that find one to change."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
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
)
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

# Counts the database keeps as the rows they count change (migration 0006's triggers), where
# counting the rows would take time in proportion to them: "articles", of every article.
counters = Table(
    "counters",
    db.metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
ARTICLES_COUNTER = "articles"


class Article(db.Model):  # type: ignore[name-defined]
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
    # for the reads (app/articles/reads.py) to take from the row. Deferred: the ORM reads
    # the tags through `tags`, and would only ever hold a copy of these as old as its load.
    favorites_count: Mapped[int] = mapped_column(server_default=text("0"), deferred=True)
    stored_tag_names: Mapped[list[str] | None] = mapped_column("tag_names", JSON, deferred=True)

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
            raise no_article_with(slug)
        return article

    @classmethod
    def slug_taken(cls, slug: str) -> bool:
        return db.session.scalar(select(exists().where(cls.slug == slug))) or False


def no_article_with(slug: str) -> NotFound:
    return NotFound({"article": [f"no article with slug {slug!r}"]})
