"""The browser's comment forms on the article page."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required

from app.articles.comments import services
from app.articles.comments.models import Comment
from app.articles.comments.schemas import CommentCreate
from app.articles.models import Article
from app.articles.pages import render_article_page
from app.auth.login import signed_in_user
from app.errors import ValidationFailed
from app.web.envelope import load

blueprint = Blueprint("comments", __name__)


def _comments_of(article: Article):
    return redirect(url_for("articles.article", slug=article.slug, _anchor="comments"))


@blueprint.post("/article/<slug>/comments")
@login_required
def add_comment(slug: str):
    article = Article.by_slug_or_404(slug, signed_in_user())
    try:
        fields = load(CommentCreate(), request.form)
    except ValidationFailed as error:
        return render_article_page(
            slug,
            comment=request.form.get("body", ""),
            errors=error.errors,
            status=error.status_code,
        )
    services.add_comment(article, signed_in_user(), fields["body"])
    flash("Comment posted.", "success")
    return _comments_of(article)


@blueprint.post("/article/<slug>/comments/<int:comment_id>/delete")
@login_required
def delete_comment(slug: str, comment_id: int):
    article = Article.by_slug_or_404(slug, signed_in_user())
    services.delete_comment(Comment.on_article_or_404(comment_id, article), signed_in_user())
    flash("Comment deleted.", "success")
    return _comments_of(article)
