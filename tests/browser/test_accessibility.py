"""axe-core's rules on every main page, on a desktop and on a phone, with a screenshot of each.

axe-core ships inside the axe-playwright-python wheel and runs in the page: nothing is fetched.
The pages only read, so the module makes its data and signs its readers in once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page, expect

from app.articles import services as articles
from app.articles.comments import services as comments
from app.moderation import services as moderation
from app.users import services as users
from tests import factories
from tests.browser.actions import VIEWPORTS, new_context, save_screenshot, sign_in, submit

BLOCKING_IMPACTS = ("serious", "critical")
AXE_RUN = "axe.run(document, {resultTypes: ['violations']}).then(results => results.violations)"
# Content that does not fit: a page wider than the screen (WCAG's reflow), tabs that would
# grow a scrollbar of their own, or something unseen (the icons' sprite) taking room above
# the header.
OVERFLOWS = """() => [
  ...(document.documentElement.scrollWidth > innerWidth ? ["the page scrolls sideways"] : []),
  ...(document.querySelector(".site-header").getBoundingClientRect().top > 0
    ? ["something takes room above the header"] : []),
  ...[...document.querySelectorAll(".tabs__list")]
    .filter(tabs => tabs.scrollHeight > tabs.clientHeight)
    .map(() => "the tabs scroll up and down"),
]"""
ARTICLE_BODY = """Most of what breaks a web page only shows in a browser.

# What the browser sees

Read [the Playwright docs](https://playwright.dev/python/) and keep **one** journey per feature.

## A first test

```python
page.goto("/")
assert page.title() == "Global feed · Conduit"
assert page.get_by_test_id("article-preview").count() == 20, "the first page is full"
```

> Test what people do, not how the page is built.

- register
- write
- comment
"""
# A full first page and a second one, so that the lists show their pagination.
OTHER_ARTICLES = 21
ADA = "ada@example.com"
BEN = "ben@example.com"
CLEO = "cleo@example.com"


@dataclass(frozen=True)
class Visit:
    name: str
    path: str
    viewer: str | None = None
    status: int = 200
    then: Callable[[Page], None] | None = None


def _blank_the_comment(page: Page) -> None:
    page.fill("#body", "   ")
    submit(page, "save-comment")
    expect(page.get_by_test_id("error-body")).to_be_visible()


def _take_ada_s_name(page: Page) -> None:
    page.fill("#username", "ada")
    submit(page, "update-settings")
    expect(page.get_by_test_id("error-username")).to_contain_text("has already been taken")
    expect(page.locator("#username")).to_have_value("ada")


def _preview(page: Page) -> None:
    submit(page, "preview")
    expect(page.get_by_test_id("preview-body")).to_be_visible()


VISITS = [
    Visit("home", "/"),
    Visit("home-signed-in", "/feed", viewer=BEN),
    Visit("article", "/article/{slug}", viewer=BEN),
    Visit("article-signed-out", "/article/{slug}"),
    Visit("editor", "/editor/{slug}", viewer=ADA),
    Visit("comment-editor", "/article/{slug}/comments/{comment_id}/edit", viewer=BEN),
    Visit(
        "comment-editor-errors",
        "/article/{slug}/comments/{comment_id}/edit",
        viewer=BEN,
        then=_blank_the_comment,
    ),
    Visit("settings", "/settings", viewer=BEN),
    Visit("settings-errors", "/settings", viewer=BEN, then=_take_ada_s_name),
    Visit("profile", "/profile/ada", viewer=BEN),
    Visit("drafts", "/profile/ada/drafts", viewer=ADA),
    Visit("search", "/search?q=testing"),
    Visit("editor-preview", "/editor/{slug}", viewer=ADA, then=_preview),
    Visit("report", "/article/{slug}/report", viewer=BEN),
    Visit("admin-reports", "/admin/reports", viewer=CLEO),
    Visit("admin-article", "/admin/articles/{article_id}", viewer=CLEO),
    Visit("admin-users", "/admin/users", viewer=CLEO),
    Visit("admin-log", "/admin/log", viewer=CLEO),
    Visit("login", "/login"),
    Visit("register", "/register"),
    Visit("forgot-password", "/forgot-password"),
    Visit("reset-link-invalid", "/reset-password?token=no-such-token", status=404),
    Visit("verify-link-invalid", "/verify-email?token=no-such-token", status=404),
    Visit("404", "/no-such-page", status=404),
]


@pytest.fixture(scope="module")
def site(db) -> dict[str, str]:
    """Make ada's articles, one of them favorited, commented on and reported by ben, who
    follows her, and by ada, who edited her comment; cleo is an admin, who suspended dan."""
    ada = factories.make_user("ada", bio="Writes about testing.\nLikes long walks in stack traces.")
    ben = factories.make_user("ben")
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for number in range(1, OTHER_ARTICLES + 1):
        factories.make_article(
            ada,
            title=f"Notes on testing, part {number}",
            description="Short lessons from the test suite.",
            tags=["testing"],
            created_at=start + timedelta(days=number),
        )
    article = factories.make_article(
        ada,
        title="Testing Flask in a real browser",
        description="What end-to-end tests catch that unit tests miss",
        body=ARTICLE_BODY,
        tags=["python", "browser-testing", "flask"],
    )
    bens = factories.make_comment(article, ben, body="Great read, thanks for the code sample!")
    adas = factories.make_comment(article, ada, body="Thank you! More son.")
    comments.edit_comment(adas, ada, "Thank you! More soon.")
    articles.favorite(article, ben)
    users.follow(ben, ada)
    cleo = factories.make_user("cleo")
    cleo.is_admin = True
    db.session.commit()
    moderation.file_report(ben, article, None, "It quotes code without a licence.")
    moderator = moderation.Moderator.admin(cleo)
    moderation.suspend_user(factories.make_user("dan"), moderator, "Spam in every comment.")
    return {"slug": article.slug, "comment_id": str(bens.id), "article_id": str(article.id)}


@pytest.fixture(scope="module")
def sessions(site, browser, live_server) -> dict[str, dict]:
    """Return each reader's signed-in browser state, by email."""
    states = {}
    for email in (ADA, BEN, CLEO):
        context = new_context(browser, live_server)
        try:
            page = context.new_page()
            sign_in(page, email)
            expect(page.get_by_test_id("nav-profile")).to_be_visible()
            states[email] = context.storage_state()
        finally:
            context.close()
    return states


def _describe(violation: dict) -> str:
    targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"])
    return f"{violation['id']} [{violation['impact']}] {violation['help']}: {targets}"


@pytest.mark.parametrize("visit", VISITS, ids=[visit.name for visit in VISITS])
def test_page_fits_the_screen_without_serious_accessibility_violations(
    visit, site, sessions, new_page, axe_findings
):
    page = new_page(storage_state=sessions.get(visit.viewer))
    response = page.goto(visit.path.format(**site))
    assert response.status == visit.status
    if visit.then:
        visit.then(page)
    page.evaluate(AXE_SCRIPT)
    blocking = []
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        save_screenshot(page, visit.name)
        blocking += [
            f"{visit.name} ({viewport}): {problem}" for problem in page.evaluate(OVERFLOWS)
        ]
        for violation in page.evaluate(AXE_RUN):
            finding = f"{visit.name} ({viewport}): {_describe(violation)}"
            axe_findings.append(finding)
            if violation["impact"] in BLOCKING_IMPACTS:
                blocking.append(finding)
    assert not blocking, "\n".join(blocking)
