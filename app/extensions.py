"""The extension objects, created unbound; the factory binds them to the app."""

import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from flask_cors import CORS
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy import Connection, Engine, MetaData
from sqlalchemy.orm import DeclarativeBase

from app.web.http import in_safe_request

log = logging.getLogger(__name__)

# Named constraints keep migrations reproducible on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The bind of the engine safe requests read through (app.database.engine_options).
READS_BIND = "reads"
# After a failure, each process leaves Redis alone this long instead of paying the timeout
# on every request; it warns at most this often.
REDIS_RETRY_SECONDS = 5
REDIS_WARN_EVERY_SECONDS = 60


@dataclass
class RedisBreaker:
    """Whether Redis has failed lately, shared by everything that uses it (the cache, the
    rate limits): after a failure they all leave it alone for REDIS_RETRY_SECONDS."""

    open_until: float = 0.0
    warned_at: float = float("-inf")

    def closed(self) -> bool:
        return time.monotonic() >= self.open_until

    def trip(self, action: str, error: Exception) -> None:
        """Record that action failed with error; warn unless a warning went out lately."""
        now = time.monotonic()
        self.open_until = now + REDIS_RETRY_SECONDS
        if now - self.warned_at >= REDIS_WARN_EVERY_SECONDS:
            self.warned_at = now
            log.warning(
                "Redis unavailable (%s failed: %s); leaving it alone for %ss",
                action,
                error,
                REDIS_RETRY_SECONDS,
            )


@dataclass
class RedisState:
    url: str | None
    timeout: float
    breaker: RedisBreaker
    client: Redis | None = None


class RedisClient:
    """The app's Redis client, built from REDIS_URL (None when unset), and its breaker.

    A healthy Redis answers within a millisecond: every command gives up after
    REDIS_TIMEOUT_SECONDS and is not retried, so a dead or stalled Redis costs a request
    that long at most. The client is built when first used, in the worker that uses it, so
    the app starts whatever Redis's state and no process shares a connection.
    """

    def init_app(self, app: Flask) -> None:
        timeout = app.config["REDIS_TIMEOUT_SECONDS"]
        app.extensions["redis"] = RedisState(app.config["REDIS_URL"], timeout, RedisBreaker())

    @property
    def client(self) -> Redis | None:
        state = current_app.extensions["redis"]
        if state.client is None and state.url:
            state.client = redis_for(state.url, state.timeout)
        return state.client

    @property
    def breaker(self) -> RedisBreaker:
        return current_app.extensions["redis"].breaker


def redis_for(url: str, timeout: float) -> Redis:
    """Return a client of the Redis at url whose commands give up after timeout seconds.

    It holds one connection of its own (redis-py's single_connection_client), which spares
    every command a checkout from the pool and back: the cache's one lookup per request is
    most of a cached answer. That connection is opened now; with Redis down it cannot be,
    and the client is a pooled one instead, which connects when a command needs it. Either
    reconnects by itself once Redis is back.
    """
    options = {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }
    try:
        return Redis.from_url(url, single_connection_client=True, **options)
    except RedisError:
        return Redis.from_url(url, **options)


class RequestSession(Session):
    """Flask-SQLAlchemy's session, which reads through an autocommit engine while answering
    a safe request (GET, HEAD, OPTIONS), so that its reads need no BEGIN and ROLLBACK: the
    bind g.reads_bind names (a read replica, app.replicas), else READS_BIND, the primary.
    Such a request may not write (app/database.py)."""

    def get_bind(
        self,
        mapper: Any = None,
        clause: Any = None,
        bind: Engine | Connection | None = None,
        **kwargs: Any,
    ) -> Engine | Connection:
        if bind is None and in_safe_request() and READS_BIND in db.engines:
            return db.engines[g.get("reads_bind", READS_BIND)]
        return super().get_bind(mapper, clause, bind, **kwargs)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
migrate = Migrate()
cors = CORS()
login_manager = LoginManager()
csrf = CSRFProtect()
redis_client = RedisClient()
