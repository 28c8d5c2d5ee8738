"""Do the list queries and the search hold at scale? The app's own page, count and search
statements, timed on the standard dataset and on a large one.

    python -m bench.scale [--explain]

DATABASE_URL names a PostgreSQL server (`make bench` starts one; see bench/README.md); the
databases conduit_scale_small and conduit_scale_large are created, migrated and seeded there
the first time (the large one in about half a minute). Each time is PostgreSQL's execution
time (EXPLAIN ANALYZE), the median of RUNS runs; the target is a large-dataset time within
1.5x of the small one. --explain prints the large dataset's plans.
"""

import os
import statistics
import subprocess
import sys
from urllib.parse import urlsplit

import psycopg2
from sqlalchemy import func, select

from app import create_app
from app.articles import search
from app.articles.models import Article, article_tags, favorites
from app.articles.reads import listing_count, page_statement
from app.articles.tags import Tag
from app.extensions import db
from app.users.models import User, follows
from config import config_from_environment, psycopg2_url

RUNS = 15
TARGET = 1.5
# Below this difference, in ms, a ratio is the clock's noise: a count read from one row
# takes a few microseconds either way.
NOISE_MS = 0.05
DATASETS = {
    "small": ["--users", "50", "--articles", "1000", "--favorites", "2000",
              "--comments", "2000", "--follows", "200"],
    "large": ["--users", "10000", "--articles", "100000", "--favorites", "200000",
              "--comments", "300000", "--follows", "50000"],
}  # fmt: skip
FILTERS = ("global", "tag", "author", "favorited", "feed")
# What the seeded articles hold: a word of a title of every tenth (OPENINGS), a topic of a
# thirtieth (TOPICS), and a word of the sentences every body is made of (SENTENCES).
SEARCHES = {"rare": "worrying postgresql", "topic": "postgresql", "common": "database"}
articles, tags, users = Article.__table__, Tag.__table__, User.__table__


def database_url(name: str) -> str:
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


def sql(url: str, *statements: str) -> list:
    """Run statements outside a transaction (VACUUM needs that); return the last one's rows."""
    connection = psycopg2.connect(url)
    connection.autocommit = True
    rows = []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
    connection.close()
    return rows


def prepare(dataset: str) -> str:
    """Return the URL of the dataset's database, creating and seeding it the first time."""
    name = f"conduit_scale_{dataset}"
    url = database_url(name)
    if not sql(database_url("postgres"), f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        sql(database_url("postgres"), f"CREATE DATABASE {name}")
    env = {**os.environ, "DATABASE_URL": url}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    if not sql(url, "SELECT 1 FROM articles LIMIT 1"):
        print(f"seeding the {dataset} dataset", flush=True)
        subprocess.run([*flask, "seed", *DATASETS[dataset]], env=env, check=True)
    return url


def most(column, group) -> select:
    """Return the select of the value of column with the most rows in its group."""
    return select(column).group_by(group).order_by(func.count().desc(), group).limit(1)


def filter_values() -> dict[str, dict]:
    """Return, per list, the filters of its busiest case: the most used tag, the most
    prolific author, the keenest favoriter, the reader who follows the most."""
    tag = db.session.scalar(
        most(tags.c.name, tags.c.name).join(article_tags, article_tags.c.tag_id == tags.c.id)
    )
    author = db.session.scalar(
        most(users.c.username, users.c.username).join(articles, articles.c.author_id == users.c.id)
    )
    fan = db.session.scalar(
        most(users.c.username, users.c.username).join(favorites, favorites.c.user_id == users.c.id)
    )
    reader = db.session.scalar(most(follows.c.follower_id, follows.c.follower_id))
    return {
        "global": {},
        "tag": {"tag": tag},
        "author": {"author": author},
        "favorited": {"favorited_by": fan},
        "feed": {"feed_of": reader},
    }


def statements(filters: dict) -> dict:
    """Return the page statement (which carries the list's count) and the count alone."""
    page = page_statement(frozenset(filters), False)
    count = listing_count(**filters)
    return {"page": (page, {**filters, "limit": 20, "offset": 0}), "count": (count, filters)}


def search_statements() -> dict:
    """Return a search's page (with its count) for a word few articles hold, one a topic's
    share of them holds, and one nearly all of them do."""
    page = search.postgresql_statement(frozenset(), False)
    return {
        f"search {name}": (page, {"q": words, "limit": 20, "offset": 0})
        for name, words in SEARCHES.items()
    }


def execution_ms(statement, parameters: dict, *, explain: bool = False) -> float:
    compiled = statement.compile(dialect=db.engine.dialect)
    text = str(compiled)
    values = {**compiled.params, **parameters}
    connection = db.session.connection().connection.dbapi_connection
    times = []
    with connection.cursor() as cursor:
        for _ in range(RUNS + 2):
            cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + text, values)
            times.append(cursor.fetchone()[0][0]["Execution Time"])
        if explain:
            cursor.execute("EXPLAIN ANALYZE " + text, values)
            print("\n".join(row[0] for row in cursor.fetchall()), "\n")
    return statistics.median(times[2:])


def measure(url: str, explain: bool) -> dict[str, float]:
    sql(url, "VACUUM ANALYZE")
    config = config_from_environment()
    config.SQLALCHEMY_DATABASE_URI = psycopg2_url(url)
    app = create_app(config)
    results = {}
    with app.app_context():
        timed = {
            f"{name} {kind}": measured
            for name, filters in filter_values().items()
            for kind, measured in statements(filters).items()
        }
        for name, (statement, parameters) in {**timed, **search_statements()}.items():
            if explain:
                print(f"-- {name}")
            results[name] = execution_ms(statement, parameters, explain=explain)
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    explain = "--explain" in sys.argv
    urls = {dataset: prepare(dataset) for dataset in DATASETS}
    timings = {
        dataset: measure(urls[dataset], explain and dataset == "large") for dataset in DATASETS
    }
    print(f"PostgreSQL execution time, ms (median of {RUNS}); ratio = large / small")
    print(f"{'':18}{'small':>10}{'large':>10}{'ratio':>10}")
    missed = []
    for query, small in timings["small"].items():
        large = timings["large"][query]
        mark = "" if large <= TARGET * small or large - small < NOISE_MS else " !"
        if mark:
            missed.append(query)
        print(f"{query:18}{small:>10.3f}{large:>10.3f}{large / small:>8.1f}x{mark:1}")
    print(f"! : more than {TARGET}x its small-dataset time, and {NOISE_MS} ms more")
    print("missed: " + (", ".join(missed) or "nothing"))


if __name__ == "__main__":
    main()
