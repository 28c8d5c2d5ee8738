"""No data lost: clients writing at once, racing on the same articles, tags and keys, get an
answer for every write, and every write they were told succeeded is in the database. Then the
two races it found, replayed in process one step at a time."""

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import event, select

from app.articles import services
from app.articles.models import Article
from app.articles.tags import Tag
from app.extensions import db
from tests.faults.client import API, Reply, call, create_article, new_article, register

WRITERS = 8
WORKERS = 3
RUN_SECONDS = 8
BARRIER_SECONDS = 30
HOT_ARTICLES = 3


@dataclass
class Ledger:
    """Every reply, and the writes the app acknowledged with a 2xx."""

    replies: list[Reply] = field(default_factory=list)
    articles: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)
    comments: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    # (username, slug) -> favorited, as the last acknowledged favorite or unfavorite left it.
    favorites: dict[tuple[str, str], bool] = field(default_factory=dict)
    # (username, Idempotency-Key) -> the replies to the same create sent twice at once.
    keyed_creates: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)


@dataclass
class Writer:
    """One client thread: its own user, and a twin user it shares with another thread."""

    number: int
    username: str
    token: str
    twin: str
    twin_token: str


@dataclass
class Race:
    port: int
    writers: list[Writer]
    hot: list[str]
    ledger: Ledger
    deadline: float
    rounds: int = 0
    go_on: bool = True

    def __post_init__(self):
        self.barrier = threading.Barrier(len(self.writers), action=self._next_round)

    def _next_round(self) -> None:
        self.go_on = time.monotonic() < self.deadline
        if self.go_on:
            self.rounds += 1

    def run(self, writer: Writer) -> None:
        choices = random.Random(writer.number)
        try:
            for round_number in range(10_000):
                self.barrier.wait(timeout=BARRIER_SECONDS)
                if not self.go_on:
                    return
                self.twin_writes(writer, round_number)
                self.own_writes(writer, round_number, choices)
        except Exception as error:  # recorded, so that the test fails with it
            self.ledger.crashes.append(f"writer {writer.number}: {error!r}")
            self.barrier.abort()

    def twin_writes(self, writer: Writer, round_number: int) -> None:
        """Both threads of a pair, for their shared user and at the same moment: the same
        favorite (or unfavorite) of one article, and the same create with one
        Idempotency-Key."""
        slug = self.hot[0]
        method = "POST" if round_number % 2 == 0 else "DELETE"
        reply = self.call(method, f"{API}/articles/{slug}/favorite", token=writer.twin_token)
        if reply.status == 200:
            self.ledger.favorites[(writer.twin, slug)] = method == "POST"
        key = f"round-{round_number}"
        title = f"Twin {writer.twin} round {round_number}"
        reply = self.call(
            "POST",
            f"{API}/articles",
            new_article(title, ("twins",)),
            token=writer.twin_token,
            headers={"Idempotency-Key": key},
        )
        self.ledger.keyed_creates.setdefault((writer.twin, key), []).append(reply)

    def own_writes(self, writer: Writer, round_number: int, choices: random.Random) -> None:
        """An article with the round's title and a new tag, as every other writer is writing
        one; a comment on a hot article; a favorite or unfavorite of another."""
        title = f"Race {round_number}"
        tags = (f"race-{round_number}", "shared", f"writer-{writer.number}")
        reply = self.call("POST", f"{API}/articles", new_article(title, tags), token=writer.token)
        if reply.status == 201:
            slug = reply.json["article"]["slug"]
            self.ledger.articles[slug] = (title, writer.username, tuple(sorted(tags)))
        slug = self.hot[(round_number + writer.number) % len(self.hot)]
        body = f"Comment {round_number} by {writer.username}"
        payload = {"comment": {"body": body}}
        reply = self.call("POST", f"{API}/articles/{slug}/comments", payload, token=writer.token)
        if reply.status == 200:
            self.ledger.comments[reply.json["comment"]["id"]] = (slug, writer.username, body)
        slug = choices.choice(self.hot)
        method = choices.choice(("POST", "DELETE"))
        reply = self.call(method, f"{API}/articles/{slug}/favorite", token=writer.token)
        if reply.status == 200:
            self.ledger.favorites[(writer.username, slug)] = method == "POST"

    def call(self, method: str, path: str, payload: dict | None = None, **options) -> Reply:
        reply = call(self.port, method, path, payload, **options)
        self.ledger.replies.append(reply)
        return reply


def sign_up_writers(port: int) -> list[Writer]:
    names = [f"writer{number}" for number in range(WRITERS)]
    twins = [f"twin{number}" for number in range(WRITERS // 2)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        signed_up = pool.map(lambda name: register(port, name), names + twins)
        tokens = dict(zip(names + twins, signed_up, strict=True))
    return [
        Writer(number, name, tokens[name], twins[number // 2], tokens[twins[number // 2]])
        for number, name in enumerate(names)
    ]


def run_race(port: int) -> Race:
    writers = sign_up_writers(port)
    hot = [
        create_article(port, writers[0].token, f"Hot {number}") for number in range(HOT_ARTICLES)
    ]
    race = Race(port, writers, hot, Ledger(), deadline=time.monotonic() + RUN_SECONDS)
    threads = [threading.Thread(target=race.run, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RUN_SECONDS + BARRIER_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    return race


def unexpected(ledger: Ledger) -> list[str]:
    """Replies that are not a 2xx, except 409 to a create whose Idempotency-Key its twin
    request is still being served with."""
    in_progress = {
        id(reply)
        for replies in ledger.keyed_creates.values()
        for reply in replies
        if reply.status == 409
        and reply.json
        == {"errors": {"idempotency_key": ["is in use by a request still in progress"]}}
    }
    return [
        str(reply)
        for reply in ledger.replies
        if (reply.status is None or reply.status >= 300) and id(reply) not in in_progress
    ]


def test_every_acknowledged_concurrent_write_is_stored_exactly_once(
    postgres, database, redis_server, start_app
):
    app = start_app(postgres.url(database), redis_server.url, workers=WORKERS)
    race = run_race(app.port)
    ledger = race.ledger

    def rows(statement: str) -> list[tuple]:
        return postgres.query(statement, database)

    assert not ledger.crashes
    assert race.rounds >= 3
    assert unexpected(ledger) == []
    assert_articles_stored(ledger, race, rows)
    assert_keyed_creates_written_once(ledger, rows)
    assert_comments_stored(ledger, rows)
    assert_favorites_stored(ledger, rows)
    assert_favorites_counted(app.port, race, rows)


def assert_articles_stored(ledger: Ledger, race: Race, rows) -> None:
    stored = {
        slug: (title, username, tuple(sorted(tags or ())))
        for slug, title, username, tags in rows(
            "SELECT a.slug, a.title, u.username, array_agg(t.name) FILTER (WHERE t.id IS NOT NULL)"
            " FROM articles a JOIN users u ON u.id = a.author_id"
            " LEFT JOIN article_tags at ON at.article_id = a.id"
            " LEFT JOIN tags t ON t.id = at.tag_id"
            " GROUP BY a.id, a.slug, a.title, u.username"
        )
    }
    acknowledged = ledger.articles
    assert len(acknowledged) == race.rounds * len(race.writers)
    assert {slug: stored.get(slug) for slug in acknowledged} == acknowledged
    # Every round's writers all chose the same title at once: each still got a slug of its own.
    for round_number in range(race.rounds):
        same_title = [
            slug for slug, (title, *_) in acknowledged.items() if title == f"Race {round_number}"
        ]
        assert len(same_title) == len(race.writers)
    assert rows("SELECT slug FROM articles GROUP BY slug HAVING count(*) > 1") == []
    assert rows("SELECT name FROM tags GROUP BY name HAVING count(*) > 1") == []
    keyed = {title for (title,) in rows("SELECT title FROM articles WHERE title LIKE 'Twin %'")}
    assert len(stored) == len(race.hot) + len(acknowledged) + len(keyed)


def assert_keyed_creates_written_once(ledger: Ledger, rows) -> None:
    """Two creates with one Idempotency-Key: one article; both answers name it, or the
    later one says the first is still in progress (409)."""
    by_title = Counter(
        title for (title,) in rows("SELECT title FROM articles WHERE title LIKE 'Twin %'")
    )
    for (twin, key), replies in ledger.keyed_creates.items():
        round_number = key.removeprefix("round-")
        assert by_title[f"Twin {twin} round {round_number}"] == 1
        created = [reply for reply in replies if reply.status == 201]
        assert len(replies) == 2
        assert created
        assert len({reply.json["article"]["slug"] for reply in created}) == 1
    assert sum(by_title.values()) == len(ledger.keyed_creates)


def assert_comments_stored(ledger: Ledger, rows) -> None:
    stored = {
        comment_id: (slug, username, body)
        for comment_id, slug, username, body in rows(
            "SELECT c.id, a.slug, u.username, c.body FROM comments c"
            " JOIN articles a ON a.id = c.article_id JOIN users u ON u.id = c.author_id"
        )
    }
    assert ledger.comments
    assert stored == ledger.comments


def assert_favorites_stored(ledger: Ledger, rows) -> None:
    stored = rows(
        "SELECT u.username, a.slug FROM favorites f"
        " JOIN users u ON u.id = f.user_id JOIN articles a ON a.id = f.article_id"
    )
    expected = {pair for pair, favorited in ledger.favorites.items() if favorited}
    assert len(stored) == len(set(stored))
    assert set(stored) == expected


def assert_favorites_counted(port: int, race: Race, rows) -> None:
    """favoritesCount, as the API shows it, is the number of rows for every article."""
    counts = dict(
        rows(
            "SELECT a.slug, count(f.user_id) FROM articles a"
            " LEFT JOIN favorites f ON f.article_id = a.id GROUP BY a.slug"
        )
    )
    shown = {}
    for slug in race.hot:
        reply = call(port, "GET", f"{API}/articles/{slug}")
        shown[slug] = reply.json["article"]["favoritesCount"]
    assert shown == {slug: counts[slug] for slug in race.hot}
    # The hot articles' author's list holds them, and the rest of that author's articles.
    author = race.writers[0].username
    reply = call(port, "GET", f"{API}/articles?author={author}&limit=100")
    listed = {article["slug"]: article["favoritesCount"] for article in reply.json["articles"]}
    assert set(race.hot) <= set(listed)
    assert listed == {slug: counts[slug] for slug in listed}


# The races, in process: each step of the losing request, with the winner's commit between.


def test_a_slug_taken_after_it_was_chosen_is_chosen_again_keeping_the_idempotency_key(
    client, auth_headers, make_user, make_article, monkeypatch
):
    """Another request commits the same slug between this one's choice and its insert; the
    retry happens in a savepoint, so the Idempotency-Key's record survives it."""
    author = make_user()
    make_article(title="Same title")
    choose = services.unique_slug
    chosen = iter(["same-title"])
    monkeypatch.setattr(
        services,
        "unique_slug",
        lambda title, **options: next(chosen, None) or choose(title, **options),
    )
    headers = {**auth_headers(author), "Idempotency-Key": "once"}

    first = client.post("/api/v1/articles", json=new_article("Same title"), headers=headers)
    again = client.post("/api/v1/articles", json=new_article("Same title"), headers=headers)

    assert first.status_code == 201, first.json
    slug = first.json["article"]["slug"]
    assert slug.startswith("same-title-")
    assert (again.status_code, again.json) == (201, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    slugs = db.session.scalars(select(Article.slug).order_by(Article.id)).all()
    assert slugs == ["same-title", slug]


def test_a_tag_another_request_creates_meanwhile_is_found_not_inserted_twice(make_user):
    """Another request commits the same new tag just after this one looked it up."""
    raced = []

    def commit_the_same_tag_first(_connection, _cursor, statement, *_args) -> None:
        if not raced and statement.startswith("SELECT tags.id"):
            raced.append(statement)
            with db.engine.begin() as winner:
                winner.execute(Tag.__table__.insert().values(name="brand-new"))

    fields = {
        "title": "Tagged",
        "description": "d",
        "body": "b",
        "tag_list": ["brand-new"],
        "published": True,
    }
    event.listen(db.engine, "after_cursor_execute", commit_the_same_tag_first)
    try:
        article = services.create_article(make_user(), fields)
    finally:
        event.remove(db.engine, "after_cursor_execute", commit_the_same_tag_first)

    assert raced
    assert article.tag_names == ["brand-new"]
    assert db.session.scalars(select(Tag.name)).all() == ["brand-new"]


def test_a_rename_to_a_slug_taken_meanwhile_chooses_another(
    client, auth_headers, make_user, make_article, monkeypatch
):
    """Another request commits the same slug between this rename's choice and its update."""
    author = make_user()
    make_article(title="Taken title")
    renamed = make_article(author, title="Old title")
    choose = services.unique_slug
    chosen = iter(["taken-title"])
    monkeypatch.setattr(
        services,
        "unique_slug",
        lambda title, **options: next(chosen, None) or choose(title, **options),
    )

    response = client.put(
        f"/api/v1/articles/{renamed.slug}",
        json={"article": {"title": "Taken title", "body": "New body"}},
        headers=auth_headers(author),
    )

    assert response.status_code == 200, response.json
    article = response.json["article"]
    assert article["slug"].startswith("taken-title-")
    assert (article["title"], article["body"]) == ("Taken title", "New body")
    assert client.get("/article/old-title").headers["Location"].endswith(article["slug"])
