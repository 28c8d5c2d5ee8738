"""`make bench`: Conduit under load, with the cache on and off, against a bare WSGI baseline.

`python -m bench.run`, from `make bench` once PostgreSQL and Redis are up and the environment
names them (DATABASE_URL, REDIS_URL) and the production configuration (CONDUIT_CONFIG,
SECRET_KEY, rate limits high enough never to refuse): seeds the standard dataset, then for
each cache mode serves the app with gunicorn (gunicorn.conf.py, production configuration)
beside the bare baseline (bench/bare.py, same gunicorn settings), drives every endpoint with
wrk, counts the SQL statements each endpoint runs once warm, and reads the workers' memory.
Prints a table and writes bench/results.json.

Each endpoint is measured for BENCH_DURATION seconds in BENCH_ROUNDS rounds, after a
BENCH_WARMUP; a compared endpoint's rounds alternate with its bare counterpart's (the home
page's with the anonymous list's, whose rate it is a share of), each figure is the median
of its rounds, and its ratio the median of the rounds' ratios to the round just before, so
that both sides see the machine alike even when its speed drifts during the run (it does,
on a shared host). BENCH_THREADS (2) and
BENCH_CONNECTIONS (32) tune wrk; WEB_CONCURRENCY and GUNICORN_THREADS tune gunicorn as in
production.
"""

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg2
from redis import Redis
from sqlalchemy import event, func, select

from app import create_app
from app.articles.models import Article
from app.commands.seed import DEMO_PASSWORD
from app.extensions import db
from app.users.models import User, follows
from config import config_from_environment

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results.json"
# A results.json of an earlier run (another commit's, on the same machine) to hold this run's
# signed-in reads to: each at least SIGNED_IN_SHARE of its ratio there.
BEFORE = os.environ.get("BENCH_BEFORE")
SIGNED_IN_READS = ("list, token", "feed")
SIGNED_IN_SHARE = 0.8
DURATION = int(os.environ.get("BENCH_DURATION", 15))
WARMUP = int(os.environ.get("BENCH_WARMUP", 5))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
THREADS = int(os.environ.get("BENCH_THREADS", 2))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 32))
TIMEOUT_SECONDS = 30
SETTLE_SECONDS = 120
APP_PORT = int(os.environ.get("BENCH_APP_PORT", 8401))
BARE_PORT = int(os.environ.get("BENCH_BARE_PORT", 8402))
STANDARD_DATASET = [
    "--users", "50", "--articles", "1000", "--tags-per-article", "3",
    "--favorites", "2000", "--comments", "2000", "--follows", "200",
]  # fmt: skip
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Endpoint:
    name: str
    path: str
    method: str = "GET"
    token: bool = False
    script: str | None = None
    baseline: str | None = None  # the bare endpoint it is compared with
    share_of: str | None = None  # or the endpoint whose rate it is a share of
    read: bool = True


ENDPOINTS = [
    Endpoint("list", "/api/v1/articles", baseline="list"),
    Endpoint("list, token", "/api/v1/articles", token=True, baseline="list"),
    Endpoint("feed", "/api/v1/articles/feed", token=True, baseline="list"),
    Endpoint("article", "/api/v1/articles/{slug}", baseline="article"),
    Endpoint("tags", "/api/v1/tags"),
    Endpoint("search", "/api/v1/articles?q=postgresql"),
    Endpoint("popular", "/api/v1/articles/popular"),
    Endpoint("home page", "/", share_of="list"),
    Endpoint("article page", "/article/{slug}"),
    Endpoint("create article", "/api/v1/articles", "POST", True, "create_article.lua", read=False),
    Endpoint("login", "/api/v1/users/login", "POST", script="login.lua", read=False),
]
BARE_ENDPOINTS = {"list": "/api/v1/articles", "article": "/api/v1/articles/{slug}"}


@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    statements: int | None = None
    baseline: dict | None = None
    ratio: float | None = None


def prepare_database() -> None:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, check=True)
    subprocess.run([*flask, "seed", *STANDARD_DATASET], cwd=ROOT, check=True)
    record_views()
    vacuum()


def record_views() -> None:
    """Give a fifth of the articles views over the last week, for the popular list."""
    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO article_views (article_id, day, views)"
            " SELECT id, current_date - id % 7, id % 50 + 1 FROM articles WHERE id % 5 = 0"
            " ON CONFLICT DO NOTHING"
        )
    connection.close()


def vacuum() -> None:
    """Bring the planner's statistics and the visibility map up to date, as autovacuum would."""
    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def bench_app(cache_enabled: bool):
    config = config_from_environment()
    config.CACHE_ENABLED = cache_enabled
    # In this process only to count statements: its request lines would drown the table.
    config.LOG_LEVEL = "WARNING"
    return create_app(config)


def pick_reader_and_article(app) -> tuple[str, str]:
    """Return the email of the user who follows the most authors, and an article's slug."""
    with app.app_context():
        reader_id = db.session.scalar(
            select(follows.c.follower_id)
            .group_by(follows.c.follower_id)
            .order_by(func.count().desc(), follows.c.follower_id)
        )
        email = db.session.get(User, reader_id).email
        slug = db.session.scalar(select(Article.slug).order_by(Article.id))
        return email, slug


def login(base: str, email: str) -> str:
    body = json.dumps({"user": {"email": email, "password": DEMO_PASSWORD}}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/users/login", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["user"]["token"]


def count_statements(app, endpoint: Endpoint, url: str, headers: dict, email: str) -> int:
    """Return the statements one request runs once warm (a second identical request)."""
    counted: list[str] = []
    client = app.test_client()
    body = None
    if endpoint.script == "login.lua":
        body = {"user": {"email": email, "password": DEMO_PASSWORD}}
    elif endpoint.script == "create_article.lua":
        body = {"article": {"title": f"Counted {time.time_ns()}", "description": "d", "body": "b"}}
    with app.app_context():
        engines = list(db.engines.values())
    client.open(url, method=endpoint.method, headers=headers, json=body)
    if body and "article" in body:
        body["article"]["title"] += " again"

    def count(_connection, _cursor, statement, *_args) -> None:
        counted.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.open(url, method=endpoint.method, headers=headers, json=body)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    assert response.status_code < 300, (url, response.status_code, response.get_data())
    return len(counted)


def start_gunicorn(target: str, port: int, log: Path, **env: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind"]
    command += [f"127.0.0.1:{port}"]
    with log.open("w") as output:
        server = subprocess.Popen(
            [*command, target],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/articles?limit=1", timeout=2)
            return server
        except OSError:
            assert server.poll() is None, log.read_text()
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start on port {port}:\n{log.read_text()}")


def settle(base: str) -> None:
    """Wait for the requests wrk left queued (sign-ins take a while) to be served, so that
    they weigh on neither the next measurement nor the memory reading."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        started = time.monotonic()
        urllib.request.urlopen(f"{base}/api/v1/articles?limit=1", timeout=SETTLE_SECONDS).read()
        if time.monotonic() - started < 0.1:
            return
    raise RuntimeError(f"the server at {base} was still busy after {SETTLE_SECONDS}s")


def worker_rss_mb(server: subprocess.Popen) -> list[float]:
    output = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout
    return sorted(round(int(kb) / 1024, 1) for kb in output.split())


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)


def wrk(url: str, headers: dict, script: str | None, seconds: int, **env: str) -> str:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    # A slow answer (a sign-in hashes on purpose) is latency, not a socket error.
    command += ["--timeout", f"{TIMEOUT_SECONDS}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(BENCH / script)]
    return subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env={**os.environ, **env}
    ).stdout


@dataclass
class Target:
    """What wrk drives: a URL, with its headers, script and the script's environment."""

    url: str
    headers: dict
    script: str | None = None
    env: dict | None = None

    def run(self, seconds: int) -> str:
        return wrk(self.url, self.headers, self.script, seconds, **(self.env or {}))

    def settle(self) -> None:
        settle(self.url[: self.url.index("/", len("http://"))])


def figures_of(output: str) -> Figures:
    latencies = {match[0]: float(match[1]) * UNITS[match[2]] for match in LATENCY.findall(output)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non_2xx[1]) if non_2xx else 0
    errors += sum(int(count) for count in sockets.groups()) if sockets else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return Figures(rps, latencies["50"], latencies["99"], errors)


def median_of(rounds: list[Figures]) -> Figures:
    """Return each figure's median over the rounds; errors are summed."""
    return Figures(
        rps=statistics.median(figures.rps for figures in rounds),
        p50_ms=statistics.median(figures.p50_ms for figures in rounds),
        p99_ms=statistics.median(figures.p99_ms for figures in rounds),
        errors=sum(figures.errors for figures in rounds),
    )


def measure(*targets: Target) -> list[list[Figures]]:
    """Warm each target up, then measure them in turn, ROUNDS times, for DURATION seconds in
    all; return each target's rounds."""
    for target in targets:
        target.run(WARMUP)
        target.settle()
    rounds: list[list[Figures]] = [[] for _ in targets]
    seconds = max(1, round(DURATION / ROUNDS))
    for _ in range(ROUNDS):
        for target, measured in zip(targets, rounds, strict=True):
            measured.append(figures_of(target.run(seconds)))
            target.settle()
    return rounds


def paired_ratio(rounds: list[Figures], other_rounds: list[Figures]) -> float:
    """Return the median of each round's rate over the other round's just before it: each
    pair ran seconds apart, so the machine's drift during the run cancels out of it."""
    ratios = [ours.rps / other.rps for ours, other in zip(rounds, other_rounds, strict=True)]
    return round(statistics.median(ratios), 2)


def run_mode(cache_enabled: bool, email: str, slug: str, run_name: str):
    """Return each endpoint's figures and the workers' memory with the cache on or off.

    The baseline serves beside Conduit, idle while Conduit is measured; a compared endpoint's
    rounds alternate with its bare counterpart's, or with those of the endpoint it is a
    share of.
    """
    flush_redis()
    app = bench_app(cache_enabled)
    database = os.environ["DATABASE_URL"]
    bare_log, log = BENCH / f".bare-{run_name}.log", BENCH / f".conduit-{run_name}.log"
    bare = start_gunicorn("bench.bare:app", BARE_PORT, bare_log, BARE_DATABASE_URL=database)
    server = start_gunicorn("wsgi:app", APP_PORT, log, CACHE_ENABLED="1" if cache_enabled else "0")
    base, bare_base = f"http://127.0.0.1:{APP_PORT}", f"http://127.0.0.1:{BARE_PORT}"
    token = login(base, email)
    env = {"BENCH_EMAIL": email, "BENCH_PASSWORD": DEMO_PASSWORD, "BENCH_RUN": run_name}

    def target_of(endpoint: Endpoint) -> Target:
        headers = {"Authorization": f"Token {token}"} if endpoint.token else {}
        return Target(base + endpoint.path.format(slug=slug), headers, endpoint.script, env)

    results = {}
    try:
        for endpoint in ENDPOINTS:
            conduit = target_of(endpoint)
            path, headers = endpoint.path.format(slug=slug), conduit.headers
            if endpoint.baseline:
                bare_path = BARE_ENDPOINTS[endpoint.baseline].format(slug=slug)
                bare_rounds, rounds = measure(Target(f"{bare_base}{bare_path}", {}), conduit)
                figures = median_of(rounds)
                figures.baseline = asdict(median_of(bare_rounds))
                figures.ratio = paired_ratio(rounds, bare_rounds)
            elif endpoint.share_of:
                whole = next(other for other in ENDPOINTS if other.name == endpoint.share_of)
                whole_rounds, rounds = measure(target_of(whole), conduit)
                figures = median_of(rounds)
                figures.ratio = paired_ratio(rounds, whole_rounds)
            else:
                (rounds,) = measure(conduit)
                figures = median_of(rounds)
            figures.statements = count_statements(app, endpoint, path, headers, email)
            results[endpoint.name] = figures
        rss = worker_rss_mb(server)
    finally:
        stop(server)
        stop(bare)
        remove_bench_articles()
    return results, rss


def flush_redis() -> None:
    Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def remove_bench_articles() -> None:
    """Delete what `create article` wrote, so every run reads the same dataset."""
    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles WHERE title LIKE 'Bench %' OR title LIKE 'Counted %'")
        cursor.execute("DELETE FROM tags WHERE name IN ('bench', 'wrk')")
        cursor.execute("VACUUM ANALYZE articles")
    connection.close()


def check_targets(
    mode: str, results: dict[str, Figures], rss: list[float], before: dict | None
) -> list[str]:
    """Return the targets this mode missed: the anonymous list against the bare baseline, and
    with a run to compare with, the signed-in reads against their ratios there."""
    wanted = {"list": 1.5 if mode == "cache on" else 0.6}
    if before is not None and mode == "cache on":
        earlier = before[mode]["endpoints"]
        wanted |= {
            name: round(SIGNED_IN_SHARE * earlier[name]["ratio"], 2) for name in SIGNED_IN_READS
        }
    missed = [
        f"{name}: {results[name].ratio}x < {ratio}x"
        for name, ratio in wanted.items()
        if results[name].ratio < ratio
    ]
    for endpoint in ENDPOINTS:
        figures = results[endpoint.name]
        if endpoint.read and figures.p99_ms > 3 * figures.p50_ms:
            missed.append(f"{endpoint.name}: p99 {figures.p99_ms} ms > 3 x p50 {figures.p50_ms}")
        if figures.errors:
            missed.append(f"{endpoint.name}: {figures.errors} errors")
    missed += [f"worker at {mb} MB >= 120 MB" for mb in rss if mb >= 120]
    return missed


def table(report: dict) -> str:
    lines = [
        f"wrk -t{THREADS} -c{CONNECTIONS}, {DURATION}s in {ROUNDS} rounds (after {WARMUP}s "
        "warm-up), medians; "
        f"gunicorn workers={report['gunicorn']['workers']} threads={report['gunicorn']['threads']}",
        "ratio: median of the rounds' ratios to the bare round before each (bare rps: the bare "
        "rounds' median); home page: to the anonymous list's round before each",
    ]
    before = report.get("before")
    header = (
        f"{'':16}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'SQL':>5}"
        f"{'bare rps':>10}{'ratio':>7}" + (f"{'before':>8}" if before else "")
    )
    for mode in ("cache off", "cache on"):
        run_report = report[mode]
        lines += ["", f"{mode.upper()}  (workers' RSS after the run: {run_report['rss_mb']} MB)"]
        lines.append(header)
        for name, figures in run_report["endpoints"].items():
            ratio = "" if figures["ratio"] is None else f"{figures['ratio']:.2f}x"
            bare = "" if figures["baseline"] is None else f"{figures['baseline']['rps']:.1f}"
            line = (
                f"{name:16}{figures['rps']:>9.1f}{figures['p50_ms']:>9.2f}"
                f"{figures['p99_ms']:>9.2f}{figures['errors']:>8}{figures['statements']:>5}"
                f"{bare:>10}{ratio:>7}"
            )
            earlier = before and before[mode]["endpoints"].get(name, {}).get("ratio")
            lines.append(line + (f"{earlier:>7.2f}x" if earlier else ""))
        lines.append("missed: " + ("; ".join(run_report["missed"]) or "nothing"))
    return "\n".join(lines)


def main() -> None:
    prepare_database()
    email, slug = pick_reader_and_article(bench_app(False))
    gunicorn = {
        "workers": os.environ.get("WEB_CONCURRENCY") or "gunicorn.conf.py default",
        "threads": os.environ.get("GUNICORN_THREADS") or "1",
    }
    report = {"gunicorn": gunicorn, "duration_s": DURATION, "warmup_s": WARMUP, "rounds": ROUNDS}
    before = json.loads(Path(BEFORE).read_text()) if BEFORE else None
    for mode, cache_enabled in (("cache off", False), ("cache on", True)):
        print(f"== {mode}", flush=True)
        results, rss = run_mode(cache_enabled, email, slug, mode.replace(" ", "-"))
        report[mode] = {
            "endpoints": {name: asdict(figures) for name, figures in results.items()},
            "rss_mb": rss,
            "missed": check_targets(mode, results, rss, before),
        }
    if before is not None:
        report["before"] = {mode: before[mode] for mode in ("cache off", "cache on")}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
