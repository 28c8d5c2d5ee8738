"""The API's comments on an article."""

from flask import Blueprint

from app import cache
from app.articles import reads
from app.articles.models import Article
from app.auth.decorators import token_optional, token_required
from app.auth.tokens import Reader
from app.comments import services
from app.comments.models import Comment, CommentView
from app.comments.schemas import CommentCreate, CommentOut
from app.envelope import unwrap, wrap
from app.idempotency import idempotent
from app.users.models import User

blueprint = Blueprint("comments_api", __name__)


@blueprint.get("/articles/<slug>/comments")
@token_optional
@cache.cached_response(
    "comments-answer", depends_on=lambda slug, viewer: reads.depends_on_with_comments(slug)
)
def list_comments(slug: str, viewer: Reader | None):
    article = Article.by_slug_or_404(slug)
    views = CommentView.for_article(article, viewer and viewer.id)
    return {"comments": CommentOut(many=True).dump(views)}


@blueprint.post("/articles/<slug>/comments")
@token_required
@idempotent
def add_comment(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug)
    fields = unwrap("comment", CommentCreate())
    comment = services.add_comment(article, current_user, fields["body"])
    return wrap("comment", CommentOut(), CommentView(comment, following=False))


@blueprint.delete("/articles/<slug>/comments/<int:comment_id>")
@token_required
def delete_comment(slug: str, comment_id: int, current_user: User):
    comment = Comment.on_article_or_404(comment_id, Article.by_slug_or_404(slug))
    services.delete_comment(comment, current_user)
    return "", 204
