"""Tags, and the cached lists of the tags in use."""

from sqlalchemy import Index, String, desc, select, text
from sqlalchemy.orm import Mapped, mapped_column

from app import cache
from app.database import insert_if_absent
from app.extensions import db


class Tag(db.Model):  # type: ignore[name-defined]
    __tablename__ = "tags"
    # The most used tags, read in order from the index: the home page's few cost the same
    # however many tags there are.
    __table_args__ = (Index("ix_tags_articles_count_name", desc("articles_count"), "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    # How many articles carry the tag, kept by the database (migration 0006's triggers).
    # Deferred, as the article's kept columns are: a loaded tag would only hold a copy as
    # old as its load.
    articles_count: Mapped[int] = mapped_column(server_default=text("0"), deferred=True)

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

    @classmethod
    def names_in_use(cls, limit: int | None = None) -> list[str]:
        """Return the names of the tags on at least one article, most used first: all of
        them, or the first limit."""
        query = (
            select(cls.name)
            .where(cls.articles_count > 0)
            .order_by(cls.articles_count.desc(), cls.name)
            .limit(limit)
        )
        return list(db.session.scalars(query))


@cache.cached("tags", depends_on=[cache.TAGS])
def tag_names() -> list[str]:
    """Return the names of the tags in use, most used first."""
    return Tag.names_in_use()


@cache.cached("popular-tags", depends_on=[cache.TAGS])
def popular_tag_names(count: int) -> list[str]:
    """Return the names of the count most used tags, most used first."""
    return Tag.names_in_use(limit=count)
