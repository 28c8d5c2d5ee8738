"""Two nodes, one PostgreSQL, one Redis: a write through one node is seen at once through the
other, because the cache's invalidation goes through Redis, not through a process's memory.

Each node is a real gunicorn on a loopback port of its own, with two workers.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError, URLError

import pytest

from config import BASE_DIR

STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str, method: str = "GET", body: dict | None = None, token: str | None = None):
    """Return the status and JSON body (None when empty) of a request to url."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            content = response.read()
            return response.status, json.loads(content) if content else None
    except HTTPError as error:
        return error.code, json.load(error)


def start_node(port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CONDUIT_CONFIG": "testing",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "1",
    }
    with log.open("w") as output:
        return subprocess.Popen(
            ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )


def wait_until_serving(api: str, node: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert node.poll() is None, f"gunicorn exited with {node.returncode}:\n{log.read_text()}"
        try:
            call(f"{api}/tags")
            return
        except (URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer on {api} within {STARTUP_SECONDS}s:\n{log.read_text()}")


def stop_node(node: subprocess.Popen) -> None:
    if node.poll() is None:
        os.killpg(node.pid, signal.SIGTERM)
        try:
            node.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait(timeout=10)


@pytest.fixture
def nodes(tmp_path) -> Iterator[tuple[str, str]]:
    """The API base URLs of two gunicorn nodes sharing the suite's PostgreSQL and Redis."""
    started, apis = [], []
    try:
        for name in ("one", "two"):
            port, log = free_port(), tmp_path / f"{name}.log"
            started.append(start_node(port, log))
            apis.append(f"http://127.0.0.1:{port}/api/v1")
            wait_until_serving(apis[-1], started[-1], log)
        yield apis[0], apis[1]
    finally:
        for node in started:
            stop_node(node)


def titles(api: str, **query: str) -> list[str]:
    status, body = call(f"{api}/articles?" + "&".join(f"{k}={v}" for k, v in query.items()))
    assert status == 200, body
    return [article["title"] for article in body["articles"]]


def test_a_write_through_one_node_is_seen_at_once_through_the_other(nodes):
    one, two = nodes
    user = {"username": "writer", "email": "writer@example.com", "password": "a-long-secret-1"}
    status, body = call(f"{one}/users", "POST", {"user": user})
    assert status == 201, body
    token = body["user"]["token"]
    article = {"title": "First title", "description": "d", "body": "b", "tagList": ["one"]}
    status, body = call(f"{one}/articles", "POST", {"article": article}, token)
    assert status == 201, body
    slug = body["article"]["slug"]
    for api in (one, two):
        assert titles(api) == ["First title"]
        assert call(f"{api}/articles/{slug}")[1]["article"]["favoritesCount"] == 0
        assert call(f"{api}/tags") == (200, {"tags": ["one"]})

    changes = {"article": {"title": "Second title", "tagList": ["two"]}}
    status, body = call(f"{one}/articles/{slug}", "PUT", changes, token)
    assert status == 200, body
    new_slug = body["article"]["slug"]

    assert titles(two) == ["Second title"]
    assert call(f"{two}/articles/{slug}")[0] == 404
    assert call(f"{two}/articles/{new_slug}")[1]["article"]["title"] == "Second title"
    assert call(f"{two}/tags") == (200, {"tags": ["two"]})

    assert call(f"{two}/articles/{new_slug}/favorite", "POST", token=token)[0] == 200

    assert call(f"{one}/articles/{new_slug}")[1]["article"]["favoritesCount"] == 1
    assert titles(one, favorited="writer") == ["Second title"]

    status, body = call(f"{two}/user", "PUT", {"user": {"bio": "Now with a bio"}}, token)
    assert status == 200, body

    assert call(f"{one}/articles/{new_slug}")[1]["article"]["author"]["bio"] == "Now with a bio"

    comments = f"/articles/{new_slug}/comments"
    assert call(f"{two}{comments}") == (200, {"comments": []})
    status, body = call(f"{one}{comments}", "POST", {"comment": {"body": "Seen?"}}, token)
    assert status == 200, body

    assert [comment["body"] for comment in call(f"{two}{comments}")[1]["comments"]] == ["Seen?"]

    assert call(f"{one}/articles/{new_slug}", "DELETE", token=token)[0] == 204

    assert titles(two) == []
    assert call(f"{two}/articles/{new_slug}")[0] == 404
    assert call(f"{two}/tags") == (200, {"tags": []})
