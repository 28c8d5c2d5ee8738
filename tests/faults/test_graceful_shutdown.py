"""A graceful stop (SIGTERM to the gunicorn master, as Docker sends) under load: requests the
workers accepted complete, and no request is carried out without its client hearing so."""

import runpy
import threading
import time
from dataclasses import dataclass, field

from config import BASE_DIR
from tests.faults.client import API, PASSWORD, Reply, call

CLIENTS = 6
LOAD_SECONDS = 1.5
GRACEFUL_TIMEOUT = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["graceful_timeout"]


@dataclass
class Signups:
    """Clients registering new users (argon2 makes it a slow write), each until told to stop
    or until a request of theirs gets no answer (the server is going away)."""

    port: int
    replies: dict[str, Reply] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self, number: int) -> None:
        for attempt in range(10_000):
            if self.stopping.is_set():
                return
            name = f"client{number}x{attempt}"
            user = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
            reply = self.replies[name] = call(self.port, "POST", f"{API}/users", {"user": user})
            if reply.error:
                return


def test_sigterm_lets_accepted_requests_finish_and_the_master_exit_cleanly(
    postgres, database, redis_server, start_app
):
    app = start_app(postgres.url(database), redis_server.url)
    signups = Signups(app.port)
    clients = [threading.Thread(target=signups.run, args=(number,)) for number in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        time.sleep(LOAD_SECONDS)
        terminated_at = time.monotonic()
        exit_code = app.terminate(GRACEFUL_TIMEOUT)
        stopped_in = time.monotonic() - terminated_at
    finally:
        signups.stopping.set()
        for client in clients:
            client.join(timeout=30)
    assert not any(client.is_alive() for client in clients)

    stored = {name for (name,) in postgres.query("SELECT username FROM users", database)}
    answered = {name for name, reply in signups.replies.items() if reply.status is not None}
    in_flight = [
        reply
        for reply in signups.replies.values()
        if reply.started < terminated_at < reply.started + reply.seconds and reply.status
    ]
    unanswered = {name: reply.error for name, reply in signups.replies.items() if reply.error}
    assert exit_code == 0
    assert stopped_in < GRACEFUL_TIMEOUT
    assert in_flight
    assert [
        str(reply) for reply in signups.replies.values() if reply.status not in (None, 201)
    ] == []
    # Answered 201, stored; not answered (refused or reset before a worker accepted it),
    # never carried out, so the client may safely try again.
    assert answered <= stored
    assert not set(unanswered) & stored
    assert all("Connection" in error for error in unanswered.values()), unanswered
    log = app.log()
    assert "Handling signal: term" in log
    assert "Traceback" not in log
