"""Browser fixtures: the site served by a real gunicorn, driven through Debian's Chromium.

The server runs for one module at a time, on the test database, which is emptied when the
module ends: a module's tests may share data and signed-in sessions made once.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import text

from app.extensions import db as database
from config import BASE_DIR
from tests.browser.actions import ARTIFACTS, new_context

CHROMIUM = Path("/usr/bin/chromium")
# Headless and quiet: no GPU, and no calls home (updates, sync, field trials over QUIC).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_SECONDS = 20
SERVER_STOP_SECONDS = 10
AXE_FINDINGS = pytest.StashKey[list[str]]()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(base_url: str, server: subprocess.Popen, log: Path) -> None:
    """Return once the server answers its home page; fail with the server's log otherwise."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with status {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base_url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(
        f"gunicorn did not serve {base_url} within {SERVER_START_SECONDS}s:\n{log.read_text()}"
    )


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=SERVER_STOP_SECONDS)


def _start_gunicorn(port: int, log: Path) -> subprocess.Popen:
    """Start gunicorn serving the app on port, its output going to log.

    gunicorn reads the project's gunicorn.conf.py as in production; the flags pin what a
    test run needs. The control socket is off: its default path is shared by every gunicorn
    this user runs.
    """
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "--no-control-socket", "wsgi:app"]
    environment = {**os.environ, "CONDUIT_CONFIG": "testing"}
    with log.open("w") as log_file:
        return subprocess.Popen(
            command, cwd=BASE_DIR, env=environment, stdout=log_file, stderr=subprocess.STDOUT
        )


@pytest.fixture(scope="module")
def live_server(app, request) -> Iterator[str]:
    """Serve the site on a free local port for this module; return its base URL.

    `app` has migrated the test database. The server's log is kept under test-artifacts/.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    log = ARTIFACTS / f"gunicorn-{request.module.__name__.rpartition('.')[2]}.log"
    server = _start_gunicorn(port, log)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_serving(base_url, server, log)
        yield base_url
    finally:
        _stop(server)


@pytest.fixture(scope="module", autouse=True)
def db(app) -> Iterator:
    """The database, emptied after each module (the suite's own `db` does it after each test)."""
    with app.app_context():
        yield database
        database.session.remove()
        tables = ", ".join(table.name for table in database.metadata.sorted_tables)
        with database.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests drive Debian's Chromium at {CHROMIUM}, which is missing: "
            "install it with `apt-get install -y chromium` (`make dev-venv` does).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., Page]]:
    """Return a function that opens a page in a new browser context, with cookies of its own."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: str = "desktop", storage_state: dict | None = None) -> Page:
        context = new_context(browser, live_server, viewport, storage_state)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_findings(pytestconfig) -> list[str]:
    """The axe-core violations found in this run, one line each, for the closing summary."""
    return pytestconfig.stash.setdefault(AXE_FINDINGS, [])


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Print every axe-core violation, blocking or not, and keep them in test-artifacts/."""
    if AXE_FINDINGS not in config.stash:
        return
    findings = config.stash[AXE_FINDINGS] or ["no violations"]
    terminalreporter.section("axe-core")
    for finding in findings:
        terminalreporter.write_line(finding)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "accessibility.txt").write_text("\n".join(findings) + "\n")
