"""Fixtures for mail that really leaves: an SMTP server on loopback (aiosmtpd), a Celery
worker process on the test Redis, and an app that queues its jobs there.

The server and the worker start once per session, when a test first asks for them, and
stop at its end (the worker by its PID). Tests script the server's answers: `inbox.refuse`
queues replies it gives instead of accepting the next messages.
"""

import email
import os
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app import create_app
from config import BASE_DIR, TestingConfig

SMTP_PORT = 57101
# Nothing listens here: the broker of an app whose Redis is down.
CLOSED_PORT = 57148
# The broker is a Redis database of its own: the suite empties database 0 after each test.
BROKER_DATABASE = 1
# The worker retries quickly, so that the tests can watch a whole back-off.
WORKER_RETRY_BASE_SECONDS = 0.2
WORKER_MAX_ATTEMPTS = 4
WORKER_START_SECONDS = 30
WORKER_STOP_SECONDS = 15
ARTIFACTS = BASE_DIR / "test-artifacts"


@dataclass
class Attempt:
    """One message the server was offered: when, to whom, and what it answered."""

    at: float
    recipients: list[str]
    reply: str


@dataclass
class Inbox:
    """What the test SMTP server received and answered."""

    messages: list[EmailMessage] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    refusals: deque[str] = field(default_factory=deque)

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        reply = self.refusals.popleft() if self.refusals else "250 Message accepted"
        self.attempts.append(Attempt(time.monotonic(), list(envelope.rcpt_tos), reply))
        if reply.startswith("250"):
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return reply

    def refuse(self, *replies: str) -> None:
        self.refusals.extend(replies)

    def clear(self) -> None:
        self.messages.clear()
        self.attempts.clear()
        self.refusals.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


OUTBOX = Path(TestingConfig.MAIL_OUTBOX_DIR)


def delivered_to(address: str, seen: frozenset[Path] = frozenset()) -> EmailMessage | None:
    """Return the newest message the app wrote to its outbox directory (no MAIL_URL) for
    address, leaving out the files in seen; None when there is none."""
    for path in sorted(OUTBOX.glob("*.eml"), reverse=True):
        if path in seen:
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        if message["To"] == address:
            return message
    return None


def wait_for(condition: Callable[[], object], seconds: float = 10, what: str = "it") -> object:
    """Return condition's first true value, polling; fail after seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"waited {seconds}s for {what}")


def broker_url(database: int = BROKER_DATABASE) -> str:
    redis_url = os.environ["REDIS_URL"]
    return redis_url.rsplit("/", 1)[0] + f"/{database}"


def smtp_url() -> str:
    return f"smtp://127.0.0.1:{SMTP_PORT}"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server) -> Iterator[Inbox]:
    """The SMTP server's inbox, empty at the start of the test."""
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


def _wait_until_ready(worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WORKER_START_SECONDS
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()}")
        if " ready." in log.read_text():
            return
        time.sleep(0.1)
    pytest.fail(f"the worker was not ready within {WORKER_START_SECONDS}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def mail_worker(app, smtp_server) -> Iterator[Path]:
    """A real Celery worker process (solo pool) on the test Redis, sending to the test SMTP
    server; return the path of its log. `app` has migrated the database it uses."""
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "celery-worker.log"
    environment = {
        **os.environ,
        "CONDUIT_CONFIG": "testing",
        "CELERY_BROKER_URL": broker_url(),
        "MAIL_URL": smtp_url(),
        "MAIL_RETRY_BASE_SECONDS": str(WORKER_RETRY_BASE_SECONDS),
        "MAIL_MAX_ATTEMPTS": str(WORKER_MAX_ATTEMPTS),
    }
    command = [sys.executable, "-m", "celery", "-A", "wsgi:celery_app", "worker"]
    command += ["--pool", "solo", "--loglevel", "INFO", "--without-heartbeat"]
    command += ["--without-gossip", "--without-mingle", "--hostname", "conduit-tests@%h"]
    with log.open("w") as log_file:
        worker = subprocess.Popen(
            command, cwd=BASE_DIR, env=environment, stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_ready(worker, log)
        yield log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=WORKER_STOP_SECONDS)


def app_with_broker(broker: str, **settings):
    config = TestingConfig()
    config.CELERY_BROKER_URL = broker
    config.MAIL_URL = smtp_url()
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


@pytest.fixture(scope="session")
def queueing_app(app, mail_worker):
    """An app like the suite's, whose jobs go to the worker through Redis."""
    return _request_scoped(app, app_with_broker(broker_url()))


@pytest.fixture(scope="session")
def app_without_redis(app):
    """An app whose broker is down (a closed port): its jobs cannot be queued."""
    return _request_scoped(app, app_with_broker(f"redis://127.0.0.1:{CLOSED_PORT}/1"))


def _request_scoped(suite_app, new_app):
    new_app.test_client_class = suite_app.test_client_class
    return new_app
