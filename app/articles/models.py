"""Articles, their tags and favorites, and the query helpers that list them for a viewer."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
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
    false,
    func,
    select,
)
from sqlalchemy.orm import (
    Mapped,
    contains_eager,
    mapped_column,
    relationship,
    selectinload,
)

from app.database import utcnow
from app.errors import NotFound
from app.extensions import db
from app.users.models import ProfileView, User, followed_ids, is_following

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
    Index("ix_article_tags_tag_id", "tag_id"),
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


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    @classmethod
    def names_in_use(cls) -> list[str]:
        """Return the names of the tags on at least one article, most used first."""
        uses = func.count(article_tags.c.article_id)
        query = (
            select(cls.name)
            .join(article_tags, article_tags.c.tag_id == cls.id)
            .group_by(cls.id, cls.name)
            .order_by(desc(uses), cls.name)
        )
        return list(db.session.scalars(query))

    @classmethod
    def named(cls, names: list[str]) -> list["Tag"]:
        """Return the tags with these names, creating the missing ones in the session."""
        existing = db.session.scalars(select(cls).where(cls.name.in_(names))).all()
        by_name = {tag.name: tag for tag in existing}
        return [by_name.get(name) or cls(name=name) for name in names]


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_created_at_id", desc("created_at"), desc("id")),
        Index("ix_articles_author_id_created_at", "author_id", desc("created_at")),
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

    @classmethod
    def listing(
        cls,
        *,
        tag: str | None = None,
        author: str | None = None,
        favorited_by: str | None = None,
        feed_of: int | None = None,
    ) -> Select:
        """Return a select of matching article ids, newest first; the filters combine."""
        query = select(cls.id).order_by(cls.created_at.desc(), cls.id.desc())
        if tag is not None:
            tagged = select(article_tags.c.article_id).join(Tag).where(Tag.name == tag)
            query = query.where(cls.id.in_(tagged))
        if author is not None:
            query = query.where(cls.author_id.in_(select(User.id).where(User.username == author)))
        if favorited_by is not None:
            favorited = (
                select(favorites.c.article_id)
                .join(User, User.id == favorites.c.user_id)
                .where(User.username == favorited_by)
            )
            query = query.where(cls.id.in_(favorited))
        if feed_of is not None:
            query = query.where(cls.author_id.in_(followed_ids(feed_of)))
        return query


def count_of(listing: Select) -> int:
    """Return how many rows listing matches, ignoring its order and any page bounds."""
    counted = listing.order_by(None).limit(None).offset(None).subquery()
    return db.session.scalar(select(func.count()).select_from(counted))


def favorites_count_of(article_id_column):
    return (
        select(func.count())
        .select_from(favorites)
        .where(favorites.c.article_id == article_id_column)
        .scalar_subquery()
    )


def is_favorited(viewer_id: int | None, article_id_column):
    if viewer_id is None:
        return false()
    return exists().where(
        favorites.c.user_id == viewer_id, favorites.c.article_id == article_id_column
    )


@dataclass(frozen=True)
class ArticleView:
    """An article as one viewer sees it."""

    article: Article
    favorites_count: int
    favorited: bool
    following: bool

    @property
    def author(self) -> ProfileView:
        return ProfileView(user=self.article.author, following=self.following)

    @classmethod
    def page(cls, listing: Select, viewer_id: int | None, *, limit: int, offset: int):
        """Return the views of one page of listing, in two queries whatever its size."""
        page_ids = listing.limit(limit).offset(offset).subquery()
        query = (
            select(
                Article,
                favorites_count_of(Article.id),
                is_favorited(viewer_id, Article.id),
                is_following(viewer_id, Article.author_id),
            )
            .join(page_ids, page_ids.c.id == Article.id)
            .join(Article.author)
            .options(contains_eager(Article.author), selectinload(Article.tags))
            .order_by(Article.created_at.desc(), Article.id.desc())
        )
        return [
            cls(article, count, bool(favorited), bool(following))
            for article, count, favorited, following in db.session.execute(query)
        ]

    @classmethod
    def by_slug_or_404(cls, slug: str, viewer_id: int | None) -> "ArticleView":
        """Return the view of the article with this slug, or raise NotFound."""
        views = cls.page(
            select(Article.id).where(Article.slug == slug), viewer_id, limit=1, offset=0
        )
        if not views:
            raise NotFound({"article": [f"no article with slug {slug!r}"]})
        return views[0]

    @classmethod
    def of(cls, article: Article, viewer_id: int | None) -> "ArticleView":
        """Return the view of one article for viewer_id."""
        return cls.by_slug_or_404(article.slug, viewer_id)
