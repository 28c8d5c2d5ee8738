"""Redis goes away under load: the cache and the rate limits fail open, /readyz says so, and
everything is back to normal when Redis returns, without restarting the app."""

from tests.faults.client import API, Reply, Traffic, call, create_article, new_article, register
from tests.faults.servers import Gunicorn, RedisServer, wait_for

OUTAGE_SECONDS = 2.5
RECOVERY_SECONDS = 15
# A stalled Redis costs a request its client's short timeouts (well under a second); the
# rest is headroom for a busy test machine. A hang would take the client's 5 s and fail.
REQUEST_SECONDS = 3.0
# What the app writes to Redis once it uses it again: rate-limit counters and cache entries.
RATE_LIMIT_KEYS = "*writes/user/*"
CACHE_KEYS = "conduit:v*:*"


def reads_and_writes(tokens: list[str], slugs: list[str]):
    """Return a traffic script: list, read, write, favorite and unfavorite, tags, a page."""

    def script(traffic: Traffic, number: int, iteration: int) -> None:
        token = tokens[number]
        slug = slugs[iteration % len(slugs)]
        traffic.call("GET", f"{API}/articles?limit=5")
        traffic.call("GET", f"{API}/articles/{slug}", token=token)
        title = f"During {traffic.phase} {number}-{iteration}"
        traffic.call("POST", f"{API}/articles", new_article(title, ("seed",)), token=token)
        method = "POST" if iteration % 2 == 0 else "DELETE"
        traffic.call(method, f"{API}/articles/{slug}/favorite", token=token)
        traffic.call("GET", f"{API}/tags")
        traffic.call("GET", "/")

    return script


def readiness(app: Gunicorn) -> Reply:
    return call(app.port, "GET", "/readyz")


def ready_again(app: Gunicorn) -> bool:
    """True once several probes in a row (so most likely every worker) say ready."""
    return all(readiness(app).status == 200 for _ in range(6))


def keys(redis: RedisServer, pattern: str) -> list[bytes]:
    client = redis.client()
    try:
        return list(client.scan_iter(match=pattern, count=1000))
    finally:
        client.close()


def used_again(redis: RedisServer) -> bool:
    return bool(keys(redis, RATE_LIMIT_KEYS)) and bool(keys(redis, CACHE_KEYS))


def start_with_articles(start_app, postgres, database, redis) -> tuple[Gunicorn, list, list]:
    app = start_app(postgres.url(database), redis.url)
    tokens = [register(app.port, f"reader{number}") for number in range(2)]
    slugs = [
        create_article(app.port, tokens[0], f"Seed {number}", ("seed",)) for number in range(3)
    ]
    return app, tokens, slugs


def failures(replies: list[Reply]) -> list[str]:
    return [str(reply) for reply in replies if reply.status is None or reply.status >= 300]


def created_slugs(replies: list[Reply]) -> set[str]:
    return {
        reply.json["article"]["slug"]
        for reply in replies
        if reply.method == "POST" and reply.path == f"{API}/articles" and reply.status == 201
    }


def assert_every_created_article_stored(postgres, database, replies: list[Reply]) -> None:
    stored = {slug for (slug,) in postgres.query("SELECT slug FROM articles", database)}
    acknowledged = created_slugs(replies)
    assert acknowledged
    assert acknowledged <= stored


def assert_listing_matches_database(app: Gunicorn, postgres, database) -> None:
    """The cached list must show what the database holds: nothing stale survives the outage."""
    ((count,),) = postgres.query("SELECT count(*) FROM articles", database)
    reply = call(app.port, "GET", f"{API}/articles?limit=1")
    assert reply.json["articlesCount"] == count, str(reply)


def test_a_redis_outage_costs_no_request_and_the_app_recovers_without_a_restart(
    postgres, database, redis_server, start_app
):
    app, tokens, slugs = start_with_articles(start_app, postgres, database, redis_server)

    with Traffic(app.port, reads_and_writes(tokens, slugs)) as traffic:
        traffic.run_phase("before", 1.0)
        traffic.phase = "outage"
        redis_server.stop()
        during_outage = readiness(app)
        traffic.run_phase("outage", OUTAGE_SECONDS)
        redis_server.start()
        traffic.phase = "recovery"
        wait_for(lambda: ready_again(app), RECOVERY_SECONDS, "/readyz answering 200 again")
        traffic.run_phase("after", 1.0)
        wait_for(lambda: used_again(redis_server), RECOVERY_SECONDS, "the app using Redis again")

    assert not traffic.crashes
    assert failures([reply for _phase, reply in traffic.replies]) == []
    outage = traffic.in_phase("outage")
    assert len(outage) >= 12
    assert len(created_slugs(outage)) >= 2
    assert max(reply.seconds for reply in outage) < REQUEST_SECONDS
    assert during_outage.status == 503
    assert during_outage.json == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "error: ConnectionError"},
    }
    assert readiness(app).json == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}
    assert app.process.poll() is None
    assert_every_created_article_stored(postgres, database, [r for _p, r in traffic.replies])
    assert_listing_matches_database(app, postgres, database)
    assert_outage_logged_as_warnings(app)


def assert_outage_logged_as_warnings(app: Gunicorn) -> None:
    """The outage shows in the log as warnings from the breaker the cache and the limits
    share and from the probe, each one line, never as a traceback or an error."""
    log = app.log()
    records = app.log_records()
    warned_by = {record["logger"] for record in records if record["level"] == "WARNING"}
    assert {"app.extensions", "app.web.health"} <= warned_by
    assert [record for record in records if record["level"] in {"ERROR", "CRITICAL"}] == []
    assert not [record for record in records if "exc_info" in record]
    assert "Traceback" not in log


def test_a_stalled_redis_costs_requests_a_short_timeout_not_a_hang(
    postgres, database, redis_server, start_app
):
    app, tokens, slugs = start_with_articles(start_app, postgres, database, redis_server)

    with Traffic(app.port, reads_and_writes(tokens, slugs)) as traffic:
        traffic.run_phase("before", 0.5)
        traffic.phase = "stalled"
        redis_server.freeze()
        try:
            during_stall = readiness(app)
            traffic.run_phase("stalled", OUTAGE_SECONDS)
        finally:
            redis_server.thaw()
        traffic.phase = "recovery"
        wait_for(lambda: ready_again(app), RECOVERY_SECONDS, "/readyz answering 200 again")
        traffic.run_phase("after", 0.5)

    assert not traffic.crashes
    assert failures([reply for _phase, reply in traffic.replies]) == []
    stalled = traffic.in_phase("stalled")
    assert len(stalled) >= 12
    assert len(created_slugs(stalled)) >= 2
    assert max(reply.seconds for reply in stalled) < REQUEST_SECONDS
    assert during_stall.status == 503
    assert during_stall.json["checks"] == {"database": "ok", "redis": "error: TimeoutError"}
    assert_every_created_article_stored(postgres, database, [r for _p, r in traffic.replies])
    wait_for(
        lambda: listing_matches_database(app, postgres, database),
        RECOVERY_SECONDS,
        "the article list showing every article",
    )
    assert "Traceback" not in app.log()


def listing_matches_database(app: Gunicorn, postgres, database) -> bool:
    try:
        assert_listing_matches_database(app, postgres, database)
    except AssertionError:
        return False
    return True


def test_an_app_started_while_redis_is_down_serves_and_uses_redis_once_it_is_up(
    postgres, database, redis_server, start_app
):
    redis_server.stop()
    app = start_app(postgres.url(database), redis_server.url)
    token = register(app.port, "early")
    slug = create_article(app.port, token, "Before Redis", ("seed",))
    assert call(app.port, "GET", f"{API}/articles/{slug}").status == 200

    redis_server.start()
    wait_for(lambda: ready_again(app), RECOVERY_SECONDS, "/readyz answering 200")

    def cached_again() -> bool:
        call(app.port, "GET", f"{API}/articles?limit=5")
        return bool(keys(redis_server, CACHE_KEYS))

    wait_for(cached_again, RECOVERY_SECONDS, "the cache storing entries")
    assert app.process.poll() is None
    assert_listing_matches_database(app, postgres, database)
