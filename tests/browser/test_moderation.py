"""Moderation in a real browser: a reader reports an article, an admin hides it from the
reports queue, then finds the action in the audit log; the article is gone for everyone else.
"""

from playwright.sync_api import expect

from app.extensions import db
from tests import factories
from tests.browser.actions import sign_in, submit

TITLE = "Buy cheap pills online"


def test_a_report_is_hidden_from_the_queue_and_audited(new_page):
    article = factories.make_article(factories.make_user("spammer"), title=TITLE)
    slug = article.slug
    factories.make_user("rita")
    moderator = factories.make_user("mod")
    moderator.is_admin = True
    db.session.commit()
    reader, admin, visitor = new_page(), new_page(), new_page()

    sign_in(reader, "rita@example.com")
    expect(reader.get_by_test_id("nav-admin")).to_have_count(0)
    reader.goto(f"/article/{slug}")
    reader.get_by_test_id("report-article").click()
    reader.fill("#reason", "Spam: it sells pills")
    submit(reader, "send-report")
    expect(reader.get_by_test_id("flash")).to_contain_text("moderators will look at your report")

    sign_in(admin, "mod@example.com")
    admin.get_by_test_id("nav-admin").click()
    report = admin.get_by_test_id("report")
    expect(report).to_have_count(1)
    expect(report.get_by_test_id("report-reason")).to_have_text("Spam: it sells pills")
    report.get_by_test_id("reason").fill("Selling pills is spam")
    with admin.expect_navigation():
        report.get_by_test_id("action-hide").click()
    expect(admin.get_by_test_id("flash")).to_contain_text(f"Hidden: the article “{TITLE}”.")
    expect(admin.get_by_test_id("report-resolution")).to_contain_text("Resolved (hide) by mod")

    admin.get_by_test_id("admin-tab-log").click()
    entry = admin.get_by_test_id("audit-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("mod")
    expect(entry).to_contain_text(f"hid article {TITLE}")
    expect(entry.get_by_test_id("audit-reason")).to_have_text("Selling pills is spam")

    assert visitor.goto(f"/article/{slug}").status == 404
    visitor.goto("/")
    expect(visitor.get_by_text(TITLE)).to_have_count(0)
    admin.goto(f"/article/{slug}")
    expect(admin.get_by_test_id("hidden-badge")).to_have_text("Hidden by moderators")
