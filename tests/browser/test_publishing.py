"""Drafts, preview, search and popular articles in a real browser.

One test, because each step builds on the one before: a writer previews and saves a draft,
finds it on their Drafts tab only, publishes it; a reader finds it by searching, reads it,
and sees it among the popular articles.
"""

import re

from playwright.sync_api import ConsoleMessage, Page, expect

from app import cache
from tests.browser.actions import sign_up, submit

TITLE = "Volcanoes of the Pacific"
BODY = "Lava flows **slowly** here.\n\nThe volcano sleeps."


def _previews(page: Page):
    return page.get_by_test_id("article-preview")


def _write_draft(page: Page) -> str:
    page.get_by_test_id("nav-new-article").click()
    page.fill("#title", TITLE)
    page.fill("#description", "A field trip")
    page.fill("#body", BODY)
    submit(page, "preview")
    expect(page.get_by_test_id("preview-body").locator("strong")).to_have_text("slowly")
    expect(page.locator("#title")).to_have_value(TITLE)
    submit(page, "save-draft")
    expect(page.get_by_test_id("flash")).to_contain_text("Draft saved.")
    expect(page.get_by_test_id("draft-badge")).to_be_visible()
    return page.get_by_test_id("article").get_attribute("data-slug")


def test_a_draft_is_previewed_saved_published_found_and_read(new_page, app):
    writer, reader = new_page(), new_page()
    sign_up(writer, "geologist")
    slug = _write_draft(writer)

    writer.goto("/")
    expect(_previews(writer)).to_have_count(0)
    writer.get_by_test_id("nav-profile").click()
    writer.get_by_test_id("tab-drafts").click()
    expect(_previews(writer)).to_have_count(1)
    assert reader.goto(f"/article/{slug}").status == 404

    writer.goto(f"/editor/{slug}")
    submit(writer, "publish")
    expect(writer.get_by_test_id("flash")).to_contain_text("Article updated.")

    reader.goto("/")
    reader.get_by_test_id("nav-search").fill("lava")
    with reader.expect_navigation():
        reader.get_by_test_id("nav-search").press("Enter")
    expect(reader).to_have_url(re.compile(r"/search\?q=lava$"))
    expect(reader.get_by_test_id("search-count")).to_contain_text("1 article")
    expect(reader.get_by_test_id("snippet").locator("mark")).to_have_text("Lava")
    reader.get_by_test_id("article-link").click()
    expect(reader.get_by_test_id("article-title")).to_have_text(TITLE)
    expect(reader.get_by_test_id("reading-time")).to_have_text("1 min read")

    with app.app_context():
        cache.invalidate(cache.ARTICLE_LISTS)  # rather than wait a minute
    reader.goto("/")
    expect(reader.get_by_test_id("popular-article")).to_have_text([TITLE])


def test_the_editor_previews_the_body_as_it_is_typed(new_page):
    writer = new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    writer.on("console", on_console)
    sign_up(writer, "typist")
    writer.get_by_test_id("nav-new-article").click()
    expect(writer.get_by_test_id("preview-pane")).to_be_hidden()

    writer.locator("#body").press_sequentially("Hot **magma**")

    expect(writer.get_by_test_id("preview-body").locator("strong")).to_have_text("magma")
    expect(writer.get_by_test_id("preview-pane")).to_be_visible()
    writer.locator("#body").fill("")
    writer.locator("#body").dispatch_event("input")
    expect(writer.get_by_test_id("preview-pane")).to_be_hidden()
    assert errors == []
