"""The admins' pages under /admin: 403 for other users, sign-in for visitors, and each
action a POST form with CSRF and a required reason, recorded in the audit log."""

import pytest
from sqlalchemy import select

from app.articles.comments.models import Comment
from app.articles.models import Article
from app.extensions import db
from app.moderation import services
from app.moderation.models import ModerationAction, Report
from app.users.models import User
from tests.moderation.conftest import audit_entries

PAGES = ["/admin/", "/admin/reports", "/admin/users", "/admin/log"]


@pytest.fixture
def admin_client(app, make_admin, login):
    client = app.test_client()
    admin = login(client, make_admin())
    client.user = admin
    return client


@pytest.fixture
def reported(make_user, make_article, make_comment):
    """An article and a comment on it, each reported by a reader."""
    reader = make_user("reader")
    article = make_article(make_user("author"), title="Cheap pills")
    comment = make_comment(article, make_user("commenter"), body="Buy now")
    services.file_report(reader, article, None, "spam")
    services.file_report(reader, article, comment, "more spam")
    return article, comment


def post(client, path: str, **form):
    page = client.get("/admin/reports")
    token = page.get_data(as_text=True).split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return client.post(path, data={"csrf_token": token, **form})


@pytest.mark.parametrize("path", [*PAGES, "/admin/articles/1"])
def test_a_visitor_is_sent_to_sign_in(client, make_article, path):
    make_article()

    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/admin/")


@pytest.mark.parametrize("path", [*PAGES, "/admin/articles/1"])
def test_other_users_are_refused(client, make_user, make_article, login, path):
    make_article()
    login(client, make_user())

    response = client.get(path)

    assert response.status_code == 403
    assert "Only admins may moderate" in response.get_data(as_text=True)


def test_other_users_cannot_post_an_action(client, make_user, make_article, login, csrf_token):
    article = make_article()
    login(client, make_user())

    response = client.post(
        f"/admin/articles/{article.id}",
        data={"csrf_token": csrf_token(client, "/"), "action": "hide", "reason": "x"},
    )

    assert response.status_code == 403
    assert db.session.get(Article, article.id).hidden_at is None


def test_the_nav_shows_admin_to_admins_only(client, admin_client, make_user, login):
    assert 'data-testid="nav-admin"' in admin_client.get("/").get_data(as_text=True)
    login(client, make_user())
    assert 'data-testid="nav-admin"' not in client.get("/").get_data(as_text=True)


def test_the_queue_shows_open_reports_first(admin_client, reported, operator):
    article, _comment = reported
    older = db.session.scalars(select(Report).order_by(Report.id)).first()
    services.dismiss_report(older, operator, "fine")

    page = admin_client.get("/admin/reports").get_data(as_text=True)

    assert "1 open report," in page
    assert page.index("more spam") < page.index("Resolved (dismiss)")
    assert f'href="/admin/articles/{article.id}"' in page


def test_hiding_a_reported_article_from_the_queue(admin_client, reported):
    article, _comment = reported
    report = db.session.scalar(select(Report).where(Report.comment_id.is_(None)))

    response = post(admin_client, f"/admin/reports/{report.id}", action="hide", reason="spam")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/reports"
    db.session.expire_all()
    assert db.session.get(Article, article.id).hidden_at is not None
    assert (report.resolution, report.resolved_by_id) == ("hide", admin_client.user.id)
    assert audit_entries() == [("admin", "web", "hide", "article", "Cheap pills", "spam")]
    assert "Hidden: the article “Cheap pills”." in admin_client.get("/admin/reports").get_data(
        as_text=True
    )


def test_deleting_a_reported_comment_from_the_queue(admin_client, reported):
    _article, comment = reported
    comment_id = comment.id
    report = db.session.scalar(select(Report).where(Report.comment_id == comment_id))

    response = post(admin_client, f"/admin/reports/{report.id}", action="delete", reason="spam")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment_id) is None
    assert audit_entries() == [("admin", "web", "delete", "comment", "commenter: Buy now", "spam")]


def test_dismissing_resolves_every_open_report_of_the_item(admin_client, reported, make_user):
    article, _comment = reported
    services.file_report(make_user(), article, None, "me too")
    report = db.session.scalar(select(Report).where(Report.comment_id.is_(None)))

    post(admin_client, f"/admin/reports/{report.id}", action="dismiss", reason="it is fine")

    db.session.expire_all()
    states = db.session.execute(select(Report.comment_id, Report.resolution)).all()
    comment_id = db.session.scalar(select(Comment.id))
    assert sorted(states, key=str) == sorted(
        [(None, "dismiss"), (None, "dismiss"), (comment_id, None)], key=str
    )
    assert db.session.get(Article, article.id).hidden_at is None
    assert audit_entries()[0][2:] == ("dismiss", "article", "Cheap pills", "it is fine")


def test_dismissing_a_comments_reports_names_the_comment_by_its_start(
    admin_client, make_article, make_comment, make_user
):
    comment = make_comment(make_article(), make_user("talker"), body="word " * 40)
    services.file_report(make_user(), comment.article, comment, "too long")
    report = db.session.scalar(select(Report))

    post(admin_client, f"/admin/reports/{report.id}", action="dismiss", reason="fine")

    [entry] = audit_entries()
    assert entry[2:4] == ("dismiss", "comment")
    assert entry[4] == "talker: " + ("word " * 16).strip() + "…"


def test_an_action_without_a_reason_shows_its_form_again(admin_client, reported):
    article, _comment = reported

    response = post(admin_client, f"/admin/articles/{article.id}", action="hide", reason=" ",
                    next=f"/admin/articles/{article.id}")  # fmt: skip

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Reason can&#39;t be blank" in page
    assert f'name="next" value="/admin/articles/{article.id}"' in page
    assert db.session.get(Article, article.id).hidden_at is None
    assert audit_entries() == []


def test_an_unknown_action_shows_the_form_again(admin_client, reported):
    article, _comment = reported

    response = post(admin_client, f"/admin/articles/{article.id}", action="burn", reason="x")

    assert response.status_code == 422
    assert "Choose one of: hide, unhide, delete." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/articles/99999",
        "/admin/comments/99999",
        "/admin/users/99999",
        "/admin/reports/99999",
    ],
)
def test_unknown_ids_are_404(admin_client, path):
    assert post(admin_client, path, action="hide", reason="x").status_code == 404


def test_unknown_article_page_is_404(admin_client):
    assert admin_client.get("/admin/articles/99999").status_code == 404


def test_an_action_without_its_csrf_token_is_refused(admin_client, reported):
    article, _comment = reported

    response = admin_client.post(
        f"/admin/articles/{article.id}", data={"action": "hide", "reason": "x"}
    )

    assert response.status_code == 400
    assert db.session.get(Article, article.id).hidden_at is None


def test_the_article_page_hides_unhides_and_deletes(admin_client, reported):
    article, comment = reported
    article_id = article.id
    path = f"/admin/articles/{article_id}"
    page = admin_client.get(path).get_data(as_text=True)
    assert "Buy now" in page and 'value="hide"' in page

    post(admin_client, path, action="hide", reason="spam")
    assert 'data-testid="hidden-badge"' in admin_client.get(path).get_data(as_text=True)
    post(admin_client, path, action="hide", reason="again")
    assert "Nothing changed: the article “Cheap pills” is hidden already." in admin_client.get(
        path
    ).get_data(as_text=True)
    post(admin_client, path, action="unhide", reason="mistake")
    post(admin_client, f"/admin/comments/{comment.id}", action="hide", reason="rude")
    post(admin_client, f"/admin/comments/{comment.id}", action="unhide", reason="fine")
    response = post(admin_client, path, action="delete", reason="spam after all", next=path)

    assert response.headers["Location"] == "/admin/reports"
    db.session.expire_all()
    assert db.session.get(Article, article_id) is None
    assert db.session.scalar(select(Report)) is None  # gone with the article
    assert [entry[2:4] for entry in audit_entries()] == [
        ("hide", "article"),
        ("unhide", "article"),
        ("hide", "comment"),
        ("unhide", "comment"),
        ("delete", "article"),
    ]


def test_the_users_page_finds_users_by_name(admin_client, make_user):
    make_user("jake"), make_user("jacob"), make_user("anna")

    page = admin_client.get("/admin/users", query_string={"q": "JA"}).get_data(as_text=True)

    assert 'data-username="jake"' in page and 'data-username="jacob"' in page
    assert 'data-username="anna"' not in page
    percent = admin_client.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert "No user's name contains" in percent


def test_suspending_and_restoring_a_user(admin_client, make_user):
    jake = make_user("jake")

    post(admin_client, f"/admin/users/{jake.id}", action="suspend", reason="abuse")
    db.session.expire_all()
    assert db.session.get(User, jake.id).is_active is False
    assert 'data-testid="suspended-badge"' in admin_client.get(
        "/admin/users", query_string={"q": "jake"}
    ).get_data(as_text=True)

    post(admin_client, f"/admin/users/{jake.id}", action="restore", reason="appeal")
    db.session.expire_all()
    assert db.session.get(User, jake.id).is_active is True
    assert audit_entries() == [
        ("admin", "web", "suspend", "user", "jake", "abuse"),
        ("admin", "web", "restore", "user", "jake", "appeal"),
    ]


def test_an_admin_cannot_suspend_themself(admin_client):
    response = post(
        admin_client, f"/admin/users/{admin_client.user.id}", action="suspend", reason="oops"
    )

    assert response.status_code == 403
    assert "You cannot suspend yourself." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin_client.user.id).is_active is True
    assert audit_entries() == []


def test_the_audit_log_shows_who_what_when_and_why_in_pages(admin_client, make_user, operator):
    users = [make_user(f"user{number:02}") for number in range(21)]
    for user in users:
        services.suspend_user(user, operator, f"reason {user.username}")

    first = admin_client.get("/admin/log").get_data(as_text=True)
    second = admin_client.get("/admin/log", query_string={"page": 2}).get_data(as_text=True)

    assert first.count('data-testid="audit-entry"') == 20
    assert "reason user20" in first and 'tests <span class="muted">(command line)</span>' in first
    assert second.count('data-testid="audit-entry"') == 1
    assert "reason user00" in second
    assert admin_client.get("/admin/log", query_string={"page": 3}).status_code == 404


def test_reading_the_admin_pages_writes_nothing(admin_client, reported, count_queries):
    article, _comment = reported
    before = db.session.scalar(select(ModerationAction.id))

    for path in [*PAGES, f"/admin/articles/{article.id}"]:
        assert admin_client.get(path, follow_redirects=True).status_code == 200

    assert before is None and audit_entries() == []
