"""The API's comments on an article."""

from flask import Blueprint

from app import cache
from app.articles import reads
from app.articles.comments import services
from app.articles.comments.models import Comment, CommentData, comments_on
from app.articles.comments.schemas import (
    CommentCreate,
    CommentListOut,
    CommentOut,
    CommentUpdate,
)
from app.articles.models import Article
from app.auth.tokens import token_optional, token_required
from app.users.models import User
from app.web.envelope import unwrap, wrap
from app.web.idempotency import idempotent

blueprint = Blueprint("comments_api", __name__)


@blueprint.get("/articles/<slug>/comments")
@token_optional
@cache.cached_response(
    "comments-answer",
    depends_on=lambda slug, viewer: reads.article_depends_on(slug, with_comments=True),
)
def list_comments(slug: str, viewer: User | None):
    article = Article.by_slug_or_404(slug, viewer)
    with_hidden = bool(viewer and viewer.is_admin)
    comments = comments_on(article.id, viewer and viewer.id, with_hidden=with_hidden)
    return CommentListOut().dump({"comments": comments})


@blueprint.post("/articles/<slug>/comments")
@token_required
@idempotent
def add_comment(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug, current_user)
    fields = unwrap("comment", CommentCreate())
    comment = services.add_comment(article, current_user, fields["body"])
    return wrap("comment", CommentOut(), CommentData.of(comment))


@blueprint.put("/articles/<slug>/comments/<int:comment_id>")
@token_required
def edit_comment(slug: str, comment_id: int, current_user: User):
    article = Article.by_slug_or_404(slug, current_user)
    comment = Comment.on_article_or_404(comment_id, article)
    fields = unwrap("comment", CommentUpdate())
    comment = services.edit_comment(comment, current_user, fields["body"])
    return wrap("comment", CommentOut(), CommentData.of(comment))


@blueprint.delete("/articles/<slug>/comments/<int:comment_id>")
@token_required
def delete_comment(slug: str, comment_id: int, current_user: User):
    comment = Comment.on_article_or_404(comment_id, Article.by_slug_or_404(slug, current_user))
    services.delete_comment(comment, current_user)
    return "", 204
