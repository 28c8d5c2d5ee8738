"""The article page in a real browser: a reader edits their comment, and code is coloured."""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests import factories
from tests.browser.actions import sign_in, submit

BODY = """A snippet to start with:

```python
def greet(name):
    return f"Hello, {name}"
```

And one in a language nobody knows:

```nosuchlanguage
greet ada
```
"""
FIRST_DRAFT = "Thanks, this helped me a lot!"
SECOND_DRAFT = "Thanks, this helped me a lot! The f-string tip especially."
KEYWORD_GREEN = "rgb(0, 128, 0)"


@pytest.fixture(scope="module")
def site(db) -> dict:
    """ada's article with code blocks, and ben's comment on it."""
    ada = factories.make_user("ada")
    ben = factories.make_user("ben")
    article = factories.make_article(ada, title="Greeting people in Python", body=BODY)
    comment = factories.make_comment(article, ben, body=FIRST_DRAFT)
    return {"slug": article.slug, "comment_id": comment.id}


def _comment(page: Page, comment_id: int):
    return page.locator(f'[data-testid="comment"][data-comment-id="{comment_id}"]')


def _policy_violations(page: Page) -> list[str]:
    """Collect what the browser reports blocking under the Content-Security-Policy."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    return violations


def test_a_reader_edits_their_comment_and_everyone_sees_it_edited(site, new_page):
    ben, ada, visitor = new_page(), new_page(), new_page()
    article_path = f"/article/{site['slug']}"
    sign_in(ben, "ben@example.com")
    sign_in(ada, "ada@example.com")

    ben.goto(article_path)
    comment = _comment(ben, site["comment_id"])
    expect(comment.get_by_test_id("comment-edited")).to_have_count(0)
    comment.get_by_test_id("edit-comment").click()
    expect(ben).to_have_url(re.compile(rf"/comments/{site['comment_id']}/edit$"))
    expect(ben.locator("#body")).to_have_value(FIRST_DRAFT)

    ben.fill("#body", "   ")
    submit(ben, "save-comment")
    expect(ben.get_by_test_id("error-body")).to_have_text("Comment can't be blank")
    expect(ben.locator("#body")).to_have_attribute("aria-invalid", "true")

    ben.fill("#body", SECOND_DRAFT)
    submit(ben, "save-comment")
    expect(ben).to_have_url(re.compile(rf"{article_path}#comment-{site['comment_id']}$"))
    expect(ben.get_by_test_id("flash")).to_have_text("Comment updated.")
    comment = _comment(ben, site["comment_id"])
    expect(comment.locator(".comment__body")).to_have_text(SECOND_DRAFT)
    edited = comment.get_by_test_id("comment-edited")
    expect(edited).to_contain_text("edited")
    expect(edited.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))

    visitor.goto(article_path)
    expect(_comment(visitor, site["comment_id"]).locator(".comment__body")).to_have_text(
        SECOND_DRAFT
    )
    expect(_comment(visitor, site["comment_id"]).get_by_test_id("comment-edited")).to_be_visible()
    ada.goto(article_path)
    expect(_comment(ada, site["comment_id"]).get_by_test_id("edit-comment")).to_have_count(0)
    refused = ada.goto(f"{article_path}/comments/{site['comment_id']}/edit")
    assert refused.status == 403


def test_code_in_a_known_language_shows_coloured_tokens(site, new_page):
    page = new_page()
    violations = _policy_violations(page)

    page.goto(f"/article/{site['slug']}")
    body = page.get_by_test_id("article-body")
    highlighted, plain = body.locator("pre.highlight"), body.locator("pre:not(.highlight)")
    keyword = highlighted.locator("span.k").first
    name = highlighted.locator("span.nf").first
    expect(keyword).to_have_text("def")
    expect(highlighted).to_contain_text('return f"Hello, {name}"')
    expect(plain).to_have_text("greet ada")
    expect(plain.locator("span")).to_have_count(0)

    colour = "element => getComputedStyle(element).color"
    plain_text = highlighted.locator("code").evaluate(colour)
    assert keyword.evaluate(colour) == KEYWORD_GREEN
    assert keyword.evaluate(colour) != plain_text
    assert name.evaluate(colour) not in (plain_text, KEYWORD_GREEN)
    assert plain.locator("code").evaluate(colour) == plain_text
    assert violations == []
