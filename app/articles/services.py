"""Use cases that change articles: write, edit, publish, delete, favorite and unfavorite."""

from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app import cache
from app.articles.models import Article, favorites
from app.articles.redirects import SlugRedirect
from app.articles.slugs import unique_slug
from app.articles.tags import Tag
from app.database import insert_if_absent, utcnow
from app.errors import Forbidden
from app.extensions import db
from app.users.models import User

# Tries at a free slug when concurrent requests keep taking the chosen one first.
SLUG_ATTEMPTS = 3


def _ensure_author(article: Article, user: User) -> None:
    if article.author_id != user.id:
        raise Forbidden({"article": ["only its author may change it"]})


def word_count(body: str) -> int:
    return len(body.split())


def create_article(author: User, fields: dict) -> Article:
    """Create and return an article by author, published or as a draft."""
    now = utcnow()
    article = Article(
        author=author,
        created_at=now,
        updated_at=now,
        title=fields["title"],
        description=fields["description"],
        body=fields["body"],
        word_count=word_count(fields["body"]),
        tags=Tag.named(fields["tag_list"]),
    )
    article.publish(fields["published"], at=now)

    def insert() -> None:
        article.slug = unique_slug(article.title)
        db.session.add(article)

    _write_with_free_slug(insert)
    db.session.commit()
    cache.articles_changed(article.slug)
    return article


def _write_with_free_slug(write: Callable[[], None]) -> None:
    """Run write, which chooses a slug; when a concurrent request took it first, run it again.

    Each try runs in a savepoint, so that a clash undoes only this write, not the rest of the
    transaction (an Idempotency-Key's record is in it).
    """
    for attempts_left in reversed(range(SLUG_ATTEMPTS)):
        try:
            with db.session.begin_nested():
                write()
            return
        except IntegrityError:
            if not attempts_left:
                raise


def _move_to_slug(article: Article, slug: str) -> None:
    """Give article a new slug and keep its old one as a redirect to it."""
    if slug == article.slug:
        return
    db.session.execute(delete(SlugRedirect).where(SlugRedirect.old_slug == slug))
    db.session.add(SlugRedirect(old_slug=article.slug, article_id=article.id))
    article.slug = slug


def update_article(article: Article, editor: User, changes: dict) -> Article:
    """Apply changes to article; a new title gives it a new slug, the old one redirects."""
    _ensure_author(article, editor)
    old_slug = article.slug

    def apply_changes() -> None:
        if "title" in changes:
            _move_to_slug(article, unique_slug(changes["title"], current_slug=article.slug))
        if "tag_list" in changes:
            _replace_tags(article, changes["tag_list"])
        for field in ("title", "description", "body"):
            if field in changes:
                setattr(article, field, changes[field])
        if "body" in changes:
            article.word_count = word_count(changes["body"])
        if "published" in changes:
            article.publish(changes["published"])

    _write_with_free_slug(apply_changes)
    db.session.commit()
    cache.articles_changed(old_slug, article.slug)
    return article


def _replace_tags(article: Article, names: list[str]) -> None:
    """Give article these tags; the tags changing counts as an update of the article."""
    if set(names) != set(article.tag_names):
        article.tags = Tag.named(names)
        article.updated_at = utcnow()


def delete_article(article: Article, user: User) -> None:
    """Delete article, which only its author may."""
    _ensure_author(article, user)
    remove_article(article)


def remove_article(article: Article) -> None:
    """Delete article with its comments and favorites (the database cascades them), whoever
    asks: moderators call it too (app/moderation)."""
    slug = article.slug
    db.session.delete(article)
    db.session.commit()
    cache.articles_changed(slug)


def favorite(article: Article, user: User) -> None:
    """Mark article as a favorite of user; doing it twice changes nothing."""
    insert_if_absent(favorites, user_id=user.id, article_id=article.id)
    db.session.commit()
    cache.favorites_changed(article.slug)


def unfavorite(article: Article, user: User) -> None:
    db.session.execute(
        delete(favorites).where(
            favorites.c.user_id == user.id, favorites.c.article_id == article.id
        )
    )
    db.session.commit()
    cache.favorites_changed(article.slug)
