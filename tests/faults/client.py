"""A loopback HTTP client that never raises, and traffic: threads calling the app in a loop,
every reply recorded with the phase of the test it started in."""

import http.client
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Longer than any request should take, even with Redis stalled: a hang shows as an error.
REQUEST_SECONDS = 5
PASSWORD = "a-long-passphrase-for-faults"
API = "/api/v1"


@dataclass
class Reply:
    """What one request got: a status and body, or the error that stopped it."""

    method: str
    path: str
    status: int | None
    body: bytes
    headers: dict[str, str]
    started: float
    seconds: float
    error: str | None = None

    @property
    def ended(self) -> float:
        return self.started + self.seconds

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def __str__(self) -> str:
        outcome = self.error or f"{self.status} {self.text[:300]}"
        return f"{self.method} {self.path} -> {outcome} ({self.seconds:.2f}s)"


def call(
    port: int,
    method: str,
    path: str,
    payload: dict | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = REQUEST_SECONDS,
) -> Reply:
    """Send one request to the app on 127.0.0.1:port and return what came back."""
    sent_headers = {"Host": "127.0.0.1", **(headers or {})}
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        sent_headers["Content-Type"] = "application/json"
    if token is not None:
        sent_headers["Authorization"] = f"Token {token}"
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=sent_headers)
        response = connection.getresponse()
        content = response.read()
        received = {name.lower(): value for name, value in response.getheaders()}
        return Reply(method, path, response.status, content, received, started, _since(started))
    except (OSError, http.client.HTTPException) as error:
        return Reply(method, path, None, b"", {}, started, _since(started), repr(error))
    finally:
        connection.close()


def _since(started: float) -> float:
    return time.monotonic() - started


def register(port: int, name: str) -> str:
    """Register a user called name and return their token."""
    user = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    reply = call(port, "POST", f"{API}/users", {"user": user})
    assert reply.status == 201, str(reply)
    return reply.json["user"]["token"]


def new_article(title: str, tags: tuple[str, ...] = ()) -> dict:
    body = f"Written by the fault tests: {title}."
    return {"article": {"title": title, "description": "d", "body": body, "tagList": list(tags)}}


def create_article(port: int, token: str, title: str, tags: tuple[str, ...] = ()) -> str:
    """Create an article and return its slug."""
    reply = call(port, "POST", f"{API}/articles", new_article(title, tags), token=token)
    assert reply.status == 201, str(reply)
    return reply.json["article"]["slug"]


@dataclass
class Traffic:
    """Threads that each run script(traffic, thread_number, iteration) until stopped.

    Scripts send their requests through traffic.call, which records each reply with the
    phase that was current when it started. An exception in a script is recorded too.
    """

    port: int
    script: Callable[["Traffic", int, int], None]
    threads: int = 2
    phase: str = "before"
    replies: list[tuple[str, Reply]] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def call(self, method: str, path: str, payload: dict | None = None, **options) -> Reply:
        phase = self.phase
        reply = call(self.port, method, path, payload, **options)
        self.replies.append((phase, reply))
        return reply

    def _run(self, number: int) -> None:
        for iteration in itertools.count():
            if self._stopping.is_set():
                return
            try:
                self.script(self, number, iteration)
            except Exception as error:  # recorded, so that the test fails with it
                self.crashes.append(f"thread {number}: {error!r}")
                return

    def __enter__(self) -> "Traffic":
        for number in range(self.threads):
            worker = threading.Thread(target=self._run, args=(number,), daemon=True)
            self._workers.append(worker)
            worker.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stopping.set()
        for worker in self._workers:
            worker.join(timeout=REQUEST_SECONDS * 4)
        assert not any(worker.is_alive() for worker in self._workers), "traffic did not stop"

    def run_phase(self, phase: str, seconds: float) -> None:
        self.phase = phase
        time.sleep(seconds)

    def in_phase(self, phase: str) -> list[Reply]:
        return [reply for reply_phase, reply in self.replies if reply_phase == phase]
