"""A PostgreSQL primary with a streaming replica and a Redis of their own, for the session:
the routing tests read through them in-process, the several-node test through PgBouncer,
three gunicorn nodes and HAProxy. All on loopback, on the ports below, stopped by PID."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.servers import Primary, Replica, require_free
from tests.faults.servers import (
    START_SECONDS,
    RedisServer,
    migrate,
    production_environment,
    wait_for,
)

PRIMARY_PORT = 57000
REPLICA_PORT = 57001
PGBOUNCER_PORT = 57002
REDIS_PORT = 57003
NODE_PORTS = [57010, 57011, 57012]
HAPROXY_PORT = 57020
# Nothing listens here: a replica or a Redis that is down.
DEAD_PORT = 57099
# One database per test module, on the same cluster: the replica streams them all.
DATABASES = ("conduit_routing", "conduit_nodes")


@pytest.fixture(scope="session")
def primary() -> Iterator[Primary]:
    server = Primary(PRIMARY_PORT)
    try:
        server.init()
        server.start()
        server.allow_replication()
        for database in DATABASES:
            server.execute(f"CREATE DATABASE {database}")
            # Migrations go to the primary directly, never through PgBouncer (README).
            migrate(production_environment(server.url(database), None))
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="session")
def replica(primary: Primary) -> Iterator[Replica]:
    server = Replica(primary, REPLICA_PORT)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def caught_up(primary: Primary, replica: Replica) -> Replica:
    """The replica, running and streaming again (a test may have stopped it), and caught up."""
    if replica.postmaster_pid() is None:
        replica.start()
    replica.resume_replay()
    wait_for(lambda: replica.caught_up_with(primary), START_SECONDS, "the replica catching up")
    return replica


@pytest.fixture(scope="session")
def cluster_directory() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="conduit-cluster."))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster_redis(cluster_directory: Path) -> Iterator[RedisServer]:
    require_free(REDIS_PORT, "Redis")
    server = RedisServer(cluster_directory, REDIS_PORT)
    server.start()
    yield server
    server.stop()
