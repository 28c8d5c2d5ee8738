"""What the browser tests do to pages: sign up and in, submit forms, save screenshots."""

from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

from config import BASE_DIR
from tests.factories import DEFAULT_PASSWORD

ARTIFACTS = BASE_DIR / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
# Every action and navigation gives up after this long (an `expect` after 5 s).
WAIT_MILLISECONDS = 10_000


def new_context(
    browser: Browser, base_url: str, viewport: str = "desktop", storage_state: dict | None = None
) -> BrowserContext:
    """Return a new browser context (cookies of its own) on the site, with bounded waits."""
    context = browser.new_context(
        base_url=base_url, viewport=VIEWPORTS[viewport], storage_state=storage_state
    )
    context.set_default_timeout(WAIT_MILLISECONDS)
    context.set_default_navigation_timeout(WAIT_MILLISECONDS)
    return context


def submit(page: Page, test_id: str) -> None:
    """Click the button with this data-testid and wait for the page its form leads to."""
    with page.expect_navigation():
        page.get_by_test_id(test_id).click()


def sign_up(page: Page, username: str) -> None:
    """Register username (email username@example.com) through the form."""
    page.goto("/register")
    page.fill("#username", username)
    page.fill("#email", f"{username}@example.com")
    page.fill("#password", DEFAULT_PASSWORD)
    submit(page, "sign-up")


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    submit(page, "sign-in")


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>-<viewport>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = next(label for label, size in VIEWPORTS.items() if size == page.viewport_size)
    path = SCREENSHOTS / f"{name}-{viewport}.png"
    page.screenshot(path=path, full_page=True)
    return path
