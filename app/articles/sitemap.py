"""What the sitemap lists: every article the lists show (models.listed: published and not
hidden), and the profile of every active user who has one, newest first."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, literal, select, union_all

from app.articles.models import Article, listed
from app.extensions import db
from app.users.models import User

# The sitemaps.org protocol's limit for one file; past it the oldest are left out.
SITEMAP_MAX_URLS = 50_000
ARTICLE = "article"
PROFILE = "profile"


@dataclass(frozen=True)
class SitemapEntry:
    """An article (its slug) or a profile (its username), and when it last changed."""

    kind: str
    name: str
    modified_at: datetime


def _entries_statement():
    """Return the select of the articles and the profiles, each with when it last changed and
    how new it is (an article's publication, a profile's newest article's), newest first."""
    published = listed(Article.__table__)
    articles = select(
        literal(ARTICLE).label("kind"),
        Article.slug.label("name"),
        Article.updated_at.label("modified_at"),
        Article.published_at.label("newest"),
    ).where(published)
    newest_article_change = func.max(Article.updated_at)
    profile_change = case(
        (User.updated_at > newest_article_change, User.updated_at), else_=newest_article_change
    )
    profiles = (
        select(
            literal(PROFILE),
            User.username,
            profile_change,
            func.max(Article.published_at),
        )
        .join_from(User, Article, Article.author_id == User.id)
        .where(published, User.is_active)
        .group_by(User.id)
    )
    entries = union_all(articles, profiles).subquery()
    return (
        select(entries.c.kind, entries.c.name, entries.c.modified_at)
        .order_by(entries.c.newest.desc(), entries.c.kind, entries.c.name)
        .limit(bindparam("limit"))
    )


def sitemap_entries(limit: int = SITEMAP_MAX_URLS) -> list[SitemapEntry]:
    """Return the newest `limit` articles and profiles the sitemap lists."""
    rows = db.session.execute(_entries_statement(), {"limit": limit})
    return [SitemapEntry(row.kind, row.name, row.modified_at) for row in rows]
