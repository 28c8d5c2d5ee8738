"""What the database keeps (migrations 0006 and 0007: the counts, each article's tag names)
stays exact while writers create, retag and delete articles at once, sharing tags in every
order, and no write deadlocks on it."""

import random

from tests.faults.client import API, Traffic, call, register

WRITERS = 6
WORKERS = 3
RUN_SECONDS = 6
SHARED_TAGS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")


def write_articles(tokens: list[str], owned: list[list[str]]):
    """Return the script of each writer: create an article with shared tags in a random
    order, then retag one of its articles or delete one."""

    def script(traffic: Traffic, number: int, iteration: int) -> None:
        choices = random.Random(number * 1000 + iteration)
        token, mine = tokens[number], owned[number]
        tags = choices.sample(SHARED_TAGS, 4)
        title = f"Counted {number} {iteration}"
        article = {"title": title, "description": "d", "body": "b", "tagList": tags}
        reply = traffic.call("POST", f"{API}/articles", {"article": article}, token=token)
        if reply.status == 201:
            mine.append(reply.json["article"]["slug"])
        if len(mine) < 2:
            return
        slug = choices.choice(mine)
        if choices.random() < 0.5:
            retagged = {"article": {"tagList": choices.sample(SHARED_TAGS, 3)}}
            traffic.call("PUT", f"{API}/articles/{slug}", retagged, token=token)
        elif traffic.call("DELETE", f"{API}/articles/{slug}", token=token).status == 204:
            mine.remove(slug)

    return script


def test_what_is_kept_stays_exact_under_concurrent_creates_retags_and_deletes(
    postgres, database, redis_server, start_app
):
    app = start_app(postgres.url(database), redis_server.url, workers=WORKERS)
    tokens = [register(app.port, f"counter{number}") for number in range(WRITERS)]
    owned: list[list[str]] = [[] for _ in range(WRITERS)]
    traffic = Traffic(app.port, write_articles(tokens, owned), threads=WRITERS)

    with traffic:
        traffic.run_phase("writing", RUN_SECONDS)

    def rows(statement: str) -> list[tuple]:
        return postgres.query(statement, database)

    replies = traffic.in_phase("writing")
    assert not traffic.crashes
    assert [str(reply) for reply in replies if reply.status is None or reply.status >= 500] == []
    assert {reply.method for reply in replies if reply.status in (200, 204)} >= {"PUT", "DELETE"}
    articles = sum(len(mine) for mine in owned)
    assert articles > WRITERS
    assert rows("SELECT value, (SELECT count(*) FROM articles) FROM counters") == [
        (articles, articles)
    ]
    assert (
        rows(
            "SELECT name FROM tags WHERE articles_count <>"
            " (SELECT count(*) FROM article_tags WHERE tag_id = tags.id)"
        )
        == []
    )
    assert (
        rows(
            "SELECT slug FROM articles WHERE tag_names::text IS DISTINCT FROM"
            " (SELECT json_agg(tags.name ORDER BY tags.name)::text FROM article_tags"
            " JOIN tags ON tags.id = article_tags.tag_id WHERE article_id = articles.id)"
        )
        == []
    )
    assert_api_counts(app.port, rows, articles)


def assert_api_counts(port: int, rows, articles: int) -> None:
    assert call(port, "GET", f"{API}/articles?limit=1").json["articlesCount"] == articles
    for name, count in rows("SELECT name, articles_count FROM tags"):
        listed = call(port, "GET", f"{API}/articles?tag={name}&limit=1").json
        assert listed["articlesCount"] == count, name
