"""The browser's comment forms: on the article page, and the page that edits a comment."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.articles.comments import services
from app.articles.comments.models import Comment
from app.articles.comments.schemas import CommentCreate, CommentUpdate
from app.articles.models import Article
from app.articles.pages import render_article_page
from app.auth.login import signed_in_user
from app.errors import ValidationFailed
from app.web.envelope import load

blueprint = Blueprint("comments", __name__)


def _comments_of(article: Article, anchor: str = "comments"):
    return redirect(url_for("articles.article", slug=article.slug, _anchor=anchor))


def _own_comment_or_403(slug: str, comment_id: int) -> tuple[Article, Comment]:
    """Return the article and the signed-in user's comment on it; raise NotFound or Forbidden."""
    author = signed_in_user()
    article = Article.by_slug_or_404(slug, author)
    comment = Comment.on_article_or_404(comment_id, article)
    comment.check_author(author, "edit")
    return article, comment


def _comment_editor(article: Article, comment: Comment, body: str, errors: dict, status=200):
    page = render_template(
        "articles/comment_editor.html", article=article, comment=comment, body=body, errors=errors
    )
    return page, status


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


@blueprint.get("/article/<slug>/comments/<int:comment_id>/edit")
@login_required
def edit_comment(slug: str, comment_id: int):
    article, comment = _own_comment_or_403(slug, comment_id)
    return _comment_editor(article, comment, comment.body, {})


@blueprint.post("/article/<slug>/comments/<int:comment_id>/edit")
@login_required
def update_comment(slug: str, comment_id: int):
    article, comment = _own_comment_or_403(slug, comment_id)
    try:
        fields = load(CommentUpdate(), request.form)
    except ValidationFailed as error:
        body = request.form.get("body", "")
        return _comment_editor(article, comment, body, error.errors, error.status_code)
    services.edit_comment(comment, signed_in_user(), fields["body"])
    flash("Comment updated.", "success")
    return _comments_of(article, anchor=f"comment-{comment_id}")


@blueprint.post("/article/<slug>/comments/<int:comment_id>/delete")
@login_required
def delete_comment(slug: str, comment_id: int):
    article = Article.by_slug_or_404(slug, signed_in_user())
    services.delete_comment(Comment.on_article_or_404(comment_id, article), signed_in_user())
    flash("Comment deleted.", "success")
    return _comments_of(article)
