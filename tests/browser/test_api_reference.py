"""The API reference at /api/v1/docs in Chromium: Swagger UI, from our own files, draws our
OpenAPI document within the page's Content-Security-Policy, without a single error."""

from playwright.sync_api import ConsoleMessage, Page, expect

# Chromium logs each blocked load as a console error too; the event also names what a
# policy blocked without loading it (an inline style, a string evaluated as code).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


def _record_problems(page: Page) -> list[str]:
    """Return the list that collects the page's console errors, CSP violations included,
    and its uncaught exceptions, from now on."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            problems.append(f"console {message.type}: {message.text}")

    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


def test_the_reference_lists_the_operations_and_expands_one_within_its_policy(new_page):
    page = new_page()
    problems = _record_problems(page)

    response = page.goto("/api/v1/docs")

    assert response is not None and response.status == 200
    expect(page.locator(".info .title")).to_contain_text("Conduit API")
    operation = page.locator(".opblock").filter(has_text="List recent articles, filtered")
    expect(operation).to_have_count(1)
    expect(page.locator(".opblock-summary").filter(has_text="Get an article")).to_be_visible()
    operation.locator(".opblock-summary-control").click()
    parameters = operation.locator(".parameters")
    expect(parameters).to_contain_text("limit")
    expect(parameters).to_contain_text("favorited")
    expect(operation.locator(".responses-wrapper")).to_contain_text("422")
    page.wait_for_load_state("networkidle")
    assert problems == []
