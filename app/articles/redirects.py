"""Slugs an article has given up, remembered so that its old URLs still lead to it."""

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.articles.models import Article
from app.extensions import db


class SlugRedirect(db.Model):  # type: ignore[name-defined]
    __tablename__ = "article_slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(255), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )

    @classmethod
    def article_for(cls, old_slug: str) -> Article | None:
        """Return the article that gave up old_slug, or None."""
        return db.session.scalar(
            select(Article).join(cls, cls.article_id == Article.id).where(cls.old_slug == old_slug)
        )

    @classmethod
    def current_slug_for(cls, old_slug: str) -> str | None:
        """Return the slug now held by the article that gave up old_slug, or None."""
        return db.session.scalar(
            select(Article.slug)
            .join(cls, cls.article_id == Article.id)
            .where(cls.old_slug == old_slug)
        )
