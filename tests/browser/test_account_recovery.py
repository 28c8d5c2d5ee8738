"""Account recovery in a real browser: confirm the address from the sign-up mail, forget
the password, reset it from the mailed link and sign in with the new one.

The live server runs its jobs in-process without MAIL_URL, so its mail lands in the dev
outbox (TestingConfig.MAIL_OUTBOX_DIR) as .eml files, which the test reads as a person
reads their inbox.
"""

import email
import re
from email.policy import default
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from config import TestingConfig
from tests.browser.actions import save_screenshot, sign_up, submit
from tests.mail_fixtures import wait_for

OUTBOX = Path(TestingConfig.MAIL_OUTBOX_DIR)
NEW_PASSWORD = "a-brand-new-passphrase"


def link_mailed_to(address: str, subject: str, seen: set[Path]) -> str:
    """Return the path and query of the link in the newest mail to address with subject."""

    def newest():
        for path in sorted(OUTBOX.glob("*.eml"), reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=default)
            if path not in seen and message["To"] == address and message["Subject"] == subject:
                seen.add(path)
                return message
        return None

    message = wait_for(newest, what=f"{subject!r} to {address}")
    link = urlsplit(re.search(r"https?://\S+", message.get_content()).group(0))
    return f"{link.path}?{link.query}"


def test_a_reader_verifies_their_address_then_resets_a_forgotten_password(new_page):
    seen = set(OUTBOX.glob("*.eml"))
    page: Page = new_page()
    sign_up(page, "rue")
    expect(page.get_by_test_id("verify-reminder")).to_contain_text("rue@example.com")

    page.goto(link_mailed_to("rue@example.com", "Confirm your email address on Conduit", seen))
    submit(page, "confirm-email")
    expect(page.get_by_test_id("flash")).to_contain_text("rue@example.com is verified")
    expect(page.get_by_test_id("verify-reminder")).to_have_count(0)
    submit(page, "logout")

    page.goto("/login")
    page.get_by_test_id("forgot-password").click()
    page.fill("#email", "rue@example.com")
    submit(page, "send-reset-link")
    expect(page.get_by_test_id("flash")).to_contain_text("If an account exists for that address")

    page.goto(link_mailed_to("rue@example.com", "Reset your Conduit password", seen))
    page.fill("#password", NEW_PASSWORD)
    save_screenshot(page, "reset-password")
    submit(page, "set-password")
    expect(page.get_by_test_id("flash")).to_contain_text("Your password is changed")

    page.fill("#email", "rue@example.com")
    page.fill("#password", NEW_PASSWORD)
    submit(page, "sign-in")
    expect(page.get_by_test_id("nav-profile")).to_have_text("rue")
