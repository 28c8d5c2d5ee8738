"""Use cases that change comments: add and delete."""

from app import cache
from app.accounts.notifications import record_comment
from app.articles.comments.models import Comment
from app.articles.models import Article
from app.errors import Forbidden
from app.extensions import db
from app.users.models import User


def add_comment(article: Article, author: User, body: str) -> Comment:
    """Create and return a comment by author on article."""
    comment = Comment(article=article, author=author, body=body)
    db.session.add(comment)
    record_comment(comment)
    db.session.commit()
    cache.comments_changed(article.slug)
    return comment


def delete_comment(comment: Comment, user: User) -> None:
    """Delete comment; only its author may."""
    if comment.author_id != user.id:
        raise Forbidden({"comment": ["only its author may delete it"]})
    slug = comment.article.slug
    db.session.delete(comment)
    db.session.commit()
    cache.comments_changed(slug)
