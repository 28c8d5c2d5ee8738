"""The structured log: one JSON line per request and per error on stderr, tagged with the
request's id, and never a password, token or cookie."""

import json
import logging
import re
from datetime import UTC, datetime

import pytest
from flask import request

from app import create_app
from app.extensions import csrf
from app.web.request_log import HANDLER_NAME
from config import ConfigError, TestingConfig

REQUEST_LINE_KEYS = {
    "time",
    "level",
    "logger",
    "request_id",
    "message",
    "method",
    "path",
    "status",
    "duration_ms",
    "user_id",
    "remote_addr",
}
GENERATED_ID = re.compile(r"[0-9a-f]{32}")
PASSWORD = "Unusual-Passphrase-For-Logs-91"


class TrustOneProxy(TestingConfig):
    TRUSTED_PROXIES = 1


class WarningsOnly(TestingConfig):
    LOG_LEVEL = "WARNING"


class UnknownLevel(TestingConfig):
    LOG_LEVEL = "VERBOSE"


def log_inside_view():
    logging.getLogger("app.articles").warning("working on it")
    return {"done": True}


def fail_inside_view():
    request.get_json()
    raise RuntimeError("the view broke")


@pytest.fixture
def app_logger_level():
    """Put the app's log level back after a test that builds an app with another one."""
    logger = logging.getLogger("app")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def throwaway_app():
    """An app of its own with routes that log and fail, so the session app stays untouched."""
    app = create_app(TestingConfig())
    app.add_url_rule("/api/v1/chatty", "chatty", log_inside_view)
    app.add_url_rule("/api/v1/explode", "explode", fail_inside_view, methods=["POST"])
    csrf.exempt(fail_inside_view)
    return app


def stderr_lines(capfd) -> list[dict]:
    """Return what was written to stderr since the last call, each line parsed as JSON."""
    return [json.loads(line) for line in capfd.readouterr().err.splitlines()]


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "app.web.request_log"]


def test_each_request_writes_one_json_line_with_its_details(client, capfd):
    capfd.readouterr()

    response = client.get("/api/v1/articles?tag=private-query-value")

    assert response.status_code == 200
    (line,) = request_lines(stderr_lines(capfd))
    assert set(line) == REQUEST_LINE_KEYS
    assert line["level"] == "INFO"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/articles", 200)
    assert line["message"] == "GET /api/v1/articles 200"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["remote_addr"] == "127.0.0.1"
    logged_at = datetime.fromisoformat(line["time"])
    assert logged_at.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - logged_at).total_seconds()) < 60


def test_the_query_string_is_never_logged(client, capfd):
    capfd.readouterr()

    client.get("/api/v1/articles?tag=private-query-value")

    assert "private-query-value" not in json.dumps(stderr_lines(capfd))


def test_an_api_request_line_names_the_user_of_the_token(client, capfd, make_user, auth_headers):
    user = make_user()
    capfd.readouterr()

    response = client.get("/api/v1/user", headers=auth_headers(user))

    assert response.status_code == 200
    (line,) = request_lines(stderr_lines(capfd))
    assert line["user_id"] == user.id


def test_a_page_request_line_names_the_signed_in_user(client, capfd, make_user, login):
    user = login(client, make_user())
    capfd.readouterr()

    response = client.get("/settings")

    assert response.status_code == 200
    (line,) = request_lines(stderr_lines(capfd))
    assert (line["path"], line["user_id"]) == ("/settings", user.id)


def test_a_signed_out_page_request_line_has_no_user(client, capfd):
    capfd.readouterr()

    response = client.get("/")

    assert response.status_code == 200
    (line,) = request_lines(stderr_lines(capfd))
    assert line["user_id"] is None


def test_the_client_address_comes_from_the_trusted_proxy(capfd):
    proxied = create_app(TrustOneProxy()).test_client()
    capfd.readouterr()

    proxied.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    proxied.get("/api/v1/tags", headers={"X-Forwarded-For": "203.0.113.7"})

    (line,) = request_lines(stderr_lines(capfd))
    assert line["remote_addr"] == "203.0.113.7"


def test_a_forwarded_address_is_ignored_without_a_trusted_proxy(client, capfd):
    capfd.readouterr()

    client.get("/api/v1/tags", headers={"X-Forwarded-For": "203.0.113.7"})

    (line,) = request_lines(stderr_lines(capfd))
    assert line["remote_addr"] == "127.0.0.1"


def test_a_request_id_is_generated_for_each_request_without_one(client):
    first = client.get("/api/v1/tags").headers["X-Request-ID"]
    second = client.get("/api/v1/tags").headers["X-Request-ID"]

    assert GENERATED_ID.fullmatch(first)
    assert GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("incoming", ["trace-7f3a.b_C", "a" * 128, "0"])
def test_a_sane_request_id_from_the_client_is_echoed_and_logged(client, capfd, incoming):
    capfd.readouterr()

    response = client.get("/api/v1/tags", headers={"X-Request-ID": incoming})

    assert response.headers["X-Request-ID"] == incoming
    (line,) = request_lines(stderr_lines(capfd))
    assert line["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "a" * 129, "has space", 'quote"d', "slash/ed", "<script>", "semi;colon", "ünïcode"],
    ids=["empty", "too-long", "space", "quote", "slash", "markup", "semicolon", "non-ascii"],
)
def test_an_unusable_request_id_from_the_client_is_replaced(client, capfd, incoming):
    capfd.readouterr()

    response = client.get("/api/v1/tags", headers={"X-Request-ID": incoming})

    replaced = response.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(replaced)
    (line,) = request_lines(stderr_lines(capfd))
    assert line["request_id"] == replaced


def test_error_responses_carry_the_request_id_too(client):
    response = client.get("/api/v1/articles/no-such-article", headers={"X-Request-ID": "r-404"})

    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "r-404"


def test_lines_the_app_logs_during_a_request_carry_its_id(throwaway_app, capfd):
    capfd.readouterr()

    response = throwaway_app.test_client().get("/api/v1/chatty")

    assert response.status_code == 200
    lines = stderr_lines(capfd)
    (inside,) = [line for line in lines if line["logger"] == "app.articles"]
    assert inside["level"] == "WARNING"
    assert inside["message"] == "working on it"
    assert inside["request_id"] == response.headers["X-Request-ID"]
    assert request_lines(lines)[0]["request_id"] == response.headers["X-Request-ID"]


def test_an_unhandled_error_is_one_line_with_its_traceback(throwaway_app, capfd):
    capfd.readouterr()

    response = throwaway_app.test_client().post("/api/v1/explode", json={"any": "thing"})

    assert response.status_code == 500
    assert response.json == {"errors": {"body": ["Internal server error"]}}
    lines = stderr_lines(capfd)
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["logger"] == "app.errors"
    assert error["message"] == "Unhandled error on POST /api/v1/explode"
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert error["exc_info"].startswith("Traceback (most recent call last):")
    assert "in fail_inside_view" in error["exc_info"]
    assert error["exc_info"].endswith("RuntimeError: the view broke")
    (line,) = request_lines(lines)
    assert (line["status"], line["request_id"]) == (500, error["request_id"])


def test_probes_write_no_line_at_info(client, capfd, caplog):
    caplog.set_level(logging.INFO)
    capfd.readouterr()

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200

    assert stderr_lines(capfd) == []
    assert [record for record in caplog.records if record.levelno >= logging.INFO] == []


def test_probes_are_logged_at_debug(client, capfd, caplog):
    caplog.set_level(logging.DEBUG, logger="app")
    capfd.readouterr()

    client.get("/healthz")
    client.get("/readyz")

    lines = request_lines(stderr_lines(capfd))
    assert [(line["level"], line["path"]) for line in lines] == [
        ("DEBUG", "/healthz"),
        ("DEBUG", "/readyz"),
    ]


def test_log_level_drops_the_app_records_below_it(app_logger_level, capfd):
    quiet = create_app(WarningsOnly()).test_client()
    capfd.readouterr()

    response = quiet.get("/api/v1/tags")

    assert response.status_code == 200
    assert stderr_lines(capfd) == []


def test_an_unknown_log_level_refuses_to_start():
    with pytest.raises(ConfigError, match="LOG_LEVEL must be one of DEBUG, INFO"):
        create_app(UnknownLevel())


def test_logging_is_set_up_once_however_many_apps_are_created(capfd):
    create_app(TestingConfig())
    second = create_app(TestingConfig()).test_client()
    capfd.readouterr()

    second.get("/api/v1/tags")

    handlers = [h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME]
    assert len(handlers) == 1
    assert len(request_lines(stderr_lines(capfd))) == 1


def test_no_password_token_or_cookie_is_ever_logged(throwaway_app, capfd, caplog, csrf_token):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="app")
    api = throwaway_app.test_client()
    browser = throwaway_app.test_client()
    user = {"username": "logwatcher", "email": "logwatcher@example.com", "password": PASSWORD}

    registered = api.post("/api/v1/users", json={"user": user})
    signed_in = api.post(
        "/api/v1/users/login", json={"user": {"email": user["email"], "password": PASSWORD}}
    )
    token = signed_in.json["user"]["token"]
    authorization = {"Authorization": f"Token {token}"}
    read_back = api.get("/api/v1/user", headers=authorization)
    wrong_password = api.post(
        "/api/v1/users/login", json={"user": {"email": user["email"], "password": PASSWORD + "x"}}
    )
    failed = api.post("/api/v1/explode", json={"password": PASSWORD}, headers=authorization)
    page_login = browser.post(
        "/login",
        data={"csrf_token": csrf_token(browser), "email": user["email"], "password": PASSWORD},
    )
    session_cookie = browser.get_cookie("session").value
    settings_page = browser.get("/settings")

    statuses = [
        registered.status_code,
        signed_in.status_code,
        read_back.status_code,
        wrong_password.status_code,
        failed.status_code,
        page_login.status_code,
        settings_page.status_code,
    ]
    assert statuses == [201, 200, 200, 401, 500, 302, 200]
    stderr = capfd.readouterr().err
    captured = "\n".join(
        [stderr, caplog.text] + [json.dumps(vars(record), default=str) for record in caplog.records]
    )
    assert len(request_lines([json.loads(line) for line in stderr.splitlines()])) >= 8
    for secret in (PASSWORD, token, session_cookie):
        assert secret not in captured
