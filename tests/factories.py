"""Factories for test data, written through the models with sensible defaults."""

from datetime import datetime
from functools import cache
from itertools import count

from app.articles.comments.models import Comment
from app.articles.models import Article
from app.articles.slugs import unique_slug
from app.articles.tags import Tag
from app.cache import articles_changed
from app.extensions import db
from app.users.models import User, hash_password

DEFAULT_PASSWORD = "correct-horse-battery"
_sequence = count(1)


@cache
def _default_password_hash() -> str:
    """Hashed once per run: argon2 is slow on purpose (TestingConfig lowers its cost too)."""
    return hash_password(DEFAULT_PASSWORD)


def make_user(
    username: str | None = None,
    *,
    email: str | None = None,
    password: str | None = None,
    bio: str = "",
    image: str = "",
) -> User:
    """Create and return a user; every user's password is DEFAULT_PASSWORD unless given."""
    number = next(_sequence)
    username = username or f"user{number}"
    user = User(username=username, email=email or f"{username}@example.com", bio=bio, image=image)
    if password is None:
        user.password_hash = _default_password_hash()
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_article(
    author: User | None = None,
    *,
    title: str | None = None,
    tags: list[str] = (),
    description: str = "A description",
    body: str = "Some *markdown* body",
    created_at: datetime | None = None,
    published: bool = True,
) -> Article:
    """Create and return an article, published unless asked for a draft; its slug is derived
    from its title as the app does."""
    number = next(_sequence)
    title = title or f"Article {number}"
    article = Article(
        author=author or make_user(),
        slug=unique_slug(title),
        title=title,
        description=description,
        body=body,
        word_count=len(body.split()),
        tags=Tag.named(sorted(set(tags))),
    )
    article.publish(published)
    if created_at is not None:
        article.created_at = article.updated_at = created_at
        if published:
            article.published_at = created_at
    db.session.add(article)
    db.session.commit()
    # Written past the services, so the cached lists and tags are invalidated here instead.
    articles_changed(article.slug)
    return article


def make_comment(
    article: Article, author: User | None = None, *, body: str = "Nice one"
) -> Comment:
    comment = Comment(article=article, author=author or make_user(), body=body)
    db.session.add(comment)
    db.session.commit()
    return comment
