"""`flask moderation ...`: the same actions as the admins' pages, recorded in the audit log
as the command line's ("cli", or the name --as gives); `flask users deactivate|activate`
suspend and restore, recorded too."""

from sqlalchemy import select

from app.articles.comments.models import Comment
from app.articles.models import Article
from app.extensions import db
from app.moderation import services
from app.moderation.models import ModerationAction, Report
from app.users.models import User
from tests.moderation.conftest import audit_entries


def test_hide_and_unhide_an_article(flask_cli, make_article):
    article = make_article(title="Spam")

    hidden = flask_cli("moderation", "hide-article", article.slug, "--reason", "spam")
    db.session.expire_all()
    assert hidden.exit_code == 0, hidden.output
    assert hidden.output == f"Hid {article.slug}.\n"
    assert db.session.get(Article, article.id).hidden_at is not None

    shown = flask_cli("moderation", "unhide-article", article.slug, "--reason", "ok", "--as", "ana")
    db.session.expire_all()
    assert shown.exit_code == 0, shown.output
    assert db.session.get(Article, article.id).hidden_at is None
    assert audit_entries() == [
        ("cli", "cli", "hide", "article", "Spam", "spam"),
        ("ana", "cli", "unhide", "article", "Spam", "ok"),
    ]
    assert db.session.scalar(select(ModerationAction.actor_id)) is None


def test_delete_an_article(flask_cli, make_article):
    article = make_article(title="Gone")
    article_id = article.id

    result = flask_cli("moderation", "delete-article", article.slug, "--reason", "illegal")

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Article, article_id) is None
    assert audit_entries() == [("cli", "cli", "delete", "article", "Gone", "illegal")]


def test_hide_unhide_and_delete_a_comment(flask_cli, make_article, make_comment, make_user):
    comment = make_comment(make_article(), make_user("troll"), body="Rude words")
    comment_id = str(comment.id)

    for command in ("hide-comment", "unhide-comment", "delete-comment"):
        result = flask_cli("moderation", command, comment_id, "--reason", "rude")
        assert result.exit_code == 0, result.output

    db.session.expire_all()
    assert db.session.get(Comment, int(comment_id)) is None
    assert [entry[2:5] for entry in audit_entries()] == [
        (action, "comment", "troll: Rude words") for action in ("hide", "unhide", "delete")
    ]


def test_suspend_and_restore_a_user(flask_cli, make_user):
    make_user("jake")

    assert flask_cli("moderation", "suspend", "jake", "--reason", "abuse").output == (
        "Suspended jake.\n"
    )
    db.session.expire_all()
    assert db.session.scalar(select(User.is_active).where(User.username == "jake")) is False
    assert flask_cli("moderation", "restore", "jake", "--reason", "appeal").exit_code == 0
    assert [entry[2] for entry in audit_entries()] == ["suspend", "restore"]


def test_users_deactivate_and_activate_are_recorded(flask_cli, make_user):
    make_user("jake")

    flask_cli("users", "deactivate", "jake", "--reason", "spam", "--as", "ops")
    flask_cli("users", "activate", "jake")

    assert audit_entries() == [
        ("ops", "cli", "suspend", "user", "jake", "spam"),
        ("cli", "cli", "restore", "user", "jake", "by the operator"),
    ]


def test_errors_are_one_line_and_change_nothing(flask_cli, make_article, make_user):
    article = make_article()
    make_user("jake")

    missing = flask_cli("moderation", "hide-article", article.slug)
    blank = flask_cli("moderation", "hide-article", article.slug, "--reason", "  ")
    unknown = flask_cli("moderation", "hide-article", "no-such", "--reason", "x")
    no_comment = flask_cli("moderation", "hide-comment", "99999", "--reason", "x")
    no_user = flask_cli("moderation", "suspend", "nobody", "--reason", "x")
    flask_cli("moderation", "suspend", "jake", "--reason", "x")
    twice = flask_cli("moderation", "suspend", "jake", "--reason", "x")

    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.output
    assert blank.exit_code == 1 and "reason can't be blank" in blank.output
    assert unknown.exit_code == 1 and "no article with slug 'no-such'" in unknown.output
    assert no_comment.exit_code == 1 and "comment no comment 99999" in no_comment.output
    assert no_user.exit_code == 1 and "no user named 'nobody'" in no_user.output
    assert twice.exit_code == 1 and "user is suspended already" in twice.output
    assert len(audit_entries()) == 1


def test_reports_lists_and_dismiss_resolves(flask_cli, make_article, make_user):
    article = make_article(title="Reported")
    services.file_report(make_user("reader"), article, None, "spam")
    report_id = db.session.scalar(select(Report.id))

    listed = flask_cli("moderation", "reports")
    dismissed = flask_cli("moderation", "dismiss", str(report_id), "--reason", "fine")
    after = flask_cli("moderation", "reports")
    everything = flask_cli("moderation", "reports", "--all")
    again = flask_cli("moderation", "dismiss", str(report_id), "--reason", "fine")

    assert f"#{report_id} [open] article {article.slug} by reader: spam" in listed.output
    assert listed.output.endswith("1 open reports.\n")
    assert dismissed.exit_code == 0, dismissed.output
    assert after.output == "0 open reports.\n"
    assert "[resolved: dismiss]" in everything.output
    assert again.exit_code == 1 and "report is resolved already" in again.output
    assert flask_cli("moderation", "dismiss", "99999", "--reason", "x").exit_code == 1


def test_log_prints_the_newest_entries(flask_cli, make_article):
    article = make_article(title="Logged")
    flask_cli("moderation", "hide-article", article.slug, "--reason", "spam", "--as", "ana")

    result = flask_cli("moderation", "log")

    assert result.exit_code == 0
    assert "ana (command line) hide article" in result.output
    assert "“Logged”: spam" in result.output
