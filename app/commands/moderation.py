"""`flask moderation ...`: the operator's moderation, through the same services as the
admins' pages, each action recorded in the audit log as done at the command line (by the
name --as gives, or "cli").
"""

from collections.abc import Callable

import click
from flask.cli import AppGroup

from app.articles.models import Article
from app.commands.users import one_line_errors, user_named
from app.moderation import services
from app.moderation.models import ModerationAction, Report, comment_by_id_or_404, page_of
from app.moderation.schemas import ReportCreate
from app.moderation.services import Moderator
from app.web.envelope import load

LISTED_AT_MOST = 50

moderation_cli = AppGroup(
    "moderation",
    help="Hide, show again and delete articles and comments, suspend and restore users, "
    "list and dismiss reports, read the audit log.",
)

reason_option = click.option(
    "--reason", required=True, help="Why: the audit log keeps it (1 to 500 characters)."
)
as_option = click.option(
    "--as", "operator", default=None, help='Your name for the audit log (default "cli").'
)


def _checked(reason: str) -> str:
    return load(ReportCreate(), {"reason": reason})["reason"]


def _article_with(slug: str) -> Article:
    article = Article.by_slug(slug)
    if article is None:
        raise click.ClickException(f"no article with slug {slug!r}")
    return article


def _moderate(
    perform: Callable[[Moderator, str], None], reason: str, operator: str | None, done: str
) -> None:
    with one_line_errors():
        perform(Moderator.operator(operator), _checked(reason))
    click.echo(done)


def _item_command(name: str, find: Callable, perform: Callable, done: str, argument: str) -> None:
    """Add `flask moderation NAME ARGUMENT --reason ... [--as ...]` to the group."""

    @moderation_cli.command(name, help=f"{done.format(argument)}, recorded in the audit log.")
    @click.argument(argument.lower(), type=int if argument == "COMMENT_ID" else str)
    @reason_option
    @as_option
    def command(reason: str, operator: str | None, **arguments) -> None:
        with one_line_errors():
            item = find(*arguments.values())
        _moderate(
            lambda moderator, why: perform(item, moderator, why),
            reason,
            operator,
            done.format(*arguments.values()) + ".",
        )


def _comment(comment_id: int):
    return comment_by_id_or_404(comment_id)


for command_name, find, perform, done, argument in (
    ("hide-article", _article_with, services.hide_article, "Hid {}", "SLUG"),
    ("unhide-article", _article_with, services.unhide_article, "Showed {} again", "SLUG"),
    ("delete-article", _article_with, services.delete_article, "Deleted {}", "SLUG"),
    ("hide-comment", _comment, services.hide_comment, "Hid comment {}", "COMMENT_ID"),
    ("unhide-comment", _comment, services.unhide_comment, "Showed comment {} again", "COMMENT_ID"),
    ("delete-comment", _comment, services.delete_comment, "Deleted comment {}", "COMMENT_ID"),
    ("suspend", user_named, services.suspend_user, "Suspended {}", "USERNAME"),
    ("restore", user_named, services.restore_user, "Restored {}", "USERNAME"),
):
    _item_command(command_name, find, perform, done, argument)


@moderation_cli.command("reports")
@click.option("--all", "everything", is_flag=True, help="Resolved reports too.")
def list_reports(everything: bool) -> None:
    """List the open reports, newest first (at most 50)."""
    query = Report.queue() if everything else Report.queue().where(Report.resolved_at.is_(None))
    reports, total = page_of(query, limit=LISTED_AT_MOST, offset=0)
    for report in reports:
        item = f"comment {report.comment_id} on" if report.comment_id else "article"
        state = "open" if report.is_open else f"resolved: {report.resolution}"
        click.echo(
            f"#{report.id} [{state}] {item} {report.article.slug} by {report.reporter.username}:"
            f" {report.reason}"
        )
    click.echo(f"{total} {'reports' if everything else 'open reports'}.")


@moderation_cli.command("dismiss")
@click.argument("report_id", type=int)
@reason_option
@as_option
def dismiss(report_id: int, reason: str, operator: str | None) -> None:
    """Dismiss report REPORT_ID, and the other open ones of the same item."""
    with one_line_errors():
        report = Report.by_id_or_404(report_id)
    _moderate(
        lambda moderator, why: services.dismiss_report(report, moderator, why),
        reason,
        operator,
        f"Dismissed the reports of report {report_id}'s item.",
    )


@moderation_cli.command("log")
def audit_log() -> None:
    """Print the newest 50 entries of the audit log."""
    entries, _total = page_of(ModerationAction.log(), limit=LISTED_AT_MOST, offset=0)
    for entry in entries:
        via = " (command line)" if entry.via == "cli" else ""
        click.echo(
            f"{entry.created_at:%Y-%m-%d %H:%M} {entry.actor_name}{via} {entry.action}"
            f" {entry.target_type} {entry.target_id} “{entry.target_label}”: {entry.reason}"
        )
