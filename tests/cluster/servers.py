"""The servers of a several-node deployment, on loopback: a streaming replica made with
pg_basebackup, PgBouncer in transaction mode and HAProxy, beside the fault tests' PostgreSQL,
Redis and gunicorn. Each runs in the foreground from a config file of our own under a
directory of its own, listens on 127.0.0.1 only, and is stopped by its own PID."""

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.faults.servers import (
    PG_OWNER,
    PG_USER,
    START_SECONDS,
    PostgresServer,
    stop_process,
    wait_for,
)

REPLICATION_USER = "replicator"
PGBOUNCER = Path("/usr/sbin/pgbouncer")
HAPROXY = Path("/usr/sbin/haproxy")
PORT_FREE_SECONDS = 15
# httplog's connection counts, actconn/feconn/beconn/srv_conn/retries ("+" if redispatched).
RETRIES_FIELD = re.compile(r" \d+/\d+/\d+/\d+/\+?(\d+) \d+/\d+ ")


def port_is_free(port: int) -> bool:
    """Return whether nothing listens on port (connections closed lately do not count:
    servers bind with SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def listens(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def require_free(port: int, what: str) -> None:
    """Return once nothing holds port; the ports sit in Linux's ephemeral range, so a
    client's outgoing connection may hold one for a moment."""
    try:
        wait_for(lambda: port_is_free(port), PORT_FREE_SECONDS, f"port {port} free")
    except TimeoutError as error:
        message = f"port {port} for {what} is taken: a server left by an earlier run?"
        raise RuntimeError(message) from error


def require_installed(program: Path) -> None:
    if not program.exists():
        raise RuntimeError(f"{program} is missing: scripts/services.sh start installs it")


def owned_directory(prefix: str) -> Path:
    """Return a new directory under /tmp that the postgres user owns when we are root."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(PG_OWNER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    return directory


def as_pg_owner() -> dict:
    """Popen options that run a server as the postgres user when we are root: PostgreSQL
    and PgBouncer refuse to run as root."""
    if os.geteuid() != 0:
        return {}
    return {"user": PG_OWNER, "group": PG_OWNER, "extra_groups": []}


class Primary(PostgresServer):
    """A PostgreSQL primary that replicas may stream from, as REPLICATION_USER."""

    def start(self) -> None:
        require_free(self.port, "the primary")
        super().start()

    def allow_replication(self) -> None:
        self.execute(f"CREATE ROLE {REPLICATION_USER} WITH REPLICATION LOGIN")


class Replica(PostgresServer):
    """A hot standby of primary, copied with pg_basebackup -R, which streams from it."""

    def __init__(self, primary: PostgresServer, port: int):
        super().__init__(port)
        self.primary = primary

    def init(self) -> None:
        self.run(
            "pg_basebackup",
            "--host=127.0.0.1", f"--port={self.primary.port}", f"--username={REPLICATION_USER}",
            f"--pgdata={self.data}", "--write-recovery-conf", "--wal-method=stream",
            "--checkpoint=fast", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        require_free(self.port, "the replica")
        super().start()
        wait_for(self.streaming, START_SECONDS, "the replica streaming")

    def streaming(self) -> bool:
        return self.query("SELECT count(*) FROM pg_stat_wal_receiver", "postgres") == [(1,)]

    def caught_up_with(self, primary: PostgresServer) -> bool:
        """Return whether the replica has replayed everything the primary has written, flushed
        or not (the tests' servers commit asynchronously)."""
        ((written,),) = primary.query("SELECT pg_current_wal_insert_lsn()::text", "postgres")
        ((behind,),) = self.query(
            f"SELECT pg_wal_lsn_diff('{written}', pg_last_wal_replay_lsn()) > 0", "postgres"
        )
        return not behind

    def pause_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_resume()")


class PgBouncer:
    """PgBouncer in transaction mode in front of one PostgreSQL server, every database."""

    def __init__(self, server: PostgresServer, port: int, pool_size: int):
        self.server = server
        self.port = port
        self.pool_size = pool_size
        self.directory = owned_directory("conduit-pgbouncer.")
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        # server_reset_query runs only in session mode; in transaction mode each
        # transaction ends clean (COMMIT or ROLLBACK), which is all the app relies on.
        return f"""\
[databases]
* = host=127.0.0.1 port={self.server.port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.directory}/userlist.txt
pool_mode = transaction
default_pool_size = {self.pool_size}
max_client_conn = 500
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits
logfile = {self.directory}/pgbouncer.log
"""

    def start(self) -> None:
        require_free(self.port, "PgBouncer")
        require_installed(PGBOUNCER)
        config = self.directory / "pgbouncer.ini"
        config.write_text(self.config())
        (self.directory / "userlist.txt").write_text(f'"{PG_USER}" ""\n')
        for path in (config, self.directory / "userlist.txt"):
            path.chmod(0o644)
        self.process = subprocess.Popen(
            [str(PGBOUNCER), str(config)],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **as_pg_owner(),
        )
        wait_for(lambda: listens(self.port), START_SECONDS, "PgBouncer listening")

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)


class HAProxy:
    """HAProxy over HTTP, round robin over the nodes, which it checks on /healthz.

    A request that cannot reach a node (refused: it is stopping or gone) goes to another
    (retry-on conn-failure, option redispatch). One whose node closes on it without a whole
    answer (a stopping node's backlog is reset when its last worker exits) is sent again
    only if that is safe: a GET or HEAD, or a POST with an Idempotency-Key, which the app
    answers once however often it comes (app/web/idempotency.py).
    """

    def __init__(self, port: int, node_ports: list[int], directory: Path):
        self.port = port
        self.node_ports = node_ports
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        servers = "\n".join(
            f"    server node{number} 127.0.0.1:{port} check inter 500ms fall 2 rise 1"
            for number, port in enumerate(self.node_ports)
        )
        return f"""\
global
    maxconn 1000
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    # A check may wait behind a sign-in's password hash on a busy node.
    timeout check 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response junk-response
    option forwardfor

frontend conduit
    bind 127.0.0.1:{self.port}
    default_backend nodes

backend nodes
    balance roundrobin
    acl safe_to_resend method GET HEAD
    acl safe_to_resend req.hdr(Idempotency-Key) -m found
    http-request disable-l7-retry unless safe_to_resend
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
{servers}
"""

    def start(self) -> None:
        require_free(self.port, "HAProxy")
        require_installed(HAPROXY)
        config = self.directory / "haproxy.cfg"
        config.write_text(self.config())
        subprocess.run([str(HAPROXY), "-c", "-q", "-f", str(config)], check=True, timeout=10)
        with (self.directory / "haproxy.log").open("a") as log:
            self.process = subprocess.Popen(
                [str(HAPROXY), "-db", "-f", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: listens(self.port), START_SECONDS, "HAProxy listening")

    def log_lines(self, status: int) -> list[str]:
        """Return the lines HAProxy logged for requests it answered with status."""
        return [line for line in self.log().splitlines() if f" {status} " in line]

    def resent(self) -> int:
        """Return how many requests HAProxy sent more than once (httplog's retries field)."""
        return sum(int(retries) > 0 for retries in RETRIES_FIELD.findall(self.log()))

    def log(self) -> str:
        return (self.directory / "haproxy.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
