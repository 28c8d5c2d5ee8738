"""Rate limits, counted in Redis so that every worker on every node shares them.

Signing in and registering are limited per client IP and per submitted email, which slows
password guessing and account enumeration; every write by a signed-in user is limited per
user (the API's counted by its token decorator, the pages' here). While Redis is out of
reach (the shared breaker in app.extensions), the sign-in limits count in this process's
memory and the write limits are skipped: a broken limiter never takes the site down.
"""

import hashlib
import ipaddress
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

from app.errors import RateLimited, is_api_request
from app.extensions import redis_client
from app.web.http import is_write_request, only_reads

EXTENSION = "conduit.rate_limits"
# One client usually holds a whole IPv6 /64, so it counts as one address.
IPV6_CLIENT_PREFIX = 64


@dataclass
class RateLimits:
    """One app's limits, counted in shared storage, or in memory while that is down."""

    key_prefix: str
    sign_in_per_ip: list[RateLimitItem]
    sign_in_per_account: list[RateLimitItem]
    writes_per_user: list[RateLimitItem]
    previews_per_user: list[RateLimitItem]
    mail_per_account: list[RateLimitItem]
    shared: MovingWindowRateLimiter
    local: MovingWindowRateLimiter

    def hit(self, limits: list[RateLimitItem], key: str, *, fall_back: bool) -> None:
        """Count one request under key against each limit; raise RateLimited past one.

        While the shared storage is down, count in memory when fall_back, else not at all.
        """
        try:
            self._hit(self._counter(fall_back), limits, key)
        except StorageError as error:
            redis_client.breaker.trip("rate limit", error)
            self._hit(self._counter(fall_back), limits, key)

    def _counter(self, fall_back: bool) -> MovingWindowRateLimiter | None:
        if redis_client.breaker.closed():
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
    timeout = config["REDIS_TIMEOUT_SECONDS"]
    storage = storage_from_string(
        config["REDIS_URL"] or "memory://",
        wrap_exceptions=True,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )
    return RateLimits(
        key_prefix=config["RATELIMIT_KEY_PREFIX"],
        sign_in_per_ip=parse_many(config["RATELIMIT_SIGN_IN_PER_IP"]),
        sign_in_per_account=parse_many(config["RATELIMIT_SIGN_IN_PER_ACCOUNT"]),
        writes_per_user=parse_many(config["RATELIMIT_WRITES_PER_USER"]),
        previews_per_user=parse_many(config["RATELIMIT_PREVIEWS_PER_USER"]),
        mail_per_account=parse_many(config["RATELIMIT_MAIL_PER_ACCOUNT"]),
        shared=MovingWindowRateLimiter(storage),
        local=MovingWindowRateLimiter(MemoryStorage()),
    )


def register_rate_limits(app: Flask) -> None:
    """Count requests unless RATELIMIT_ENABLED is off."""
    if app.config["RATELIMIT_ENABLED"]:
        app.extensions[EXTENSION] = rate_limits_for(app.config)
        app.before_request(limit_page_writes)


def _limits() -> RateLimits | None:
    return current_app.extensions.get(EXTENSION)


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
            limits = _limits()
            if limits is not None and request.method == "POST":
                limits.hit(limits.sign_in_per_ip, f"{action}/ip/{client_ip()}", fall_back=True)
                account = submitted_account()
                if account is not None:
                    account_key = f"{action}/account/{account}"
                    limits.hit(limits.sign_in_per_account, account_key, fall_back=True)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def limit_mail(action: str, account: str) -> None:
    """Count a request that has mail sent to account (an address, a user id) per client IP
    and per account; raise RateLimited past a limit, for unknown addresses alike."""
    limits = _limits()
    if limits is None:
        return
    limits.hit(limits.sign_in_per_ip, f"{action}/ip/{client_ip()}", fall_back=True)
    digest = hashlib.sha256(account.strip().lower().encode()).hexdigest()
    limits.hit(limits.mail_per_account, f"{action}/account/{digest}", fall_back=True)


def count_write(user_id: int) -> None:
    """Count a write by user_id against their limit, if this request is a write."""
    limits = _limits()
    if limits is not None and is_write_request():
        limits.hit(limits.writes_per_user, f"writes/user/{user_id}", fall_back=False)


def limit_page_writes() -> None:
    """Count a signed-in user's write from a page; the API's are counted by its decorators."""
    if is_write_request() and not is_api_request() and current_user.is_authenticated:
        count_write(current_user.id)


def preview_limited(view: Callable) -> Callable:
    """Count the view's POSTs against the signed-in user's preview limit instead of their
    writes': an editor that previews as its writer types must not use up the publishing.
    The route's outermost decorator, so that it marks the function the route calls."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        limits = _limits()
        if limits is not None and current_user.is_authenticated:
            key = f"previews/user/{current_user.id}"
            limits.hit(limits.previews_per_user, key, fall_back=False)
        return view(*args, **kwargs)

    return only_reads(wrapper)
