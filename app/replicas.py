"""Read replicas: which database answers the reads of a request that only reads.

With DATABASE_REPLICA_URLS set, a safe request (GET, HEAD, OPTIONS) reads from one replica,
the next fit one in turn, kept for the whole request: app.extensions.RequestSession reads
through the bind named by g.reads_bind. A write request uses the primary throughout, as
without replicas. A safe request reads from the primary's READS_BIND instead when

- its user wrote in the last READ_YOUR_WRITES_SECONDS, through any node: for the pages their
  signed session cookie says so; for the API a key per user in Redis does, since a client
  with a token need not keep cookies. While Redis cannot say, a signed-in API user reads
  from the primary;
- no replica is fit: a process checks each at most every DATABASE_REPLICA_CHECK_SECONDS
  (streaming from the primary, replayed to within DATABASE_REPLICA_MAX_LAG_SECONDS) and
  leaves one that failed alone for RETRY_SECONDS;
- its replica fails meanwhile: the view runs once more, reading from the primary.

Without replicas none of this runs: no bind, no hook, no Redis command.
"""

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.database import database_unavailable, driver_reason, end_session, replica_bind
from app.errors import is_api_path
from app.extensions import READS_BIND, db, redis_client
from app.web.http import in_safe_request, is_write_request

log = logging.getLogger(__name__)

EXTENSION = "replicas"
# A replica that failed is left alone this long by the process that saw it fail.
RETRY_SECONDS = 5
# The pages' session holds until when (POSIX seconds) its user reads from the primary.
PRIMARY_UNTIL = "reads_primary_until"
WROTE_KEY = "conduit:wrote:{user_id}"

# Whether the replica streams from a primary, and how far behind it is as it sees itself:
# nothing once it has replayed all it received (an idle primary sends nothing new), else the
# age of the last transaction it replayed. Unprivileged users see pg_stat_wal_receiver's
# row, if not its details.
FITNESS = text(
    "SELECT pg_is_in_recovery() AND EXISTS (SELECT FROM pg_stat_wal_receiver), "
    "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8, "
    "'Infinity') END"
)


@dataclass
class Replica:
    """One replica as this process last found it."""

    bind: str
    down_until: float = 0.0
    checked_at: float = float("-inf")
    fit: bool = True

    def trip(self, reason: str) -> None:
        """Leave the replica alone for RETRY_SECONDS after it failed for reason."""
        self.down_until = time.monotonic() + RETRY_SECONDS
        log.warning(
            "Read replica %s unavailable (%s); reading from the others for %ss",
            self.bind,
            reason,
            RETRY_SECONDS,
        )


@dataclass
class ReplicaSet:
    replicas: list[Replica]
    max_lag: float
    check_every: float
    turns: Iterator[int] = field(default_factory=itertools.count)

    def pick(self) -> str | None:
        """Return the bind of the next fit replica in turn, or None when none is."""
        start = next(self.turns)
        for offset in range(len(self.replicas)):
            replica = self.replicas[(start + offset) % len(self.replicas)]
            if self.usable(replica):
                return replica.bind
        return None

    def usable(self, replica: Replica) -> bool:
        now = time.monotonic()
        if now < replica.down_until:
            return False
        if now - replica.checked_at >= self.check_every:
            replica.fit = self.check(replica)
            replica.checked_at = now
        return replica.fit

    def check(self, replica: Replica) -> bool:
        """Return whether replica streams and is no more than max_lag behind."""
        try:
            with db.engines[replica.bind].connect() as connection:
                streaming, lag = connection.execute(FITNESS).one()
        except DBAPIError as error:
            replica.trip(driver_reason(error))
            return False
        fit = bool(streaming) and lag <= self.max_lag
        if replica.fit and not fit:
            log.warning(
                "Read replica %s skipped: %s",
                replica.bind,
                f"{lag:.1f}s behind" if streaming else "not streaming from a primary",
            )
        return fit

    def by_bind(self, bind: str) -> Replica:
        return next(replica for replica in self.replicas if replica.bind == bind)


def register_replicas(app: Flask) -> None:
    """Read safe requests from DATABASE_REPLICA_URLS, if any."""
    urls = app.config["DATABASE_REPLICA_URLS"]
    if not urls:
        return
    app.extensions[EXTENSION] = ReplicaSet(
        [Replica(replica_bind(number)) for number in range(len(urls))],
        max_lag=app.config["DATABASE_REPLICA_MAX_LAG_SECONDS"],
        check_every=app.config["DATABASE_REPLICA_CHECK_SECONDS"],
    )
    app.before_request(choose_reads)
    app.after_request(remember_writer)


def replicas() -> ReplicaSet:
    return current_app.extensions[EXTENSION]


def choose_reads() -> None:
    """Choose the database this safe request reads from, before it reads anything."""
    if not in_safe_request():
        return
    primary_until = session.get(PRIMARY_UNTIL)
    if primary_until is not None and primary_until > time.time():
        g.reads_bind = READS_BIND
        return
    if primary_until is not None:
        session.pop(PRIMARY_UNTIL)
    g.reads_bind = replicas().pick() or READS_BIND


def follow_writer(user_id: int) -> None:
    """Read the rest of this request from the primary if user_id wrote lately, through any
    node, or if Redis cannot tell. Nothing happens without replicas: no Redis command."""
    if g.get("reads_bind", READS_BIND) != READS_BIND and wrote_lately(user_id):
        g.reads_bind = READS_BIND


def wrote_lately(user_id: int) -> bool:
    client, breaker = redis_client.client, redis_client.breaker
    if client is None or not breaker.closed():
        return True
    try:
        return bool(client.exists(WROTE_KEY.format(user_id=user_id)))
    except RedisError as error:
        breaker.trip("read-your-writes lookup", error)
        return True


def remember_writer(response: Response) -> Response:
    """After a write that succeeded, send its user's reads to the primary for a while: in
    the page's session, and in Redis for the user the request acted as (g.user_id)."""
    if not is_write_request() or response.status_code >= 400:
        return response
    window = current_app.config["READ_YOUR_WRITES_SECONDS"]
    if not is_api_path(request.path):
        session[PRIMARY_UNTIL] = time.time() + window
    user_id = g.get("user_id")
    client, breaker = redis_client.client, redis_client.breaker
    if user_id is not None and client is not None and breaker.closed():
        try:
            client.set(WROTE_KEY.format(user_id=user_id), 1, px=int(window * 1000))
        except RedisError as error:
            breaker.trip("read-your-writes mark", error)
    return response


def on_primary_if_replica_fails(step: Callable[[], Any]) -> Any:
    """Return step() (a request's before-request hooks, or its view); if the request's
    replica fails meanwhile, leave the replica alone and return step() again, reading from
    the primary. A safe request writes nothing, so running a step twice is harmless."""
    try:
        return step()
    except DBAPIError as error:
        bind = g.get("reads_bind", READS_BIND)
        if bind == READS_BIND or not in_safe_request() or not database_unavailable(error):
            raise
        replicas().by_bind(bind).trip(driver_reason(error))
    end_session()
    g.reads_bind = READS_BIND
    return step()
