"""Three nodes behind a load balancer, over a primary, its streaming replica, PgBouncer and
Redis: the deployment of README's "Several nodes", all real, all on loopback.

A bounded load writes through HAProxy and reads back through every node: each writer sees
their write at once whichever node answers, everyone else within the replica's lag bound,
and nothing fails. Then, under the same load, one node is stopped (SIGTERM to its master)
and later the replica (a fast shutdown): every request still succeeds, perhaps sent again
(by HAProxy; a write by its client, with the same Idempotency-Key), or gets a clean 503, and
every acknowledged write is on the primary, once. `pytest -s` prints the figures.
"""

import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.cluster.conftest import HAPROXY_PORT, NODE_PORTS, PGBOUNCER_PORT
from tests.cluster.servers import HAProxy, PgBouncer
from tests.faults.client import API, Reply, call, new_article
from tests.faults.servers import Gunicorn, production_environment, wait_for

pytestmark = pytest.mark.cluster

DATABASE = "conduit_nodes"
WRITERS = 6
STEADY_ROUNDS = 3
# Enough rounds to last the whole fault phase, which the test ends.
FAULT_ROUNDS = 1000
WORKERS_PER_NODE = 2
# PgBouncer's server connections to the primary, for every node's every worker.
PGBOUNCER_POOL = 10
# How long an anonymous reader may wait to see a write: the replica's lag bound (2 s by
# default) and one check, with a margin for a loaded machine.
VISIBLE_WITHIN_SECONDS = 5
POLL_SECONDS = 0.02
LOAD_SECONDS_BEFORE_FAULT = 1.5
LOAD_SECONDS_AFTER_FAULT = 2.0
STOP_SECONDS = 35
CLIENT_ATTEMPTS = 3


def answers_healthz(node: Gunicorn) -> bool:
    return call(node.port, "GET", "/healthz", timeout=1).status == 200


@dataclass
class Deployment:
    pgbouncer: PgBouncer
    nodes: list[Gunicorn]
    balancer: HAProxy


@pytest.fixture(scope="module")
def deployment(primary, replica, cluster_redis, cluster_directory) -> Iterator[Deployment]:
    pgbouncer = PgBouncer(primary, PGBOUNCER_PORT, PGBOUNCER_POOL)
    environment = production_environment(
        pgbouncer.url(DATABASE),
        f"redis://127.0.0.1:{cluster_redis.port}/2",
        DATABASE_REPLICA_URLS=replica.url(DATABASE),
        TRUSTED_PROXIES="1",
    )
    nodes = [
        Gunicorn(environment, cluster_directory / f"node{number}.log", WORKERS_PER_NODE, port)
        for number, port in enumerate(NODE_PORTS)
    ]
    balancer = HAProxy(HAPROXY_PORT, NODE_PORTS, cluster_directory)
    try:
        pgbouncer.start()
        for node in nodes:
            node.start(answers_healthz)
        balancer.start()
        wait_for(lambda: call(HAPROXY_PORT, "GET", "/healthz").status == 200, 10, "HAProxy")
        yield Deployment(pgbouncer, nodes, balancer)
    finally:
        balancer.stop()
        for node in nodes:
            node.kill()
        pgbouncer.stop()


@dataclass
class Load:
    """Writers that each write through the balancer and read their writes back."""

    read_ports: list[int]
    phase: str = "steady"
    replies: list[tuple[str, Reply]] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    unseen: list[str] = field(default_factory=list)
    visible_after: list[float] = field(default_factory=list)
    resent: list[Reply] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def call(self, port: int, method: str, path: str, payload=None, **options) -> Reply:
        phase = self.phase
        reply = call(port, method, path, payload, **options)
        self.replies.append((phase, reply))
        return reply

    def register(self, name: str) -> str:
        user = {"username": name, "email": f"{name}@example.com", "password": "passphrase-1"}
        reply = self.call(HAPROXY_PORT, "POST", f"{API}/users", {"user": user})
        assert reply.status == 201, str(reply)
        return reply.json["user"]["token"]

    def write(self, path: str, payload: dict, token: str) -> Reply:
        """POST with an Idempotency-Key, sent again with the same key while the answer is
        lost on the way (the balancer's 502, no answer), as the API tells clients to."""
        key = {"Idempotency-Key": uuid.uuid4().hex}
        for _attempt in range(CLIENT_ATTEMPTS - 1):
            reply = call(HAPROXY_PORT, "POST", path, payload, token=token, headers=key)
            if reply.status is not None and reply.status != 502:
                self.replies.append((self.phase, reply))
                return reply
            self.resent.append(reply)
        return self.call(HAPROXY_PORT, "POST", path, payload, token=token, headers=key)

    def round(self, token: str, title: str) -> None:
        created = self.write(f"{API}/articles", new_article(title), token)
        if created.status != 201:
            return
        slug = created.json["article"]["slug"]
        self.articles.append(slug)
        for port in self.read_ports:
            mine = self.call(port, "GET", f"{API}/articles/{slug}", token=token)
            if mine.status != 503 and mine.status != 200:
                self.unseen.append(f"the writer's own article: {mine}")
        comment = {"comment": {"body": f"On {title}"}}
        said = self.write(f"{API}/articles/{slug}/comments", comment, token)
        if said.status == 200:
            self.comments.append(said.json["comment"]["id"])
            thread = self.call(HAPROXY_PORT, "GET", f"{API}/articles/{slug}/comments", token=token)
            ids = (
                {comment["id"] for comment in thread.json["comments"]}
                if thread.status == 200
                else set()
            )
            if thread.status != 503 and said.json["comment"]["id"] not in ids:
                self.unseen.append(f"the writer's own comment: {thread}")
        self.wait_until_everyone_sees(slug)

    def wait_until_everyone_sees(self, slug: str) -> None:
        started = time.monotonic()
        for port in self.read_ports:
            while self.call(port, "GET", f"{API}/articles/{slug}").status != 200:
                if time.monotonic() - started > VISIBLE_WITHIN_SECONDS:
                    self.unseen.append(f"{slug} not visible to others through port {port}")
                    return
                time.sleep(POLL_SECONDS)
        self.visible_after.append(time.monotonic() - started)

    def writer(self, token: str, number: int, rounds: int) -> None:
        try:
            for iteration in range(rounds):
                if self.stopping.is_set():
                    return
                self.round(token, f"{self.phase} {number}x{iteration} {uuid.uuid4().hex[:6]}")
        except Exception as error:  # recorded, so that the test fails with it
            self.crashes.append(f"writer {number}: {error!r}")

    def run(self, tokens: list[str], rounds: int) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.writer, args=(token, number, rounds), daemon=True)
            for number, token in enumerate(tokens)
        ]
        for thread in threads:
            thread.start()
        return threads

    def in_phase(self, phase: str) -> list[Reply]:
        return [reply for reply_phase, reply in self.replies if reply_phase == phase]


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "the load did not stop"


def figures(name: str, replies: list[Reply]) -> str:
    seconds = sorted(reply.seconds for reply in replies)
    failed = [reply for reply in replies if reply.status is None or reply.status >= 500]
    p50 = statistics.median(seconds) * 1000
    p95 = seconds[int(len(seconds) * 0.95) - 1] * 1000
    return (
        f"{name}: {len(replies)} requests, {len(failed)} errors "
        f"({sum(reply.status == 503 for reply in failed)} clean 503s), "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, slowest {seconds[-1] * 1000:.0f} ms"
    )


def around(replies: list[Reply], moment: float, seconds: float = 1.0) -> list[Reply]:
    """Return the replies to requests started within seconds after moment."""
    return [reply for reply in replies if moment <= reply.started < moment + seconds]


def test_three_nodes_share_every_write_and_outlast_a_node_and_the_replica(
    deployment, primary, replica, caught_up
):
    load = Load(read_ports=[HAPROXY_PORT, *NODE_PORTS])
    tokens = [load.register(f"writer{number}") for number in range(WRITERS)]
    join(load.run(tokens, STEADY_ROUNDS))

    steady = load.in_phase("steady")
    assert not load.crashes
    assert not load.unseen
    assert all(reply.status in (200, 201) for reply in steady), [
        str(reply) for reply in steady if reply.status not in (200, 201)
    ]
    assert len(load.articles) == len(load.comments) == WRITERS * STEADY_ROUNDS
    assert not load.resent

    # Faults: nodes can no longer be read from directly once one stops.
    load.phase, load.read_ports = "faults", [HAPROXY_PORT]
    threads = load.run(tokens, FAULT_ROUNDS)
    try:
        time.sleep(LOAD_SECONDS_BEFORE_FAULT)
        node_stopped_at = time.monotonic()
        assert deployment.nodes[1].terminate(STOP_SECONDS) == 0
        time.sleep(LOAD_SECONDS_AFTER_FAULT)
        replica_stopped_at = time.monotonic()
        replica.stop()
        time.sleep(LOAD_SECONDS_AFTER_FAULT)
    finally:
        load.stopping.set()
        join(threads)

    faults = load.in_phase("faults")
    assert not load.crashes
    assert not load.unseen
    unclean = [str(reply) for reply in faults if reply.status not in (200, 201, 503)]
    assert not unclean, deployment.balancer.log_lines(502)
    stored = {slug for (slug,) in primary.query("SELECT slug FROM articles", DATABASE)}
    assert set(load.articles) <= stored
    said = {number for (number,) in primary.query("SELECT id FROM comments", DATABASE)}
    assert set(load.comments) <= said
    assert len(stored) == len(load.articles), "a write was carried out twice or unacknowledged"
    # The nodes read from the replica until it went, then from the primary.
    assert any("Read replica replica-0 unavailable" in node.log() for node in deployment.nodes)

    visible = sorted(load.visible_after)
    print()
    print(figures("steady, 3 nodes", steady))
    print(figures("faults, node then replica stopped", faults))
    print(figures("1 s after the node's SIGTERM", around(faults, node_stopped_at)))
    print(figures("1 s after the replica's stop", around(faults, replica_stopped_at)))
    print(
        f"sent again: {deployment.balancer.resent()} requests by HAProxy, "
        f"{len(load.resent)} writes by their clients with the same Idempotency-Key"
    )
    print(
        f"writes acknowledged: {len(load.articles)} articles, {len(load.comments)} comments, "
        f"all on the primary; others saw each article within {visible[-1] * 1000:.0f} ms "
        f"(median {statistics.median(visible) * 1000:.0f} ms)"
    )


@pytest.fixture(scope="module", autouse=True)
def replica_restarted(replica):
    """The replica, started again after the test stops it, for whatever runs next."""
    yield
    if replica.postmaster_pid() is None:
        replica.start()


def test_pgbouncer_holds_no_more_server_connections_than_its_pool(deployment, primary):
    ((connections,),) = primary.query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'conduit_nodes' "
        "AND application_name NOT LIKE 'pg_basebackup%' AND pid <> pg_backend_pid()",
        DATABASE,
    )
    assert connections <= PGBOUNCER_POOL


def test_nodes_are_ready_through_pgbouncer(deployment):
    reply = call(HAPROXY_PORT, "GET", "/readyz")

    assert reply.status == 200, str(reply)
    assert reply.json["checks"] == {"database": "ok", "redis": "ok"}
