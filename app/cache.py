"""The Redis cache: a decorator for read helpers that return plain data, and its invalidation.

An entry lives under `conduit:v<CACHE_SCHEMA_VERSION>:<name>:<digest of the arguments>` as
JSON, with a TTL. It records the versions of the data it was computed from (`articles`,
`article:<slug>`, `profiles`, `tags`, `follows:<user id>`), each a random token under
`conduit:version:<name>`. A write deletes the version keys of what it changed after its
commit; the next reader, on any node, finds a version missing or different, recomputes from
the database and stores the result under a fresh token. Readers read the versions before
the database, so an entry can never carry a newer version than its data: nobody sees data
older than the last acknowledged write. Version keys are not namespaced by
CACHE_SCHEMA_VERSION, so that the old and the new code bump the same ones during a rolling
deploy.

Fail open: when Redis is unset, down, slow or full, reads are misses and writes are dropped,
with a warning in the log (at most once a minute per process), never an error. After a
failure a process leaves Redis alone for a few seconds instead of paying the timeout on
every request; a version it could not delete is deleted before it next reads the cache.
"""

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import orjson
from flask import current_app, request, session
from redis import Redis, RedisError

from app.extensions import redis_client

log = logging.getLogger(__name__)

# Raise it whenever the shape of a cached value changes: a deploy then reads none of the
# entries the previous code wrote.
CACHE_SCHEMA_VERSION = 1
KEY_PREFIX = f"conduit:v{CACHE_SCHEMA_VERSION}:"
VERSION_PREFIX = "conduit:version:"
# A version outlives the entries that record it; when it expires they just stop matching.
VERSION_TTL_SECONDS = 24 * 3600
EXTENSION = "conduit.cache"
RETRY_AFTER_SECONDS = 5
WARN_EVERY_SECONDS = 60

# What cached data depends on, and so what writes bump.
ARTICLE_LISTS = "articles"
PROFILES = "profiles"
TAGS = "tags"


def article_version(slug: str) -> str:
    return f"article:{slug}"


def comments_version(slug: str) -> str:
    return f"comments:{slug}"


def follows_version(follower_id: int) -> str:
    return f"follows:{follower_id}"


@dataclass
class CacheState:
    """One app's cache in this process: the client, and how Redis has been behaving."""

    client: Redis | None
    enabled: bool
    ttl: int
    down_until: float = 0.0
    warned_at: float = float("-inf")
    unbumped: set[str] = field(default_factory=set)

    def available(self) -> bool:
        return self.enabled and self.client is not None and time.monotonic() >= self.down_until

    def failed(self, action: str, error: RedisError) -> None:
        now = time.monotonic()
        self.down_until = now + RETRY_AFTER_SECONDS
        if now - self.warned_at >= WARN_EVERY_SECONDS:
            self.warned_at = now
            log.warning(
                "Cache unavailable (%s failed: %s); reading from the database for %ss",
                action,
                error,
                RETRY_AFTER_SECONDS,
            )


def _state() -> CacheState:
    app = current_app._get_current_object()
    state = app.extensions.get(EXTENSION)
    if state is None:
        config = app.config
        state = CacheState(
            redis_client.client, config["CACHE_ENABLED"], config["CACHE_TTL_SECONDS"]
        )
        app.extensions[EXTENSION] = state
    return state


def _entry_key(name: str, arguments: Any) -> str:
    digest = hashlib.blake2b(orjson.dumps(arguments), digest_size=16).hexdigest()
    return f"{KEY_PREFIX}{name}:{digest}"


def _deleted_unbumped(state: CacheState) -> bool:
    """Delete the versions a failed bump left behind; False when Redis still fails."""
    if not state.unbumped:
        return True
    names = list(state.unbumped)
    try:
        state.client.delete(*(VERSION_PREFIX + name for name in names))
    except RedisError as error:
        state.failed("invalidation", error)
        return False
    state.unbumped.difference_update(names)
    return True


@dataclass(frozen=True)
class Lookup:
    """The result of looking a value up: a hit, or a miss that can store the computed value."""

    key: str | None
    versions: list[str] | None
    value: Any = None
    hit: bool = False

    def store(self, value: Any) -> None:
        """Store value for later readers, unless the versions it depends on are unknown."""
        state = _state()
        if self.versions is None or not state.available():
            return
        encoded = orjson.dumps({"versions": self.versions, "value": value})
        try:
            state.client.set(self.key, encoded, ex=state.ttl)
        except RedisError as error:
            state.failed("store", error)


# What a lookup finds while the cache is off or Redis out of reach: nothing to store under.
MISS = Lookup(None, None)


def _current_versions(state: CacheState, names: list[str], raw: list) -> list[str] | None:
    """Return the versions named, starting fresh ones where missing; None when unsure."""
    versions = [value.decode() if value is not None else None for value in raw]
    missing = [index for index, value in enumerate(versions) if value is None]
    if not missing:
        return versions
    pipeline = state.client.pipeline(transaction=False)
    for index in missing:
        versions[index] = secrets.token_hex(8)
        pipeline.set(
            VERSION_PREFIX + names[index], versions[index], nx=True, ex=VERSION_TTL_SECONDS
        )
    # Another reader may have started the same version first: then ours is not the one.
    return versions if all(pipeline.execute()) else None


def lookup(name: str, arguments: Any, depends_on: Iterable[str]) -> Lookup:
    """Return the entry for name and arguments if it is as new as the versions it depends on.

    arguments must be JSON-serialisable; they name the entry. One round trip to Redis on a
    hit; a miss that starts fresh versions takes a second one.
    """
    state = _state()
    if not state.available() or not _deleted_unbumped(state):
        return MISS
    names = list(depends_on)
    key = _entry_key(name, arguments)
    try:
        *raw_versions, raw_entry = state.client.mget(
            [*(VERSION_PREFIX + name for name in names), key]
        )
        versions = _current_versions(state, names, raw_versions)
    except RedisError as error:
        state.failed("lookup", error)
        return Lookup(key, None)
    if raw_entry is not None and versions is not None:
        entry = _decoded(raw_entry)
        if entry is not None and entry["versions"] == versions:
            return Lookup(key, versions, entry["value"], hit=True)
    return Lookup(key, versions)


def _decoded(raw_entry: bytes) -> dict | None:
    """Return the entry stored, or None when it is not one (written by something else)."""
    try:
        entry = orjson.loads(raw_entry)
    except orjson.JSONDecodeError:
        return None
    return entry if isinstance(entry, dict) and {"versions", "value"} <= entry.keys() else None


def cached(name: str, *, depends_on: Iterable[str]) -> Callable:
    """Cache what the decorated read helper returns: plain data, JSON-serialisable, as are its
    arguments, and the same for every viewer. depends_on names the versions it reads."""
    depends_on = tuple(depends_on)

    def decorator(helper: Callable) -> Callable:
        @wraps(helper)
        def wrapper(*args, **kwargs):
            found = lookup(name, [args, kwargs], depends_on)
            if found.hit:
                return found.value
            value = helper(*args, **kwargs)
            found.store(value)
            return value

        return wrapper

    return decorator


def cached_response(
    name: str, *, depends_on: Callable[..., Iterable[str]], arguments: Iterable[str] = ()
) -> Callable:
    """Cache the answer the decorated GET view gives requests without credentials, which
    all get the same one: no Authorization header (the API's) and no Cookie header at all
    (the pages' session, flash messages, CSRF token). A hit is the stored body as it was sent,
    with no data to decode or encode.

    depends_on returns the versions the answer depends on, from the view's arguments.
    arguments names the query arguments the view reads; a request with any other is served
    but not cached, so that made-up arguments cannot fill Redis with copies of one answer.
    Only a 200 is stored, and no page that started a session.
    """
    arguments = frozenset(arguments)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            # The request once: through its proxy, every attribute is a context lookup.
            served = request._get_current_object()
            headers = served.headers
            credentials = "Authorization" in headers or "Cookie" in headers
            if not _state().available() or credentials or not arguments.issuperset(served.args):
                return view(*args, **kwargs)
            query = sorted(served.args.items(multi=True))
            found = lookup(name, [served.path, query], depends_on(*args, **kwargs))
            if found.hit:
                body, mimetype = found.value
                return current_app.response_class(body, mimetype=mimetype)
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code == 200 and not session.modified:
                found.store([response.get_data(as_text=True), response.mimetype])
            return response

        return wrapper

    return decorator


def invalidate(*names: str) -> None:
    """Mark the data under these versions as changed, for readers on every node.

    Call it after the commit: a reader that runs between the commit and this call may still
    read the old entry, but this write has not been acknowledged yet. It runs whenever Redis
    is set, the cache switched off or not, for the nodes that have it on.
    """
    state = _state()
    if state.client is None or not names:
        return
    state.unbumped.update(names)
    _deleted_unbumped(state)


def articles_changed(*slugs: str) -> None:
    """An article was written, edited or deleted: its own entry, every list, the tags."""
    invalidate(ARTICLE_LISTS, TAGS, *(article_version(slug) for slug in slugs))


def favorites_changed(slug: str) -> None:
    """An article gained or lost a favorite: its count, and the lists of favorites."""
    invalidate(ARTICLE_LISTS, article_version(slug))


def comments_changed(slug: str) -> None:
    """A comment was added to an article or deleted from it: the article's page."""
    invalidate(comments_version(slug))


def follows_changed(follower_id: int) -> None:
    """A user followed or unfollowed someone: their feed."""
    invalidate(follows_version(follower_id))


def profile_changed() -> None:
    """A user's name, bio or image changed: they appear in every article they wrote."""
    invalidate(PROFILES)
