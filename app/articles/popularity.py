"""Views and popular articles: every read of an article counts once per reader per hour,
counted in Redis and written to PostgreSQL in batches; "popular this week" is the most read
published articles of the last seven days, cached for at most a minute.

Counting fails open: with Redis away a view is not counted, and the reader never notices.
A batch goes from Redis to the database under a lock, at most one at a time across nodes:
the pending counts are renamed aside, written in one transaction, and deleted only after it
commits, so a failed write is written again by the next batch (a process dying between the
commit and the delete would count that one batch twice).
"""

import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from typing import Any

import orjson
from flask import Response, current_app, request
from redis import RedisError
from sqlalchemy import Connection, bindparam, func, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from app import cache
from app.articles.models import Article, article_views, listed
from app.articles.reads import (
    ArticleData,
    ArticlePage,
    show_to,
    viewer_id_parameter,
    with_author_and_viewer_choices,
)
from app.articles.redirects import SlugRedirect
from app.extensions import db, redis_client
from app.users.models import User
from app.web.limits import client_ip

VIEW_PREFIX = "conduit:views:"
PENDING = VIEW_PREFIX + "pending"
FLUSHING = VIEW_PREFIX + "flushing"
FLUSH_LOCK = VIEW_PREFIX + "flush-lock"
FLUSH_LOCK_SECONDS = 30
ONCE_PER_SECONDS = 3600
POPULAR_DAYS = 7
POPULAR_COUNT = 10
# "Popular this week" is never staler than this (the popular list's cache entry lives as long).
POPULAR_STALE_SECONDS = 60

# One round trip: remember that this reader saw this article (for an hour), and only if
# that is news, count the view under the article's slug and the day.
COUNT_ONCE = """
if redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then
    return redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
return 0
"""

articles = Article.__table__


def reader_key(viewer: User | None) -> str:
    """Return who is reading: a signed-in user's id, or a digest of an anonymous reader's
    address and browser (never stored as they are)."""
    if viewer is not None:
        return f"user:{viewer.id}"
    seen = f"{client_ip()}|{request.headers.get('User-Agent', '')}"
    return "anonymous:" + hashlib.sha256(seen.encode()).hexdigest()[:32]


def count_view(slug: str, viewer: User | None) -> None:
    """Count a read of the article with this slug, at most once an hour per reader."""
    client = redis_client.client
    if client is None or not redis_client.breaker.closed():
        return
    seen_key = f"{VIEW_PREFIX}seen:{slug}:{reader_key(viewer)}"
    field = f"{datetime.now(UTC).date().isoformat()}|{slug}"
    try:
        client.register_script(COUNT_ONCE)(keys=[seen_key, PENDING], args=[ONCE_PER_SECONDS, field])
    except RedisError as error:
        redis_client.breaker.trip("view count", error)


def counts_views(viewer_of: Callable[..., User | None]) -> Callable:
    """Count a read of the decorated article view's article when it answers 200, cached or
    not; viewer_of returns who reads, from the view's arguments."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code == 200:
                count_view(kwargs["slug"], viewer_of(*args, **kwargs))
            return response

        return wrapper

    return decorator


def flush_views() -> int:
    """Write the views counted in Redis to the database, if no other process is at it;
    return how many were written."""
    client = redis_client.client
    if client is None:
        return 0
    try:
        if not client.set(FLUSH_LOCK, 1, nx=True, ex=FLUSH_LOCK_SECONDS):
            return 0
        try:
            if not client.exists(FLUSHING) and client.exists(PENDING):
                client.rename(PENDING, FLUSHING)
            counted = client.hgetall(FLUSHING)
            written = _write(counted) if counted else 0
            client.delete(FLUSHING)
        finally:
            client.delete(FLUSH_LOCK)
    except RedisError as error:
        redis_client.breaker.trip("view flush", error)
        return 0
    return written


def _write(counted: dict) -> int:
    """Add counted views, keyed day|slug, to the articles' days and totals, in one
    transaction of its own: a batch is a write even when a read starts it."""
    views: Counter[tuple[str, date]] = Counter()
    for field, count in counted.items():
        day, _, slug = (field.decode() if isinstance(field, bytes) else field).partition("|")
        views[slug, date.fromisoformat(day)] += int(count)
    with db.engine.begin() as connection:
        ids = _article_ids(connection, [slug for slug, _day in views])
        known = [(ids[slug], day, count) for (slug, day), count in views.items() if slug in ids]
        days = [{"article_id": key, "day": day, "views": count} for key, day, count in known]
        totals: Counter[int] = Counter()
        for key, _day, count in known:
            totals[key] += count
        if days:
            connection.execute(_add_views(connection), days)
            connection.execute(
                update(articles)
                .where(articles.c.id == bindparam("article_id"))
                .values(views_count=articles.c.views_count + bindparam("added")),
                [{"article_id": key, "added": added} for key, added in totals.items()],
            )
    return sum(totals.values())


def _article_ids(connection: Connection, slugs: list[str]) -> dict[str, int]:
    """Return the ids of the articles with these slugs, now or before a new title, in one
    statement (no slug is both: a slug given up is never taken again)."""
    current = select(articles.c.slug, articles.c.id).where(articles.c.slug.in_(slugs))
    former = select(SlugRedirect.old_slug, SlugRedirect.article_id).where(
        SlugRedirect.old_slug.in_(slugs)
    )
    return dict(connection.execute(union_all(current, former)).all())


def _add_views(connection: Connection):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(article_views)
    return insert.on_conflict_do_update(
        index_elements=[article_views.c.article_id, article_views.c.day],
        set_={"views": article_views.c.views + insert.excluded.views},
    )


def popular_page(viewer: User | None, count: int = POPULAR_COUNT) -> ArticlePage:
    """Return the most read published articles of the last POPULAR_DAYS days, most read
    first, as viewer sees them."""
    page = ArticlePage.from_cache(_popular(count))
    show_to(viewer, page.articles)
    return page


@cache.cached(
    "popular", depends_on=(cache.ARTICLE_LISTS, cache.PROFILES), ttl=POPULAR_STALE_SECONDS
)
def _popular(count: int) -> dict:
    """Return the popular page in the JSON form the cache keeps, counting in the views
    that wait in Redis first."""
    flush_views()
    since = datetime.now(UTC).date() - timedelta(days=POPULAR_DAYS - 1)
    week = (
        select(article_views.c.article_id, func.sum(article_views.c.views).label("week_views"))
        .where(article_views.c.day >= since)
        .group_by(article_views.c.article_id)
        .subquery()
    )
    statement = (
        with_author_and_viewer_choices(articles, viewer_id_parameter(False))
        .join(week, week.c.article_id == articles.c.id)
        .where(listed(articles))
        .order_by(week.c.week_views.desc(), articles.c.published_at.desc(), articles.c.id.desc())
        .limit(count)
    )
    popular = [ArticleData.from_row(row) for row in db.session.execute(statement)]
    return orjson.loads(orjson.dumps(ArticlePage(popular, len(popular))))
