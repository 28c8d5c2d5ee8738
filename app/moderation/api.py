"""The API's reports: any signed-in reader reports an article or a comment to moderators."""

from flask import Blueprint

from app.articles.comments.models import Comment
from app.articles.models import Article
from app.auth.tokens import token_required
from app.moderation import services
from app.moderation.schemas import ReportCreate, ReportOut
from app.users.models import User
from app.web.envelope import unwrap, wrap

blueprint = Blueprint("reports_api", __name__)


@blueprint.post("/articles/<slug>/reports")
@token_required
def report_article(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug, current_user)
    fields = unwrap("report", ReportCreate())
    report = services.file_report(current_user, article, None, fields["reason"])
    return wrap("report", ReportOut(), report), 201


@blueprint.post("/articles/<slug>/comments/<int:comment_id>/reports")
@token_required
def report_comment(slug: str, comment_id: int, current_user: User):
    article = Article.by_slug_or_404(slug, current_user)
    comment = Comment.on_article_or_404(comment_id, article)
    fields = unwrap("report", ReportCreate())
    report = services.file_report(current_user, article, comment, fields["reason"])
    return wrap("report", ReportOut(), report), 201
