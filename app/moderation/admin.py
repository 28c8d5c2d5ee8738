"""The admins' pages under /admin: the reports queue, an article with its comments, the
users, and the audit log. Anyone else signed in gets 403; a visitor, the sign-in page.

Every action is a POST form with its CSRF token and a required reason; a form sent without
a reason comes back on a page of its own, with the message, to be sent again.
"""

from collections.abc import Callable
from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.articles.comments.models import Comment, comments_on
from app.articles.models import Article
from app.auth.login import sign_in_first, signed_in_user, viewer
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.moderation import services
from app.moderation.models import (
    REASON_MAX_LENGTH,
    Action,
    ModerationAction,
    Report,
    article_by_id_or_404,
    comment_by_id_or_404,
    page_of,
    user_by_id_or_404,
    users_named_like,
)
from app.moderation.schemas import action_form
from app.moderation.services import Moderator
from app.users.models import User
from app.web.envelope import load
from app.web.pages import PER_PAGE, Pagination, requested_page_number, safe_next_url

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

# What a done action says, of its target's label.
DONE = {
    Action.HIDE: "Hidden: {}.",
    Action.UNHIDE: "Shown again: {}.",
    Action.DELETE: "Deleted: {}.",
    Action.DISMISS: "Reports dismissed: {}.",
    Action.SUSPEND: "Suspended: {}; they can no longer sign in.",
    Action.RESTORE: "Restored: {}; they can sign in again.",
}
Perform = Callable[[Moderator, str], None]


@blueprint.before_request
def admins_only():
    """Send a visitor to sign in; refuse anyone signed in who is not an admin."""
    user = viewer()
    if user is None:
        return sign_in_first()
    Moderator.admin(user)
    return None


def _pagination(query) -> Pagination:
    number = requested_page_number()
    items, total = page_of(query, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    if number > 1 and not items:
        raise NotFound({"page": [f"there is no page {number}"]})
    return Pagination(items=items, number=number, total=total)


@blueprint.get("/")
def index():
    return redirect(url_for(".reports"))


@blueprint.get("/reports")
def reports():
    return render_template(
        "admin/reports.html", reports=_pagination(Report.queue()), open_count=Report.open_count()
    )


@blueprint.get("/articles/<int:article_id>")
def article(article_id: int):
    """An article as the admins see it, with all its comments and reports, and the forms."""
    subject = article_by_id_or_404(article_id)
    return render_template(
        "admin/article.html",
        article=subject,
        comments=comments_on(subject.id, None, with_hidden=True),
        reports=_pagination(Report.about_article(subject.id)),
    )


@blueprint.get("/users")
def users():
    words = request.args.get("q", "").strip()
    return render_template(
        "admin/users.html", words=words, users=_pagination(users_named_like(words))
    )


@blueprint.get("/log")
def log():
    return render_template("admin/log.html", entries=_pagination(ModerationAction.log()))


def _article_label(article: Article) -> str:
    return f"the article “{article.title}”"


def _comment_label(comment: Comment) -> str:
    return f"the comment by {comment.author.username}"


def _act(label: str, actions: dict[Action, Perform], *, done_url: str, follow_next=True):
    """Perform the action the form chose, with its reason; show the form again without one.

    A refusal (suspending oneself) shows the form again too; an action already done (hiding
    what is hidden) says so, and changes nothing. Then back to the form's next, if
    follow_next, else to done_url.
    """
    form = action_form(*actions)
    try:
        chosen = load(form, request.form)
        action = Action(chosen["action"])
        actions[action](_moderator(), chosen["reason"])
    except (ValidationFailed, Forbidden) as error:
        return _confirm_page(label, actions, error.errors, error.status_code)
    except Conflict as error:
        flash(f"Nothing changed: {label} " + "; ".join(_messages(error.errors)) + ".", "error")
    else:
        flash(DONE[action].format(label), "success")
    next_url = request.form.get("next") if follow_next else None
    return redirect(safe_next_url(next_url, default=done_url))


def _moderator() -> Moderator:
    return Moderator.admin(signed_in_user())


def _messages(errors: dict) -> list[str]:
    return [message for messages in errors.values() for message in messages]


def _confirm_page(label: str, actions: dict[Action, Perform], errors: dict, status: int):
    page = render_template(
        "admin/confirm.html",
        label=label,
        actions=list(actions),
        form=request.form,
        errors=errors,
        messages=_messages({key: m for key, m in errors.items() if key != "reason"}),
        reason_max_length=REASON_MAX_LENGTH,
    )
    return page, status


def _on_article(article: Article) -> dict[Action, Perform]:
    return {
        Action.HIDE: partial(services.hide_article, article),
        Action.UNHIDE: partial(services.unhide_article, article),
        Action.DELETE: partial(services.delete_article, article),
    }


def _on_comment(comment: Comment) -> dict[Action, Perform]:
    return {
        Action.HIDE: partial(services.hide_comment, comment),
        Action.UNHIDE: partial(services.unhide_comment, comment),
        Action.DELETE: partial(services.delete_comment, comment),
    }


@blueprint.post("/articles/<int:article_id>")
def moderate_article(article_id: int):
    subject = article_by_id_or_404(article_id)
    # A deleted article's page is gone: deleting one ends on the queue, whatever next says.
    deleting = request.form.get("action") == Action.DELETE
    done_url = url_for(".reports") if deleting else url_for(".article", article_id=subject.id)
    return _act(
        _article_label(subject), _on_article(subject), done_url=done_url, follow_next=not deleting
    )


@blueprint.post("/comments/<int:comment_id>")
def moderate_comment(comment_id: int):
    comment = comment_by_id_or_404(comment_id)
    done_url = url_for(".article", article_id=comment.article_id)
    return _act(_comment_label(comment), _on_comment(comment), done_url=done_url)


@blueprint.post("/reports/<int:report_id>")
def resolve_report(report_id: int):
    """Hide or delete what a report names, or dismiss the reports of it."""
    report = Report.by_id_or_404(report_id)
    if report.comment is None:
        label, actions = _article_label(report.article), _on_article(report.article)
    else:
        label, actions = _comment_label(report.comment), _on_comment(report.comment)

    choices: dict[Action, Perform] = {
        Action.HIDE: actions[Action.HIDE],
        Action.DELETE: actions[Action.DELETE],
        Action.DISMISS: partial(services.dismiss_report, report),
    }
    return _act(label, choices, done_url=url_for(".reports"))


@blueprint.post("/users/<int:user_id>")
def moderate_user(user_id: int):
    user: User = user_by_id_or_404(user_id)
    actions: dict[Action, Perform] = {
        Action.SUSPEND: partial(services.suspend_user, user),
        Action.RESTORE: partial(services.restore_user, user),
    }
    return _act(user.username, actions, done_url=url_for(".users", q=user.username))
