"""Use cases of moderation: hide, unhide and delete articles and comments, suspend and
restore users, file and dismiss reports.

Each action writes its entry in the audit log in the same transaction as the change itself:
the entry is added first, and the one commit (here, or in the service of the feature that
owns the row, such as app.articles.services.remove_article) writes both or neither.
"""

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app import cache
from app.articles import services as article_services
from app.articles.comments import services as comment_services
from app.articles.comments.models import Comment
from app.articles.models import Article
from app.database import utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.moderation.models import (
    LABEL_MAX_LENGTH,
    Action,
    ModerationAction,
    Report,
    Target,
    Via,
)
from app.users import services as user_services
from app.users.models import User

COMMENT_LABEL_CHARACTERS = 80
OPERATOR = "cli"


@dataclass(frozen=True)
class Moderator:
    """Who moderates: an admin on the pages, or an operator at the command line."""

    user: User | None
    name: str
    via: Via

    @classmethod
    def admin(cls, user: User) -> "Moderator":
        """Return user as a moderator; raise Forbidden unless they are an admin."""
        if not user.is_admin:
            raise Forbidden({"admin": ["only admins may moderate"]})
        return cls(user, user.username, Via.WEB)

    @classmethod
    def operator(cls, name: str | None = None) -> "Moderator":
        """Return the operator at the command line, by the name they gave or as "cli"."""
        return cls(None, (name or OPERATOR)[:40], Via.CLI)


def _record(
    moderator: Moderator, action: Action, target: Target, target_id: int, label: str, reason: str
) -> None:
    db.session.add(
        ModerationAction(
            actor_id=moderator.user and moderator.user.id,
            actor_name=moderator.name,
            via=moderator.via,
            action=action,
            target_type=target,
            target_id=target_id,
            target_label=label[:LABEL_MAX_LENGTH],
            reason=reason,
        )
    )


def comment_label(comment: Comment) -> str:
    """Return how the audit log names a comment: its author and the start of its body."""
    body = " ".join(comment.body.split())
    if len(body) > COMMENT_LABEL_CHARACTERS:
        body = body[:COMMENT_LABEL_CHARACTERS].rstrip() + "…"
    return f"{comment.author.username}: {body}"


def _resolve(reports: list[Report], moderator: Moderator, resolution: Action) -> None:
    now = utcnow()
    for report in reports:
        report.resolved_at = now
        report.resolved_by_id = moderator.user and moderator.user.id
        report.resolution = resolution


def _open_reports(article_id: int, comment_id: int | None) -> list[Report]:
    return list(db.session.scalars(Report.open_about(article_id, comment_id)))


def hide_article(article: Article, moderator: Moderator, reason: str) -> None:
    """Hide article from everyone but its author and the admins; its open reports are
    resolved as hidden."""
    if article.hidden:
        raise Conflict({"article": ["is hidden already"]})
    article.hidden_at = utcnow()
    _resolve(_open_reports(article.id, None), moderator, Action.HIDE)
    _record(moderator, Action.HIDE, Target.ARTICLE, article.id, article.title, reason)
    db.session.commit()
    cache.articles_changed(article.slug)


def unhide_article(article: Article, moderator: Moderator, reason: str) -> None:
    if not article.hidden:
        raise Conflict({"article": ["is not hidden"]})
    article.hidden_at = None
    _record(moderator, Action.UNHIDE, Target.ARTICLE, article.id, article.title, reason)
    db.session.commit()
    cache.articles_changed(article.slug)


def delete_article(article: Article, moderator: Moderator, reason: str) -> None:
    """Delete article as its author could; its reports go with it."""
    _record(moderator, Action.DELETE, Target.ARTICLE, article.id, article.title, reason)
    article_services.remove_article(article)


def hide_comment(comment: Comment, moderator: Moderator, reason: str) -> None:
    """Hide comment from everyone but the admins; its open reports are resolved as hidden."""
    if comment.hidden_at is not None:
        raise Conflict({"comment": ["is hidden already"]})
    comment.hidden_at = utcnow()
    _resolve(_open_reports(comment.article_id, comment.id), moderator, Action.HIDE)
    _record(moderator, Action.HIDE, Target.COMMENT, comment.id, comment_label(comment), reason)
    db.session.commit()
    cache.comments_changed(comment.article.slug)


def unhide_comment(comment: Comment, moderator: Moderator, reason: str) -> None:
    if comment.hidden_at is None:
        raise Conflict({"comment": ["is not hidden"]})
    comment.hidden_at = None
    _record(moderator, Action.UNHIDE, Target.COMMENT, comment.id, comment_label(comment), reason)
    db.session.commit()
    cache.comments_changed(comment.article.slug)


def delete_comment(comment: Comment, moderator: Moderator, reason: str) -> None:
    _record(moderator, Action.DELETE, Target.COMMENT, comment.id, comment_label(comment), reason)
    comment_services.remove_comment(comment)


def suspend_user(user: User, moderator: Moderator, reason: str) -> None:
    """Stop user from signing in and end every token and session they hold; an admin
    cannot suspend themself."""
    if moderator.user is not None and moderator.user.id == user.id:
        raise Forbidden({"user": ["you cannot suspend yourself"]})
    if not user.is_active:
        raise Conflict({"user": ["is suspended already"]})
    _record(moderator, Action.SUSPEND, Target.USER, user.id, user.username, reason)
    user_services.deactivate(user)


def restore_user(user: User, moderator: Moderator, reason: str) -> None:
    """Let a suspended user sign in again (the tokens they held stay ended)."""
    if user.is_active:
        raise Conflict({"user": ["is not suspended"]})
    _record(moderator, Action.RESTORE, Target.USER, user.id, user.username, reason)
    user_services.activate(user)


def dismiss_report(report: Report, moderator: Moderator, reason: str) -> None:
    """Resolve report, and every other open one of the same item, leaving the item as it is."""
    if not report.is_open:
        raise Conflict({"report": ["is resolved already"]})
    _resolve(_open_reports(report.article_id, report.comment_id), moderator, Action.DISMISS)
    if report.comment is None:
        target, target_id, label = Target.ARTICLE, report.article_id, report.article.title
    else:
        target, target_id, label = Target.COMMENT, report.comment.id, comment_label(report.comment)
    _record(moderator, Action.DISMISS, target, target_id, label, reason)
    db.session.commit()


def check_reportable(reporter: User, article: Article, comment: Comment | None = None) -> None:
    """Raise NotFound for a hidden comment reporter may not see, Forbidden for their own
    article or comment."""
    if comment is not None and comment.hidden_at is not None and not reporter.is_admin:
        raise NotFound({"comment": [f"no comment {comment.id} on this article"]})
    item = Target.ARTICLE if comment is None else Target.COMMENT
    author_id = article.author_id if comment is None else comment.author_id
    if author_id == reporter.id:
        raise Forbidden({"report": [f"you cannot report your own {item}"]})


def file_report(reporter: User, article: Article, comment: Comment | None, reason: str) -> Report:
    """File reporter's report of article, or of a comment on it; raise as check_reportable
    does, or Conflict while they have one open on it already."""
    check_reportable(reporter, article, comment)
    return _file(Report(reporter=reporter, article=article, comment=comment, reason=reason))


def _file(report: Report) -> Report:
    """Write report; the database refuses a second open one by the same reporter."""
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError as error:
        duplicate = ["you reported this already: moderators will look at it"]
        raise Conflict({"report": duplicate}) from error
    db.session.commit()
    return report
