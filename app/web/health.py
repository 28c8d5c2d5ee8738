"""Probes for the orchestrator: /healthz says the process answers, /readyz that its database
and Redis answer too. Both are cheap enough to call every few seconds, and neither logs a
request line above DEBUG (app.web.request_log)."""

import logging

from flask import Blueprint
from redis import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, redis_client

log = logging.getLogger(__name__)

blueprint = Blueprint("health", __name__)

OK = "ok"


@blueprint.get("/healthz")
def healthz():
    return {"status": "ok"}


@blueprint.get("/readyz")
def readyz():
    checks = readiness_checks()
    if all(result == OK for result in checks.values()):
        return {"status": "ready", "checks": checks}
    return {"status": "unavailable", "checks": checks}, 503


def readiness_checks() -> dict[str, str]:
    """Return "ok" or "error: <kind>" for the database and, when configured, for Redis."""
    checks = {"database": _check("database", _ping_database, SQLAlchemyError)}
    # The app's client, which tries once with a short timeout (REDIS_TIMEOUT_SECONDS).
    if redis_client.client is not None:
        checks["redis"] = _check("redis", redis_client.client.ping, RedisError)
    return checks


def _check(name: str, probe, failure: type[Exception]) -> str:
    """Run probe; on failure, log the details and return only the error's kind.

    The answer is public, so it names no host, port or user: those go to the log.
    """
    try:
        probe()
    except failure as error:
        log.warning("Readiness check %s failed: %s", name, error)
        return f"error: {type(error).__name__}"
    return OK


def _ping_database() -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
