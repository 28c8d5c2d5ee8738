"""Idempotency-Key on POST /articles and POST /articles/<slug>/comments: a retried request
answers the first result and writes nothing twice, also when the retries race on a real
gunicorn."""

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from urllib.error import HTTPError

import pytest
from sqlalchemy import func, select, update

from app.articles import services as article_services
from app.articles.comments.models import Comment
from app.articles.models import Article
from app.database import utcnow
from app.extensions import db
from app.web.idempotency import IdempotencyKey
from config import BASE_DIR

ARTICLE = {"article": {"title": "Retry me", "description": "Once only", "body": "Body"}}
COMMENT = {"comment": {"body": "Said once"}}
STARTUP_SECONDS = 30


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def keyed(headers: dict, key: str) -> dict:
    return headers | {"Idempotency-Key": key}


def stored_keys() -> list[IdempotencyKey]:
    db.session.expire_all()
    return db.session.scalars(select(IdempotencyKey)).all()


def test_a_repeated_key_answers_the_first_article_and_writes_it_once(
    client, make_user, auth_headers
):
    headers = keyed(auth_headers(make_user()), "create-article-1")

    first = client.post("/api/v1/articles", json=ARTICLE, headers=headers)
    again = client.post("/api/v1/articles", json=ARTICLE, headers=headers)

    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(Article) == 1


def test_a_repeated_key_answers_the_first_comment_and_writes_it_once(
    client, make_user, make_article, auth_headers
):
    article = make_article()
    headers = keyed(auth_headers(make_user()), "comment-7f3a")
    url = f"/api/v1/articles/{article.slug}/comments"

    first = client.post(url, json=COMMENT, headers=headers)
    again = client.post(url, json=COMMENT, headers=headers)

    assert first.status_code == 200
    assert (again.status_code, again.json) == (200, first.json)
    assert count(Comment) == 1


def test_the_key_records_the_request_digest_and_the_answer(client, make_user, auth_headers):
    user = make_user()
    body = json.dumps(ARTICLE).encode()

    response = client.post(
        "/api/v1/articles",
        data=body,
        content_type="application/json",
        headers=keyed(auth_headers(user), "k1"),
    )

    [record] = stored_keys()
    assert (record.user_id, record.key) == (user.id, "k1")
    expected = hashlib.sha256(b"POST /api/v1/articles\n" + body).hexdigest()
    assert record.fingerprint == expected
    assert (record.response_status, record.response_body) == (201, response.json)
    assert utcnow() - record.created_at < timedelta(minutes=1)


def test_without_a_key_each_request_writes(client, make_user, auth_headers):
    headers = auth_headers(make_user())

    answers = [client.post("/api/v1/articles", json=ARTICLE, headers=headers) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].json["article"]["slug"] != answers[1].json["article"]["slug"]
    assert count(Article) == 2
    assert stored_keys() == []


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(
    client, make_user, auth_headers
):
    headers = keyed(auth_headers(make_user()), "shared")
    other = {"article": ARTICLE["article"] | {"title": "Something else"}}

    first = client.post("/api/v1/articles", json=ARTICLE, headers=headers)
    mismatch = client.post("/api/v1/articles", json=other, headers=headers)

    assert first.status_code == 201
    assert mismatch.status_code == 422
    assert mismatch.json == {
        "errors": {"idempotency_key": ["was already used for a different request"]}
    }
    assert db.session.scalars(select(Article.title)).all() == ["Retry me"]


def test_the_same_key_on_another_route_is_refused(client, make_user, make_article, auth_headers):
    article = make_article()
    headers = keyed(auth_headers(make_user()), "one-key")

    client.post("/api/v1/articles", json=ARTICLE, headers=headers)
    elsewhere = client.post(
        f"/api/v1/articles/{article.slug}/comments", json=COMMENT, headers=headers
    )

    assert elsewhere.status_code == 422
    assert count(Comment) == 0


def test_keys_belong_to_one_user(client, make_user, auth_headers):
    alice, bob = make_user(), make_user()

    answers = [
        client.post("/api/v1/articles", json=ARTICLE, headers=keyed(auth_headers(user), "same"))
        for user in (alice, bob)
    ]

    assert [answer.status_code for answer in answers] == [201, 201]
    assert [answer.json["article"]["author"]["username"] for answer in answers] == [
        alice.username,
        bob.username,
    ]
    assert count(Article) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "caf\u00e9"])
def test_a_malformed_key_is_refused_and_writes_nothing(client, make_user, auth_headers, key):
    headers = auth_headers(make_user()) | {"Idempotency-Key": key}

    response = client.post("/api/v1/articles", json=ARTICLE, headers=headers)

    assert response.status_code == 422
    assert response.json == {
        "errors": {"idempotency_key": ["must be 1 to 255 printable ASCII characters"]}
    }
    assert count(Article) == 0


def test_a_key_of_255_printable_characters_is_accepted(client, make_user, auth_headers):
    key = "".join(chr(code) for code in range(0x21, 0x7F)) * 3
    headers = keyed(auth_headers(make_user()), key[:255])

    response = client.post("/api/v1/articles", json=ARTICLE, headers=headers)

    assert response.status_code == 201
    assert [record.key for record in stored_keys()] == [key[:255]]


def test_a_refused_request_is_not_remembered(client, make_user, auth_headers):
    headers = keyed(auth_headers(make_user()), "fix-and-retry")
    invalid = {"article": {"title": "", "description": "d", "body": "b"}}

    refused = client.post("/api/v1/articles", json=invalid, headers=headers)
    corrected = client.post("/api/v1/articles", json=invalid, headers=headers)

    assert refused.status_code == 422
    assert corrected.status_code == 422
    assert stored_keys() == []
    retried = client.post("/api/v1/articles", json=ARTICLE, headers=headers)
    assert retried.status_code == 201
    assert count(Article) == 1


def test_a_write_that_fails_keeps_neither_the_key_nor_the_article(
    client, make_user, auth_headers, monkeypatch
):
    headers = keyed(auth_headers(make_user()), "crash")
    real_create = article_services.create_article

    def crash_before_commit(author, fields):
        db.session.add(
            Article(author=author, slug="half-done", title="t", description="d", body="b")
        )
        db.session.flush()
        raise RuntimeError("the database went away")

    monkeypatch.setattr(article_services, "create_article", crash_before_commit)
    failed = client.post("/api/v1/articles", json=ARTICLE, headers=headers)
    monkeypatch.setattr(article_services, "create_article", real_create)
    retried = client.post("/api/v1/articles", json=ARTICLE, headers=headers)

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert db.session.scalars(select(Article.slug)).all() == [retried.json["article"]["slug"]]
    assert len(stored_keys()) == 1


def test_a_key_whose_answer_is_not_recorded_yet_answers_409(client, make_user, auth_headers):
    user = make_user()
    body = json.dumps(ARTICLE).encode()
    fingerprint = hashlib.sha256(b"POST /api/v1/articles\n" + body).hexdigest()
    db.session.add(IdempotencyKey(user_id=user.id, key="busy", fingerprint=fingerprint))
    db.session.commit()

    response = client.post(
        "/api/v1/articles",
        data=body,
        content_type="application/json",
        headers=keyed(auth_headers(user), "busy"),
    )

    assert response.status_code == 409
    assert response.json == {
        "errors": {"idempotency_key": ["is in use by a request still in progress"]}
    }
    assert count(Article) == 0


def test_a_key_older_than_a_day_is_forgotten(client, make_user, auth_headers):
    headers = keyed(auth_headers(make_user()), "yesterday")
    first = client.post("/api/v1/articles", json=ARTICLE, headers=headers)
    db.session.execute(
        update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=24, minutes=1))
    )
    db.session.commit()

    again = client.post("/api/v1/articles", json=ARTICLE, headers=headers)

    assert again.status_code == 201
    assert again.json["article"]["slug"] != first.json["article"]["slug"]
    assert "Idempotent-Replayed" not in again.headers
    assert count(Article) == 2
    [record] = stored_keys()
    assert record.response_body == again.json


def test_a_key_is_still_honoured_just_under_a_day(client, make_user, auth_headers):
    headers = keyed(auth_headers(make_user()), "almost-a-day")
    first = client.post("/api/v1/articles", json=ARTICLE, headers=headers)
    db.session.execute(
        update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=23, minutes=59))
    )
    db.session.commit()

    again = client.post("/api/v1/articles", json=ARTICLE, headers=headers)

    assert (again.status_code, again.json) == (201, first.json)
    assert count(Article) == 1


def test_a_replay_still_needs_the_users_token(client, make_user, auth_headers):
    headers = keyed(auth_headers(make_user()), "mine")
    client.post("/api/v1/articles", json=ARTICLE, headers=headers)

    anonymous = client.post("/api/v1/articles", json=ARTICLE, headers={"Idempotency-Key": "mine"})

    assert anonymous.status_code == 401
    assert "article" not in anonymous.json


# Racing retries on a real gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers=headers | {"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except HTTPError as error:
        return error.code, json.load(error)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Return the base URL of a gunicorn (2 workers x 4 threads) serving the test database."""
    port = free_port()
    home = tmp_path_factory.mktemp("gunicorn")
    env = os.environ | {"CONDUIT_CONFIG": "testing", "HOME": str(home)}
    log = home / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "wsgi:app",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=output, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(f"{base}/api/v1/tags", timeout=2).close()
                break
            except OSError:  # refused, reset or timed out while the workers boot
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def race(url: str, body: dict, headers: dict, racers: int = 8) -> list[tuple[int, dict]]:
    """Return the answers to `racers` identical requests let go at the same moment."""
    start = threading.Barrier(racers)
    answers: list[tuple[int, dict]] = []

    def send():
        start.wait()
        answers.append(post(url, body, headers))

    threads = [threading.Thread(target=send) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_racing_retries_on_gunicorn_write_one_article_and_agree_on_it(
    server, make_user, auth_headers
):
    headers = keyed(auth_headers(make_user()), "race-1")

    answers = race(f"{server}/api/v1/articles", ARTICLE, headers)

    assert len(answers) == 8
    statuses = {status for status, _ in answers}
    assert statuses <= {201, 409}, answers
    created = [body for status, body in answers if status == 201]
    assert created and all(body == created[0] for body in created)
    in_progress = [body for status, body in answers if status == 409]
    assert all(set(body["errors"]) == {"idempotency_key"} for body in in_progress)
    assert db.session.scalars(select(Article.slug)).all() == [created[0]["article"]["slug"]]
    [record] = stored_keys()
    assert (record.response_status, record.response_body) == (201, created[0])
    assert post(f"{server}/api/v1/articles", ARTICLE, headers) == (201, created[0])


def test_racing_retries_on_gunicorn_write_one_comment(
    server, make_user, make_article, auth_headers
):
    article = make_article()
    headers = keyed(auth_headers(make_user()), "race-comment")

    answers = race(f"{server}/api/v1/articles/{article.slug}/comments", COMMENT, headers)

    assert {status for status, _ in answers} <= {200, 409}, answers
    assert any(status == 200 for status, _ in answers)
    assert count(Comment) == 1
