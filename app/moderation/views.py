"""The browser's report forms: a signed-in reader reports an article, or a comment on it."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.articles.comments.models import Comment
from app.articles.models import Article
from app.auth.login import signed_in_user
from app.errors import Conflict, ValidationFailed
from app.moderation import services
from app.moderation.models import REASON_MAX_LENGTH
from app.moderation.schemas import ReportCreate
from app.web.envelope import load

blueprint = Blueprint("reports", __name__)


def _report_page(article: Article, comment: Comment | None, errors: dict, status: int = 200):
    page = render_template(
        "reports/report.html",
        article=article,
        comment=comment,
        form=request.form,
        errors=errors,
        reason_max_length=REASON_MAX_LENGTH,
    )
    return page, status


def _filed(article: Article, comment: Comment | None):
    """File the form's report of the article or comment, or show the form again."""
    try:
        reason = load(ReportCreate(), request.form)["reason"]
        services.file_report(signed_in_user(), article, comment, reason)
    except ValidationFailed as error:
        return _report_page(article, comment, error.errors, error.status_code)
    except Conflict:
        flash("You reported this already: the moderators will look at it.", "info")
    else:
        flash("Thank you: the moderators will look at your report.", "success")
    anchor = None if comment is None else f"comment-{comment.id}"
    return redirect(url_for("articles.article", slug=article.slug, _anchor=anchor))


@blueprint.route("/article/<slug>/report", methods=["GET", "POST"])
@login_required
def report_article(slug: str):
    article = Article.by_slug_or_404(slug, signed_in_user())
    services.check_reportable(signed_in_user(), article)
    if request.method == "GET":
        return _report_page(article, None, {})
    return _filed(article, None)


@blueprint.route("/article/<slug>/comments/<int:comment_id>/report", methods=["GET", "POST"])
@login_required
def report_comment(slug: str, comment_id: int):
    article = Article.by_slug_or_404(slug, signed_in_user())
    comment = Comment.on_article_or_404(comment_id, article)
    services.check_reportable(signed_in_user(), article, comment)
    if request.method == "GET":
        return _report_page(article, comment, {})
    return _filed(article, comment)
