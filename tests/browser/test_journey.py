"""The whole product in a real browser: two people write, read, discuss and tidy up.

One test, because each step builds on the one before.
"""

import re

from playwright.sync_api import Page, expect

from tests.browser.actions import sign_up, submit

TITLE = "Testing Flask in a real browser"
NEW_TITLE = "Testing Flask with Playwright"
BODY = """Why bother with a browser when the test client is so fast?

# What the browser sees

Read [the Playwright docs](https://playwright.dev/python/) before you start.

## A first test

```python
page.goto("/")
assert page.title()
```
"""
COMMENT = "Great read, thanks for the code sample!"


def _preview(page: Page, slug: str):
    return page.locator(f'[data-testid="article-preview"][data-slug="{slug}"]')


def _write_article(page: Page) -> str:
    """Publish the article through the editor; return its slug."""
    page.get_by_test_id("nav-new-article").click()
    expect(page).to_have_url(re.compile(r"/editor$"))
    page.fill("#title", TITLE)
    page.fill("#description", "What end-to-end tests catch that unit tests miss")
    page.fill("#body", BODY)
    page.fill("#tags", "python, browser-testing")
    submit(page, "publish")
    expect(page.get_by_test_id("flash")).to_contain_text("Article published")
    slug = page.get_by_test_id("article").get_attribute("data-slug")
    expect(page).to_have_url(re.compile(rf"/article/{re.escape(slug)}$"))
    return slug


def _expect_rendered_markdown(page: Page) -> None:
    body = page.get_by_test_id("article-body")
    # One level down: the article's title is the page's only h1.
    expect(body.locator("h2")).to_have_text("What the browser sees")
    expect(body.locator("h3")).to_have_text("A first test")
    link = body.get_by_role("link", name="the Playwright docs")
    expect(link).to_have_attribute("href", "https://playwright.dev/python/")
    expect(body.locator("pre > code")).to_contain_text('page.goto("/")')
    expect(body).not_to_contain_text("```")
    expect(body).not_to_contain_text("# ")


def _expect_listed(page: Page, slug: str, title: str) -> None:
    preview = _preview(page, slug)
    expect(preview).to_have_count(1)
    expect(preview.get_by_test_id("article-link")).to_have_text(title)
    expect(preview.get_by_test_id("author-link")).to_have_text("ada")
    expect(preview.get_by_test_id("tag")).to_have_text(["browser-testing", "python"])


def _expect_gone(page: Page, path: str, slug: str) -> None:
    page.goto(path)
    expect(_preview(page, slug)).to_have_count(0)
    expect(page.get_by_test_id("empty-state")).to_be_visible()


def test_two_people_write_discuss_and_remove_an_article(new_page):
    ada = new_page()
    ben = new_page()
    sign_up(ada, "ada")
    expect(ada.get_by_test_id("flash")).to_contain_text("Welcome to Conduit, ada!")
    expect(ada.get_by_test_id("nav-profile")).to_have_text("ada")

    slug = _write_article(ada)
    expect(ada.get_by_test_id("article-title")).to_have_text(TITLE)
    _expect_rendered_markdown(ada)

    ada.goto("/")
    expect(ada.get_by_test_id("tab-global")).to_have_attribute("aria-current", "page")
    _expect_listed(ada, slug, TITLE)
    ada.get_by_test_id("popular-tags").get_by_role("link", name="python").click()
    expect(ada).to_have_url(re.compile(r"/\?tag=python$"))
    expect(ada.get_by_test_id("tab-tag")).to_contain_text("python")
    _expect_listed(ada, slug, TITLE)
    ada.get_by_test_id("nav-profile").click()
    expect(ada.get_by_test_id("profile").locator("h1")).to_have_text("ada")
    _expect_listed(ada, slug, TITLE)

    sign_up(ben, "ben")
    expect(ben.get_by_test_id("flash")).to_contain_text("Welcome to Conduit, ben!")
    _preview(ben, slug).get_by_test_id("article-link").click()
    expect(ben).to_have_url(re.compile(rf"/article/{re.escape(slug)}$"))
    _expect_rendered_markdown(ben)

    ben.fill("#body", COMMENT)
    submit(ben, "post-comment")
    expect(ben.get_by_test_id("flash")).to_have_text("Comment posted.")
    expect(ben.get_by_test_id("comment")).to_have_count(1)
    expect(ben.get_by_test_id("comment")).to_contain_text(COMMENT)
    expect(ben.get_by_test_id("comment").get_by_test_id("author-link")).to_have_text("ben")

    favorite = ben.get_by_test_id("favorite-button")
    expect(favorite).to_have_attribute("data-favorited", "false")
    expect(ben.get_by_test_id("favorites-count")).to_have_text("0")
    submit(ben, "favorite-button")
    expect(favorite).to_have_attribute("data-favorited", "true")
    expect(ben.get_by_test_id("favorites-count")).to_have_text("1")

    submit(ben, "follow-button")
    expect(ben.get_by_test_id("flash")).to_have_text("You are following ada.")
    expect(ben.get_by_test_id("follow-button")).to_have_attribute("data-following", "true")
    expect(ben.get_by_test_id("follow-button")).to_contain_text("Unfollow ada")

    ben.get_by_test_id("nav-home").click()
    ben.get_by_test_id("tab-feed").click()
    expect(ben).to_have_url(re.compile(r"/feed$"))
    expect(ben.get_by_test_id("tab-feed")).to_have_attribute("aria-current", "page")
    _expect_listed(ben, slug, TITLE)
    expect(_preview(ben, slug).get_by_test_id("favorite-button")).to_have_attribute(
        "data-favorited", "true"
    )
    expect(_preview(ben, slug).get_by_test_id("favorites-count")).to_have_text("1")

    ada.goto(f"/article/{slug}")
    expect(ada.get_by_test_id("comment")).to_contain_text(COMMENT)
    expect(ada.get_by_test_id("delete-comment")).to_have_count(0)
    expect(ada.get_by_test_id("favorites-count")).to_have_text("1")
    ada.get_by_test_id("edit-article").click()
    expect(ada).to_have_url(re.compile(rf"/editor/{re.escape(slug)}$"))
    expect(ada.locator("#title")).to_have_value(TITLE)
    expect(ada.locator("#tags")).to_have_value("browser-testing, python")
    ada.fill("#title", NEW_TITLE)
    submit(ada, "publish")
    expect(ada.get_by_test_id("flash")).to_have_text("Article updated.")
    expect(ada.get_by_test_id("article-title")).to_have_text(NEW_TITLE)
    new_slug = ada.get_by_test_id("article").get_attribute("data-slug")
    assert new_slug != slug
    assert "playwright" in new_slug
    expect(ada).to_have_url(re.compile(rf"/article/{re.escape(new_slug)}$"))
    _expect_rendered_markdown(ada)

    old_url = ben.request.get(f"/article/{slug}", max_redirects=0)
    assert old_url.status == 301
    assert old_url.headers["location"].endswith(f"/article/{new_slug}")
    ben.goto(f"/article/{slug}")
    expect(ben).to_have_url(re.compile(rf"/article/{re.escape(new_slug)}$"))
    expect(ben.get_by_test_id("article-title")).to_have_text(NEW_TITLE)

    expect(ben.get_by_test_id("delete-comment")).to_have_count(1)
    submit(ben, "delete-comment")
    expect(ben.get_by_test_id("flash")).to_have_text("Comment deleted.")
    expect(ben.get_by_test_id("comment")).to_have_count(0)
    expect(ben.get_by_test_id("no-comments")).to_be_visible()

    ada.reload()
    expect(ada.get_by_test_id("comment")).to_have_count(0)
    submit(ada, "delete-article")
    expect(ada).to_have_url(re.compile(r"/$"))
    expect(ada.get_by_test_id("flash")).to_have_text("Article deleted.")
    expect(_preview(ada, new_slug)).to_have_count(0)
    expect(ada.get_by_test_id("empty-state")).to_be_visible()
    _expect_gone(ada, "/?tag=python", new_slug)
    _expect_gone(ada, "/profile/ada", new_slug)
    _expect_gone(ben, "/feed", new_slug)
    _expect_gone(ben, "/profile/ben/favorites", new_slug)
    for path in (f"/article/{new_slug}", f"/article/{slug}"):
        response = ben.goto(path)
        assert response.status == 404
        expect(ben.get_by_test_id("error-page")).to_contain_text("Page not found")
