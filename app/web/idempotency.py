"""Safe retries of the POSTs that create: the Idempotency-Key request header.

A client that never heard back from POST /articles or POST /articles/<slug>/comments may
send the request again with the same Idempotency-Key: for 24 hours the same user with the
same key and the same request gets the first answer again, status and body, and nothing is
written twice. The same key with a different request answers 422, as the IETF draft on the
header advises.

The key's row is inserted (and flushed, which takes PostgreSQL's lock on the unique key)
before the view runs, so the service's one commit stores it together with the write: a
crash cannot keep one without the other, and an error before the commit keeps neither, so
a retry runs afresh. A concurrent request with the same key waits on that lock, then answers
the first one's result. The answer itself is recorded by a second commit just after the
write; until then, or if the process dies in between, the key answers 409.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Protocol

from flask import Response, make_response, request
from sqlalchemy import JSON, DateTime, ForeignKey, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.database import utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db

HEADER = "Idempotency-Key"
# Marks an answer given again from the record rather than by running the request.
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
LIFETIME = timedelta(hours=24)


class Identified(Protocol):
    id: int


class IdempotencyKey(db.Model):  # type: ignore[name-defined]
    """A key a user sent with a write, a digest of that request, and the answer it got."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None]
    response_body: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @classmethod
    def live(cls, user_id: int, key: str) -> "IdempotencyKey | None":
        """Return user_id's record of key unless it is missing or older than LIFETIME."""
        return db.session.scalar(
            select(cls).where(
                cls.user_id == user_id, cls.key == key, cls.created_at > utcnow() - LIFETIME
            )
        )


def request_fingerprint() -> str:
    """Return the SHA-256 of this request's method, path and body."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _reserve(user_id: int, key: str, fingerprint: str) -> IdempotencyKey:
    """Insert the record of key, dropping user_id's expired ones; raise IntegrityError if
    a live one exists (after waiting for a concurrent transaction that holds it)."""
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.created_at <= utcnow() - LIFETIME
        )
    )
    record = IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint)
    db.session.add(record)
    db.session.flush()
    return record


def _record(record: IdempotencyKey, response: Response) -> None:
    record.response_status = response.status_code
    record.response_body = response.get_json(silent=True)
    db.session.commit()


def _replay(record: IdempotencyKey | None, fingerprint: str):
    """Return the answer record holds, or raise when it belongs elsewhere or is not ready."""
    if record is not None and record.fingerprint != fingerprint:
        raise ValidationFailed({"idempotency_key": ["was already used for a different request"]})
    if record is None or record.response_status is None:
        raise Conflict({"idempotency_key": ["is in use by a request still in progress"]})
    return record.response_body, record.response_status, {REPLAYED_HEADER: "true"}


def idempotent(view: Callable) -> Callable:
    """Let a client retry the view's JSON write safely by sending an Idempotency-Key.

    Goes under token_required: the key belongs to its current_user.
    """

    @wraps(view)
    def wrapper(*args, current_user: Identified, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, current_user=current_user, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            raise ValidationFailed(
                {"idempotency_key": ["must be 1 to 255 printable ASCII characters"]}
            )
        user_id, fingerprint = current_user.id, request_fingerprint()
        earlier = IdempotencyKey.live(user_id, key)
        if earlier is not None:
            return _replay(earlier, fingerprint)
        try:
            record = _reserve(user_id, key, fingerprint)
        except IntegrityError:
            db.session.rollback()
            return _replay(IdempotencyKey.live(user_id, key), fingerprint)
        response = make_response(view(*args, current_user=current_user, **kwargs))
        _record(record, response)
        return response

    return wrapper
