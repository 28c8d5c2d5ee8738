"""Use cases that change comments: add, edit and delete."""

from app import cache
from app.accounts.notifications import record_comment
from app.articles.comments.models import Comment
from app.articles.models import Article
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


def edit_comment(comment: Comment, user: User, body: str) -> Comment:
    """Replace comment's body and return the comment; only its author may. The same body
    again changes nothing, so the comment does not become edited."""
    comment.check_author(user, "edit")
    slug = comment.article.slug
    comment.body = body
    db.session.commit()
    cache.comments_changed(slug)
    return comment


def delete_comment(comment: Comment, user: User) -> None:
    """Delete comment; only its author may."""
    comment.check_author(user, "delete")
    remove_comment(comment)


def remove_comment(comment: Comment) -> None:
    """Delete comment, whoever asks: moderators call it too (app/moderation)."""
    slug = comment.article.slug
    db.session.delete(comment)
    db.session.commit()
    cache.comments_changed(slug)
