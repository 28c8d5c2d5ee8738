"""Limits on requests: how often (rate limits, counted in Redis) and how large (413).

Signing in and registering are limited per client IP and per submitted email, which
slows password guessing and account enumeration; every write by a signed-in user is limited
per user. The counts live in Redis so that every worker on every node shares them. When
Redis cannot be reached, the sign-in limits are counted in this process's memory instead and
the write limits are skipped, with a warning: a broken limiter never takes the site down.
"""

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, request
from flask_login import current_user
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth.decorators import current_api_user
from app.errors import AppError, Unauthorized, error_response, is_api_request

log = logging.getLogger(__name__)

EXTENSION = "conduit.rate_limits"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Redis answers within a millisecond on a working network; waiting longer only holds a
# worker (redis-py's default is to wait forever).
REDIS_TIMEOUT_SECONDS = 0.5
# Once Redis has failed, each process leaves it alone this long instead of paying the
# timeout on every request.
REDIS_RETRY_SECONDS = 5
# One client usually holds a whole IPv6 /64, so it counts as one address.
IPV6_CLIENT_PREFIX = 64


class RateLimited(AppError):
    """Too many requests; the client may try again in retry_after seconds."""

    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__({"rate_limit": [f"Too many requests; retry in {retry_after} seconds"]})
        self.retry_after = retry_after


@dataclass
class RateLimits:
    """One app's limits, counted in shared storage, or in memory while that is down."""

    key_prefix: str
    sign_in_per_ip: list[RateLimitItem]
    sign_in_per_account: list[RateLimitItem]
    writes_per_user: list[RateLimitItem]
    shared: MovingWindowRateLimiter
    local: MovingWindowRateLimiter
    shared_down_until: float = 0.0

    def hit(self, limits: list[RateLimitItem], key: str, *, fall_back: bool) -> None:
        """Count one request under key against each limit; raise RateLimited past one.

        While the shared storage is down, count in memory when fall_back, else not at all.
        """
        try:
            self._hit(self._counter(fall_back), limits, key)
        except StorageError:
            self.shared_down_until = time.monotonic() + REDIS_RETRY_SECONDS
            log.warning(
                "Rate limit storage unreachable: for %ss sign-in limits count in this "
                "process's memory and write limits are off",
                REDIS_RETRY_SECONDS,
            )
            self._hit(self._counter(fall_back), limits, key)

    def _counter(self, fall_back: bool) -> MovingWindowRateLimiter | None:
        if time.monotonic() >= self.shared_down_until:
            return self.shared
        return self.local if fall_back else None

    def _hit(
        self, counter: MovingWindowRateLimiter | None, limits: list[RateLimitItem], key: str
    ) -> None:
        if counter is None:
            return
        for limit in limits:
            if not counter.hit(limit, self.key_prefix, key):
                reset_at = counter.get_window_stats(limit, self.key_prefix, key).reset_time
                raise RateLimited(max(1, math.ceil(reset_at - time.time())))


def rate_limits_for(config: dict) -> RateLimits:
    """Return the limits config sets, counted in Redis when REDIS_URL names one."""
    storage = storage_from_string(
        config["REDIS_URL"] or "memory://",
        wrap_exceptions=True,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return RateLimits(
        key_prefix=config["RATELIMIT_KEY_PREFIX"],
        sign_in_per_ip=parse_many(config["RATELIMIT_SIGN_IN_PER_IP"]),
        sign_in_per_account=parse_many(config["RATELIMIT_SIGN_IN_PER_ACCOUNT"]),
        writes_per_user=parse_many(config["RATELIMIT_WRITES_PER_USER"]),
        shared=MovingWindowRateLimiter(storage),
        local=MovingWindowRateLimiter(MemoryStorage()),
    )


def register_request_limits(app: Flask) -> None:
    """Answer oversized bodies with 413, and count requests unless RATELIMIT_ENABLED is off."""
    app.register_error_handler(RequestEntityTooLarge, request_too_large)
    app.register_error_handler(RateLimited, too_many_requests)
    if app.config["RATELIMIT_ENABLED"]:
        app.extensions[EXTENSION] = rate_limits_for(app.config)
        app.before_request(limit_writes)


def request_too_large(_error: RequestEntityTooLarge):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return error_response(413, {"body": [f"is too large (maximum is {limit} bytes)"]})


def too_many_requests(error: RateLimited):
    page, status = error_response(error.status_code, error.errors)
    return page, status, {"Retry-After": str(error.retry_after)}


def client_ip() -> str:
    """Return the client's IP as TRUSTED_PROXIES lets it be known; an IPv6 one as its /64."""
    address = request.remote_addr or ""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return address


def submitted_account() -> str | None:
    """Return a digest of the email this request signs in or registers with, lower-cased.

    A digest keeps the stored keys short and free of addresses; None without an email.
    """
    if is_api_request():
        body = request.get_json(force=True, silent=True)
        user = body.get("user") if isinstance(body, dict) else None
        email = user.get("email") if isinstance(user, dict) else None
    else:
        email = request.form.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def sign_in_limited(action: str) -> Callable:
    """Limit the view's POSTs per client IP and per submitted email, counted per action.

    The API's form and the page's form of one action share their counts.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            limits = current_app.extensions.get(EXTENSION)
            if limits is not None and request.method == "POST":
                ip_key = f"{action}/ip/{client_ip()}"
                limits.hit(limits.sign_in_per_ip, ip_key, fall_back=True)
                account = submitted_account()
                if account is not None:
                    account_key = f"{action}/account/{account}"
                    limits.hit(limits.sign_in_per_account, account_key, fall_back=True)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def writer_id() -> int | None:
    """Return the id of the signed-in user making this request, None when there is none.

    The API knows its user by token only, the pages by session only. A bad token counts as
    no user here; the route itself answers it.
    """
    if is_api_request():
        try:
            user = current_api_user()
        except Unauthorized:
            return None
        return None if user is None else user.id
    return current_user.id if current_user.is_authenticated else None


def limit_writes() -> None:
    """Count a signed-in user's write, from the API or a page, against their limit."""
    if request.method not in WRITE_METHODS:
        return
    user_id = writer_id()
    if user_id is not None:
        limits = current_app.extensions[EXTENSION]
        limits.hit(limits.writes_per_user, f"writes/user/{user_id}", fall_back=False)
