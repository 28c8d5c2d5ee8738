"""Dedicated PostgreSQL, Redis and gunicorn processes for the fault tests.

Each listens on a free loopback port and keeps its files in a directory of its own, so the
tests can stop and restart them without touching the suite's shared servers. Every wait is
bounded, and every process is stopped by its own PID.
"""

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg2
from redis import Redis, RedisError

from config import BASE_DIR

START_SECONDS = 30
STOP_SECONDS = 15
POLL_SECONDS = 0.1
PG_OWNER = "postgres"
PG_USER = "conduit"
GUNICORN = BASE_DIR / ".venv" / "bin" / "gunicorn"
FLASK = BASE_DIR / ".venv" / "bin" / "flask"


def free_port() -> int:
    """Return a loopback TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Return once condition() is true; raise TimeoutError after seconds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not within {seconds}s")
        time.sleep(POLL_SECONDS)


def stop_process(process: subprocess.Popen, seconds: float = STOP_SECONDS) -> int:
    """Send SIGTERM, then SIGKILL if process is still running after seconds; return its code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait(timeout=seconds)


class RedisServer:
    """A redis-server without persistence; stop() and start() again keep the same port."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Redis:
        return Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)

    def answers(self) -> bool:
        client = self.client()
        try:
            return client.ping()
        except RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        command = [
            "redis-server",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(self.directory),
        ]  # fmt: skip
        with (self.directory / "redis.log").open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.answers, START_SECONDS, f"Redis on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            stop_process(self.process)
            self.process = None

    def freeze(self) -> None:
        """Stop the server without closing its port: clients connect, then hear nothing."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


class PostgresServer:
    """A throwaway PostgreSQL cluster (no fsync), run as the postgres user when we are root,
    since initdb and postgres refuse to run as root."""

    def __init__(self, port: int | None = None):
        # Not under pytest's tmp_path: /tmp/pytest-of-root is closed to the postgres user.
        self.home = Path(tempfile.mkdtemp(prefix="conduit-faults-pg."))
        self.data = self.home / "data"
        self.port = port or free_port()
        self.bin = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1]).parent
        if os.geteuid() == 0:
            owner = pwd.getpwnam(PG_OWNER)
            os.chown(self.home, owner.pw_uid, owner.pw_gid)

    def run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", PG_OWNER, "--", *command]
        subprocess.run(command, cwd="/", check=True, capture_output=True, timeout=START_SECONDS + 5)

    def init(self) -> None:
        self.run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", PG_USER,
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.home} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.home / "server.log")
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-o", options,
            "-w", "-t", str(START_SECONDS), "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; fast disconnects every client, as a restart by an operator does."""
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", str(STOP_SECONDS), "stop")

    def postmaster_pid(self) -> int | None:
        pid_file = self.data / "postmaster.pid"
        return int(pid_file.read_text().split()[0]) if pid_file.exists() else None

    def destroy(self) -> None:
        """Stop the server by its PID whatever state it is in, and remove its files."""
        pid = self.postmaster_pid()
        if pid is not None:
            try:
                self.stop("immediate")
            except subprocess.SubprocessError:
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.home, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        return psycopg2.connect(self.url(database), connect_timeout=5)

    def execute(self, statement: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE DATABASE needs that)."""
        connection = self.connect(database)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def query(self, statement: str, database: str) -> list[tuple]:
        connection = self.connect(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall()
        finally:
            connection.close()

    def answers(self) -> bool:
        try:
            self.execute("SELECT 1")
        except psycopg2.OperationalError:
            return False
        return True


def production_environment(database_url: str, redis_url: str | None, **extra: str) -> dict:
    """Return the environment an operator runs the app with, pointed at these servers.

    Rate limits stay on, counted in Redis, but high enough for the tests' load.
    """
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "CONDUIT_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
        "RATELIMIT_SIGN_IN_PER_IP": "10000/minute",
        "RATELIMIT_SIGN_IN_PER_ACCOUNT": "10000/minute",
        "RATELIMIT_WRITES_PER_USER": "10000/minute",
        **extra,
    }
    if redis_url is not None:
        environment["REDIS_URL"] = redis_url
    return environment


def migrate(environment: dict) -> None:
    """Run `flask db upgrade`, as the operator (or the migrate service) does."""
    subprocess.run(
        [str(FLASK), "--app", "wsgi", "db", "upgrade"],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        capture_output=True,
        timeout=START_SECONDS * 2,
    )


class Gunicorn:
    """The app under gunicorn.conf.py, as the container runs it, on a loopback port."""

    def __init__(
        self, environment: dict, log_path: Path, workers: int = 2, port: int | None = None
    ):
        self.environment = environment
        self.log_path = log_path
        self.workers = workers
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self, ready: Callable[["Gunicorn"], bool]) -> None:
        """Start gunicorn and return once ready(self) says it serves."""
        command = [
            str(GUNICORN),
            "-c", "gunicorn.conf.py",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "wsgi:app",
        ]  # fmt: skip
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def serving() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}:\n{self.log()}")
            return ready(self)

        wait_for(serving, START_SECONDS, "gunicorn serving")

    def terminate(self, seconds: float) -> int:
        """Ask for a graceful stop (SIGTERM to the master); return its exit code.

        Raises subprocess.TimeoutExpired when it takes longer than seconds.
        """
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=seconds)

    def kill(self) -> None:
        """Stop the master and its workers (one process group) by the master's PID."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_SECONDS)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_records(self) -> list[dict]:
        """Return the app's JSON log lines; gunicorn's own lines are plain text, left out."""
        records = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        return records
