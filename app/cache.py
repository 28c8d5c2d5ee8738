"""The Redis cache: a decorator for read helpers that return plain data, one for anonymous
answers, and their invalidation.

An entry lives under `conduit:v<CACHE_SCHEMA_VERSION>:<name>:<digest of the arguments>` as
JSON, with a TTL, beside the versions of the data it was computed from (`articles`,
`article:<slug>`, `profiles`, `tags`, `follows:<user id>`, ...), each a random token under
`conduit:version:<name>`. A write deletes the versions of what it changed after its commit;
the next reader, on any node, finds a version missing or different and recomputes. Readers
read the versions before the database, so an entry never carries a newer version than its
data: nobody sees data older than the last acknowledged write. Versions are not namespaced
by CACHE_SCHEMA_VERSION, so that old and new code bump the same ones during a rolling deploy.

Fail open: when Redis is unset, down, slow or full, reads are misses and stores are dropped
(the shared breaker in app.extensions keeps a failing Redis from costing every request its
timeout); a version that could not be deleted is deleted before this process next reads.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import orjson
from flask import Flask, current_app, request, session
from redis import Redis, RedisError

from app.extensions import redis_client

# Raise it whenever the shape of a cached value changes: a deploy then reads none of the
# entries the previous code wrote.
CACHE_SCHEMA_VERSION = 3
KEY_PREFIX = f"conduit:v{CACHE_SCHEMA_VERSION}:"
VERSION_PREFIX = "conduit:version:"
# A version outlives the entries that record it; when it expires they just stop matching.
VERSION_TTL_SECONDS = 24 * 3600
EXTENSION = "conduit.cache"

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
class CacheSettings:
    """One app's cache: whether it is on, for how long entries live, and the versions
    whose deletion failed, to be deleted before the next read."""

    enabled: bool
    ttl: int
    unbumped: set[str] = field(default_factory=set)


def register_cache(app: Flask) -> None:
    app.extensions[EXTENSION] = CacheSettings(
        app.config["CACHE_ENABLED"], app.config["CACHE_TTL_SECONDS"]
    )


def _settings() -> CacheSettings:
    return current_app.extensions[EXTENSION]


def _usable_client() -> Redis | None:
    """Return the Redis client when the cache is on and Redis has not failed lately."""
    client = redis_client.client
    if client is None or not _settings().enabled or not redis_client.breaker.closed():
        return None
    return client


def _entry_key(name: str, arguments: Any) -> str:
    digest = hashlib.blake2b(orjson.dumps(arguments), digest_size=16).hexdigest()
    return f"{KEY_PREFIX}{name}:{digest}"


def _deleted_unbumped(client: Redis) -> bool:
    """Delete the versions a failed invalidation left behind; False when Redis still fails."""
    unbumped = _settings().unbumped
    if not unbumped:
        return True
    names = list(unbumped)
    try:
        client.delete(*(VERSION_PREFIX + name for name in names))
    except RedisError as error:
        redis_client.breaker.trip("invalidation", error)
        return False
    unbumped.difference_update(names)
    return True


@dataclass(frozen=True)
class Lookup:
    """The result of looking a value up: a hit, or a miss that can store the computed value."""

    key: str | None
    versions: list[str] | None
    value: Any = None
    hit: bool = False
    ttl: int | None = None

    def store(self, value: Any) -> None:
        """Store value for later readers, unless the versions it depends on are unknown."""
        client = _usable_client()
        if self.key is None or self.versions is None or client is None:
            return
        encoded = orjson.dumps({"versions": self.versions, "value": value})
        try:
            client.set(self.key, encoded, ex=self.ttl or _settings().ttl)
        except RedisError as error:
            redis_client.breaker.trip("store", error)


# What a lookup finds while the cache is off or Redis out of reach: nothing to store under.
MISS = Lookup(None, None)


def _current_versions(client: Redis, names: list[str], raw: list) -> list[str] | None:
    """Return the versions named, starting fresh ones where missing; None when unsure."""
    if None not in raw:
        return [value.decode() for value in raw]
    versions: list[str] = []
    pipeline = client.pipeline(transaction=False)
    for name, value in zip(names, raw, strict=True):
        if value is None:
            value = secrets.token_hex(8).encode()
            pipeline.set(VERSION_PREFIX + name, value, nx=True, ex=VERSION_TTL_SECONDS)
        versions.append(value.decode())
    # Another reader may have started the same version first: then ours is not the one.
    return versions if all(pipeline.execute()) else None


def lookup(
    name: str, arguments: Any, depends_on: Iterable[str], *, ttl: int | None = None
) -> Lookup:
    """Return the entry for name and arguments if it is as new as the versions it depends on.

    arguments must be JSON-serialisable; they name the entry. One round trip to Redis on a
    hit; a miss that starts fresh versions takes a second one. A value stored from a miss
    lives ttl seconds, CACHE_TTL_SECONDS by default.
    """
    client = _usable_client()
    if client is None or not _deleted_unbumped(client):
        return MISS
    names = list(depends_on)
    key = _entry_key(name, arguments)
    try:
        *raw_versions, raw_entry = client.mget([*(VERSION_PREFIX + name for name in names), key])
        versions = _current_versions(client, names, raw_versions)
    except RedisError as error:
        redis_client.breaker.trip("lookup", error)
        return Lookup(key, None)
    if raw_entry is not None and versions is not None:
        entry = _decoded(raw_entry)
        if entry is not None and entry["versions"] == versions:
            return Lookup(key, versions, entry["value"], hit=True)
    return Lookup(key, versions, ttl=ttl)


def _decoded(raw_entry: bytes | str) -> dict | None:
    """Return the entry stored, or None when it is not one (written by something else)."""
    try:
        entry = orjson.loads(raw_entry)
    except orjson.JSONDecodeError:
        return None
    return entry if isinstance(entry, dict) and {"versions", "value"} <= entry.keys() else None


def cached(name: str, *, depends_on: Iterable[str], ttl: int | None = None) -> Callable:
    """Cache what the decorated read helper returns: plain data, JSON-serialisable, as are its
    arguments, and the same for every viewer. depends_on names the versions it reads; ttl,
    how long an entry may live (CACHE_TTL_SECONDS by default)."""
    depends_on = tuple(depends_on)

    def decorator(helper: Callable) -> Callable:
        @wraps(helper)
        def wrapper(*args, **kwargs):
            found = lookup(name, [args, kwargs], depends_on, ttl=ttl)
            if found.hit:
                return found.value
            value = helper(*args, **kwargs)
            found.store(value)
            return value

        return wrapper

    return decorator


def _anonymous() -> bool:
    """Return whether this request carries no credentials of any kind: no Authorization
    header (the API's) and no Cookie header (the pages' session, flashes, CSRF token)."""
    headers = request.headers
    return "Authorization" not in headers and "Cookie" not in headers


def cached_response(
    name: str,
    *,
    depends_on: Callable[..., Iterable[str]],
    arguments: Iterable[str] = (),
    ttl: int | None = None,
) -> Callable:
    """Cache the answer the decorated GET view gives anonymous requests, which all get the
    same one; a hit is the stored body as it was sent.

    depends_on returns the versions the answer depends on, from the view's arguments.
    arguments names the query arguments the view reads; a request with any other is served
    but not cached, so that made-up arguments cannot fill Redis with copies of one answer.
    Only a 200 is stored, and no page that started a session; it lives ttl seconds
    (CACHE_TTL_SECONDS by default). The key holds the scheme and host the request came by,
    as well as its path: answers may hold absolute URLs built from them (a page's canonical
    link, a feed's), which must not be served to another host.
    """
    arguments = frozenset(arguments)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            query_arguments = request.args
            unshared = not _anonymous() or not arguments.issuperset(query_arguments)
            if unshared or _usable_client() is None:
                return view(*args, **kwargs)
            query = sorted(query_arguments.items(multi=True))
            key = [request.base_url, query]
            found = lookup(name, key, depends_on(*args, **kwargs), ttl=ttl)
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

    Call it after the commit: a reader between the commit and this call may still read the
    old entry, but this write has not been acknowledged yet. It runs whenever Redis is set,
    the cache switched off or not, for the nodes that have it on.
    """
    client = redis_client.client
    if client is None or not names:
        return
    _settings().unbumped.update(names)
    _deleted_unbumped(client)


def articles_changed(*slugs: str) -> None:
    """An article was written, edited or deleted: its own entry, every list, the tags."""
    invalidate(ARTICLE_LISTS, TAGS, *(article_version(slug) for slug in slugs))


def favorites_changed(slug: str) -> None:
    """An article gained or lost a favorite: its count, and the lists of favorites."""
    invalidate(ARTICLE_LISTS, article_version(slug))


def comments_changed(slug: str) -> None:
    """A comment was added to an article, edited or deleted: the article's page."""
    invalidate(comments_version(slug))


def follows_changed(follower_id: int) -> None:
    """A user followed or unfollowed someone: their feed."""
    invalidate(follows_version(follower_id))


def profile_changed() -> None:
    """A user's name, bio or image changed: they appear in every article they wrote."""
    invalidate(PROFILES)
