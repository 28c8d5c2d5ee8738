"""The container and its configuration, checked without Docker: the compose file and the
Dockerfile as text, gunicorn.conf.py as gunicorn loads it, and the image's entrypoint command
run for real on loopback."""

import json
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType
from urllib.error import HTTPError, URLError

import gunicorn.config
import pytest
import yaml
from flask import request
from sqlalchemy import select

from app import create_app
from app.articles.models import Article
from app.extensions import db
from config import BASE_DIR, TestingConfig

COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
GUNICORN_CONF = BASE_DIR / "gunicorn.conf.py"
ENTRYPOINT_SCRIPT = BASE_DIR / "scripts" / "entrypoint.sh"
GUNICORN_ENV = ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS")
STARTUP_SECONDS = 30


def gunicorn_settings(monkeypatch, **env: str) -> dict:
    """Return the settings gunicorn.conf.py defines under exactly this gunicorn environment."""
    for name in GUNICORN_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    module = runpy.run_path(str(GUNICORN_CONF))
    return {
        name: value
        for name, value in module.items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }


def seconds(duration: str) -> float:
    """Return a compose duration such as "1m30s" in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 0.000001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", duration)
    assert "".join(number + unit for number, unit in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def dockerfile_stages() -> list[str]:
    """Return the Dockerfile's build stages, each as its text from its FROM line on."""
    return re.split(r"^(?=FROM )", DOCKERFILE, flags=re.MULTILINE)[1:]


def instruction(stage: str, name: str) -> list[str]:
    """Return the arguments of every `name` instruction in stage, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", stage)
    return re.findall(rf"^{name} (.+)$", joined, flags=re.MULTILINE)


def exec_form(stage: str, name: str) -> list[str]:
    """Return the JSON (exec) form of the stage's one `name` instruction as a list."""
    (arguments,) = instruction(stage, name)
    return json.loads(arguments)


# docker-compose.yml


def test_compose_runs_the_web_app_with_postgresql_redis_and_a_migrate_step():
    assert set(SERVICES) == {"web", "worker", "migrate", "db", "redis"}
    assert SERVICES["db"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert SERVICES["web"]["build"] == SERVICES["migrate"]["build"] == "."
    assert SERVICES["worker"]["build"] == "."


def test_the_worker_runs_celery_with_beat_after_the_migration():
    worker = SERVICES["worker"]

    assert worker["command"][:4] == ["celery", "-A", "wsgi:celery_app", "worker"]
    assert "--beat" in worker["command"]
    # The image's code is root's: beat keeps its schedule where user 10001 may write.
    assert worker["command"][worker["command"].index("--schedule") + 1].startswith("/tmp/")
    assert worker["depends_on"] == SERVICES["web"]["depends_on"]
    assert worker["environment"] == SERVICES["web"]["environment"]
    assert "ports" not in worker


def test_web_waits_for_the_migration_and_healthy_backing_services():
    assert SERVICES["web"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert SERVICES["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}


def test_migrate_runs_the_upgrade_once_and_stays_stopped():
    migrate = SERVICES["migrate"]

    assert migrate["command"] == ["flask", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["healthcheck"] == {"disable": True}
    assert "ports" not in migrate


@pytest.mark.parametrize(
    ("service", "probe"),
    [
        ("web", "http://127.0.0.1:8000/healthz"),
        ("worker", "inspect ping"),
        ("db", "pg_isready"),
        ("redis", "redis-cli"),
    ],
)
def test_every_long_running_service_has_a_healthcheck(service, probe):
    healthcheck = SERVICES[service]["healthcheck"]

    assert probe in " ".join(healthcheck["test"])
    assert healthcheck["retries"] >= 3
    assert seconds(healthcheck["timeout"]) < seconds(healthcheck["interval"])


def test_postgresql_and_redis_keep_their_data_in_named_volumes():
    mounts = {service: SERVICES[service]["volumes"][0].split(":") for service in ("db", "redis")}

    assert mounts == {
        "db": ["postgres-data", "/var/lib/postgresql/data"],
        "redis": ["redis-data", "/data"],
    }
    assert set(COMPOSE["volumes"]) == {"postgres-data", "redis-data"}


def test_web_can_be_scaled_to_several_replicas():
    web = SERVICES["web"]

    assert not any("container_name" in service for service in SERVICES.values())
    # "8000" alone lets Docker pick a host port per replica; "8000:8000" would clash.
    assert web["ports"] == ["8000"]


def test_compose_stop_grace_period_outlasts_gunicorns_graceful_timeout(monkeypatch):
    graceful_timeout = gunicorn_settings(monkeypatch)["graceful_timeout"]

    assert seconds(SERVICES["web"]["stop_grace_period"]) > graceful_timeout


def test_compose_runs_production_with_the_operators_secrets():
    for service in ("web", "worker", "migrate"):
        environment = SERVICES[service]["environment"]
        assert environment["CONDUIT_CONFIG"] == "production"
        # ${VAR:?message} makes compose refuse to start when the operator has not set it.
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
        assert environment["DATABASE_URL"].endswith("@db:5432/conduit")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert SERVICES["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


# Dockerfile


def test_image_is_built_in_stages_on_slim_python():
    stages = dockerfile_stages()

    assert len(stages) >= 2
    for stage in stages:
        assert stage.startswith("FROM python:3.11-slim AS ")
    assert "pip wheel" in stages[0]


def test_final_stage_installs_only_the_runtime_wheels():
    final = dockerfile_stages()[-1]
    (install,) = [command for command in instruction(final, "RUN") if "pip install" in command]

    assert "requirements-dev" not in DOCKERFILE
    assert "--no-index" in install
    assert "-r /wheels/requirements.txt" in install
    assert "COPY . " not in final


def test_final_stage_runs_as_an_unprivileged_user():
    (user,) = instruction(dockerfile_stages()[-1], "USER")

    assert user.split(":")[0] not in {"root", "0"}


def test_final_stage_exposes_the_port_and_probes_healthz():
    final = dockerfile_stages()[-1]
    (healthcheck,) = instruction(final, "HEALTHCHECK")

    assert instruction(final, "EXPOSE") == ["8000"]
    assert ' CMD ["python", "-c", ' in healthcheck
    assert "urllib.request.urlopen('http://127.0.0.1:8000/healthz'" in healthcheck


def test_image_starts_gunicorn_with_its_config_through_the_entrypoint_script():
    final = dockerfile_stages()[-1]
    (entrypoint,) = exec_form(final, "ENTRYPOINT")

    assert f"scripts/entrypoint.sh /usr/local/bin/{entrypoint}" in instruction(final, "COPY")
    assert exec_form(final, "CMD") == ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    assert os.access(ENTRYPOINT_SCRIPT, os.X_OK)


def test_image_holds_every_file_the_app_reads_and_the_build_context_leaves_secrets_out():
    copied = " ".join(instruction(dockerfile_stages()[-1], "COPY"))
    ignored = (BASE_DIR / ".dockerignore").read_text().split()

    for needed in ("app", "migrations", "templates", "static", "config.py", "wsgi.py"):
        assert re.search(rf"(^| ){re.escape(needed)}( |$)", copied), needed
        assert needed not in ignored
    for excluded in (".env", ".venv", ".git", "instance", "tests", "requirements-dev.txt"):
        assert excluded in ignored


# gunicorn.conf.py


def test_every_name_in_the_gunicorn_config_is_a_gunicorn_setting(monkeypatch):
    loaded = gunicorn.config.Config()

    for name, value in gunicorn_settings(monkeypatch).items():
        loaded.set(name, value)
    assert loaded.control_socket_disable is True
    assert loaded.forwarded_allow_ips == []


def test_gunicorn_defaults_fit_a_small_container(monkeypatch):
    settings = gunicorn_settings(monkeypatch)
    cpus = len(os.sched_getaffinity(0))

    assert settings["bind"] == "0.0.0.0:8000"
    assert settings["workers"] == min(max(cpus, 2), 4)
    assert settings["threads"] == 1
    assert settings["preload_app"] is False


def test_gunicorn_treats_empty_variables_as_unset(monkeypatch):
    names = ("bind", "workers", "threads")
    defaults = gunicorn_settings(monkeypatch)
    empty = gunicorn_settings(monkeypatch, **dict.fromkeys(GUNICORN_ENV, ""))

    assert [empty[name] for name in names] == [defaults[name] for name in names]


def test_gunicorn_takes_bind_workers_and_threads_from_the_environment(monkeypatch):
    settings = gunicorn_settings(
        monkeypatch, GUNICORN_BIND="127.0.0.1:9001", WEB_CONCURRENCY="7", GUNICORN_THREADS="4"
    )

    assert (settings["bind"], settings["workers"], settings["threads"]) == (
        "127.0.0.1:9001",
        7,
        4,
    )


def test_gunicorn_recycles_workers_when_asked_staggered_by_a_tenth(monkeypatch):
    settings = gunicorn_settings(monkeypatch, GUNICORN_MAX_REQUESTS="50000")

    assert (settings["max_requests"], settings["max_requests_jitter"]) == (50000, 5000)


def test_gunicorn_stops_gracefully_logs_errors_only_and_keeps_its_workers(monkeypatch):
    settings = gunicorn_settings(monkeypatch)

    assert settings["timeout"] == 30
    assert settings["graceful_timeout"] == 30
    assert settings["keepalive"] >= 2
    assert settings["accesslog"] is None
    assert settings["errorlog"] == "-"
    assert settings["max_requests"] == 0
    assert settings["worker_tmp_dir"] == "/dev/shm"
    assert settings["control_socket_disable"] is True


# The image's command, run outside a container


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def entrypoint_env(home: Path, **overrides: str) -> dict[str, str]:
    """Return the environment of a run of the entrypoint here: the test database, this venv."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {*GUNICORN_ENV, "MIGRATE_ON_START", "XDG_RUNTIME_DIR"}
    }
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        HOME=str(home),
        CONDUIT_CONFIG="testing",
        **overrides,
    )
    return env


def call(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    """Return the status and JSON body of a GET (or, with a body, a POST) to url."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None if body is None else json.dumps(body).encode()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers), timeout=5
        ) as response:
            return response.status, json.load(response)
    except HTTPError as error:
        return error.code, json.load(error)


def wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> tuple[int, dict]:
    """Return the first answer to GET url, failing if the server dies or is slow to start."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, (
            f"gunicorn exited with {server.returncode}:\n{log.read_text()}"
        )
        try:
            return call(url)
        except (URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} within {STARTUP_SECONDS}s:\n{log.read_text()}")


def write_an_article(api: str) -> tuple[int, dict]:
    """Register through the API, then post an article tagged "deployment" with that token."""
    user = {
        "username": "operator",
        "email": "operator@example.com",
        "password": "a-long-passphrase-42",
    }
    status, body = call(f"{api}/users", {"user": user})
    assert status == 201, body
    article = {"title": "Shipped", "description": "d", "body": "b", "tagList": ["deployment"]}
    return call(f"{api}/articles", {"article": article}, token=body["user"]["token"])


def test_image_command_serves_the_api_and_stops_cleanly_on_sigterm(monkeypatch, tmp_path):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    command = [str(ENTRYPOINT_SCRIPT), *exec_form(dockerfile_stages()[-1], "CMD")]
    env = entrypoint_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2")
    graceful_timeout = gunicorn_settings(monkeypatch)["graceful_timeout"]
    log = tmp_path / "gunicorn.log"

    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        assert wait_until_serving(f"{api}/tags", server, log) == (200, {"tags": []})
        status, body = write_an_article(api)
        assert status == 201, body
        assert call(f"{api}/tags") == (200, {"tags": ["deployment"]})

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=graceful_timeout) == 0, log.read_text()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    assert db.session.scalars(select(Article.title)).all() == ["Shipped"]
    assert "Handling signal: term" in log.read_text()
    assert not (tmp_path / ".gunicorn").exists(), "gunicorn opened a control socket"


def run_entrypoint(tmp_path, *command: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ENTRYPOINT_SCRIPT), *command],
        cwd=BASE_DIR,
        env=entrypoint_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
    )


def test_entrypoint_migrates_first_only_when_asked(tmp_path):
    command = ("python", "-c", "print('command ran')")

    asked = run_entrypoint(tmp_path, *command, MIGRATE_ON_START="1")
    not_asked = run_entrypoint(tmp_path, *command)

    assert (asked.returncode, asked.stdout) == (0, "command ran\n"), asked.stderr
    assert "alembic.runtime.migration" in asked.stderr
    assert (not_asked.returncode, not_asked.stdout) == (0, "command ran\n"), not_asked.stderr
    assert "alembic" not in not_asked.stderr


def test_entrypoint_does_not_start_the_command_when_the_migration_fails(tmp_path):
    unreachable = f"postgresql://conduit@127.0.0.1:{free_port()}/conduit"

    result = run_entrypoint(
        tmp_path,
        "python",
        "-c",
        "print('command ran')",
        MIGRATE_ON_START="1",
        DATABASE_URL=unreachable,
    )

    assert result.returncode != 0
    assert "command ran" not in result.stdout


# Behind a proxy


class BehindOneProxy(TestingConfig):
    TRUSTED_PROXIES = 1


FORWARDED = {
    "X-Forwarded-For": "198.51.100.1, 203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "conduit.example",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Prefix": "/blog",
}


def what_the_app_sees(settings: TestingConfig, headers: dict[str, str]) -> dict[str, str]:
    """Return the client address, scheme and root URL a request with headers arrives with."""
    app = create_app(settings)

    @app.get("/probe")
    def probe():
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "url_root": request.url_root,
        }

    return app.test_client().get("/probe", headers=headers).json


def test_forwarded_headers_are_ignored_without_trusted_proxies():
    assert what_the_app_sees(TestingConfig(), FORWARDED) == {
        "remote_addr": "127.0.0.1",
        "scheme": "http",
        "url_root": "http://localhost/",
    }


def test_forwarded_headers_from_the_trusted_proxy_give_client_ip_scheme_and_url():
    assert what_the_app_sees(BehindOneProxy(), FORWARDED) == {
        # Only the entry our proxy appended: the client may have written the ones before it.
        "remote_addr": "203.0.113.7",
        "scheme": "https",
        "url_root": "https://conduit.example/blog/",
    }


def test_a_direct_request_behind_a_trusted_proxy_setting_keeps_its_own_address():
    assert what_the_app_sees(BehindOneProxy(), {})["remote_addr"] == "127.0.0.1"


# Database connections


class LargerPool(TestingConfig):
    SQLALCHEMY_ENGINE_OPTIONS = {
        **TestingConfig.SQLALCHEMY_ENGINE_OPTIONS,
        "pool_size": 5,
        "max_overflow": 1,
        "pool_recycle": 600,
    }


def test_the_engine_pool_is_built_from_the_configuration():
    app = create_app(LargerPool())

    with app.app_context():
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._recycle) == (5, 1, 600)


def config_in_subprocess(**env: str) -> dict:
    """Return Config's pool options and proxy count as a fresh process reads its environment."""
    names = ("DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_POOL_RECYCLE", "TRUSTED_PROXIES")
    clean = {name: value for name, value in os.environ.items() if name not in names}
    script = (
        "import json; from config import Config; "
        "print(json.dumps([Config.SQLALCHEMY_ENGINE_OPTIONS, Config.TRUSTED_PROXIES]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
        check=True,
    )
    options, trusted_proxies = json.loads(result.stdout)
    return {**options, "trusted_proxies": trusted_proxies}


def test_pool_is_small_by_default_and_no_proxy_is_trusted():
    assert config_in_subprocess() == {
        "pool_size": 1,
        "max_overflow": 2,
        "pool_recycle": 1800,
        "pool_pre_ping": True,
        "hide_parameters": True,
        "trusted_proxies": 0,
    }


def test_pool_and_proxy_settings_come_from_the_environment():
    assert config_in_subprocess(
        DB_POOL_SIZE="4", DB_MAX_OVERFLOW="0", DB_POOL_RECYCLE="300", TRUSTED_PROXIES="2"
    ) == {
        "pool_size": 4,
        "max_overflow": 0,
        "pool_recycle": 300,
        "pool_pre_ping": True,
        "hide_parameters": True,
        "trusted_proxies": 2,
    }
