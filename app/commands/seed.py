"""`flask seed`: realistic demo content, written in bulk so that large datasets are quick.

On PostgreSQL the rows go in with COPY (100,000 articles with 2 KB bodies in seconds); on
SQLite with multi-row INSERTs.
"""

import csv
import io
import random
from contextlib import closing
from datetime import timedelta

import click
from flask.cli import with_appcontext
from slugify import slugify
from sqlalchemy import Table, func, insert, select

from app.articles.comments.models import Comment
from app.articles.models import Article, article_tags, favorites
from app.articles.services import word_count
from app.articles.tags import Tag
from app.database import utcnow
from app.extensions import db
from app.users.models import User, follows, hash_password

DEMO_PASSWORD = "conduit-demo"
BATCH_SIZE = 5_000

TOPICS = [
    "python",
    "flask",
    "postgresql",
    "redis",
    "testing",
    "design",
    "careers",
    "devops",
    "security",
    "performance",
    "javascript",
    "css",
    "accessibility",
    "databases",
    "apis",
    "writing",
    "productivity",
    "open-source",
    "architecture",
    "caching",
    "linux",
    "git",
    "docker",
    "observability",
    "sql",
    "typing",
    "refactoring",
    "mentoring",
    "startups",
    "ux",
]
FIRST_NAMES = [
    "ada",
    "grace",
    "alan",
    "linus",
    "margaret",
    "ken",
    "barbara",
    "guido",
    "radia",
    "edsger",
    "frances",
    "donald",
    "katherine",
    "john",
    "hedy",
    "dennis",
    "sophie",
    "tim",
    "annie",
    "vint",
]
OPENINGS = [
    "What I learned shipping",
    "A practical guide to",
    "Why we stopped worrying about",
    "Ten mistakes I made with",
    "The quiet power of",
    "Notes on",
    "Getting started with",
    "Lessons from a year of",
    "How we scaled",
    "Rethinking",
]
SENTENCES = [
    "The first version worked, which was exactly the problem.",
    "Measure before you optimise, and measure again after.",
    "Small, boring steps beat one clever leap almost every time.",
    "Our logs told a different story from our dashboards.",
    "Reading the documentation twice saved us a week.",
    "Tests that fail for the right reason are worth more than coverage.",
    "We wrote the runbook before the incident, not during it.",
    "Naming things well turned out to be most of the design.",
    "The database was fine; the query was not.",
    "Every cache needs a plan for the day it is wrong.",
]
COMMENTS = [
    "Great write-up, thanks for sharing!",
    "We hit the same issue last month. Your fix is cleaner than ours.",
    "Could you expand on the testing part?",
    "This matches my experience exactly.",
    "Bookmarked. The section on trade-offs is gold.",
    "I disagree with one point, but the rest is spot on.",
]


def _paragraphs(rng: random.Random, count: int) -> str:
    return "\n\n".join(" ".join(rng.sample(SENTENCES, 6)) for _ in range(count))


def _markdown_body(rng: random.Random, topic: str) -> str:
    """Return about 2 KB of markdown: headings, paragraphs, a list and a code block."""
    steps = "\n".join(f"- {sentence}" for sentence in rng.sample(SENTENCES, 3))
    return (
        f"## Why {topic}\n\n{_paragraphs(rng, 2)}\n\n## What we did\n\n{steps}\n\n"
        f"```python\nprint('hello, {topic}')\n```\n\n"
        f"## What we learned\n\n{_paragraphs(rng, 3)}\n\n> {rng.choice(SENTENCES)}\n"
    )


def _copy(table: Table, batch: list[dict]) -> None:
    """Write batch with PostgreSQL's COPY: every value quoted, so "" stays an empty string,
    but in the columns where the batch holds a None, which COPY reads as NULL there."""
    columns = list(batch[0])
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows(
        [row[column] for column in columns] for row in batch
    )
    buffer.seek(0)
    nulls = [column for column in columns if any(row[column] is None for row in batch)]
    options = f", FORCE_NULL ({', '.join(nulls)})" if nulls else ""
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{options})"
    with closing(db.session.connection().connection.cursor()) as cursor:
        cursor.copy_expert(statement, buffer)


def _insert(table: Table, batch: list[dict]) -> None:
    db.session.execute(insert(table), batch)


def _insert_in_batches(table: Table, rows: list[dict], label: str) -> None:
    write = _copy if db.session.get_bind().dialect.name == "postgresql" else _insert
    with click.progressbar(length=len(rows), label=label) as progress:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            write(table, batch)
            progress.update(len(batch))


def _next_number(id_column) -> int:
    """Return the number to continue from: ids only grow, so deleted rows free no name."""
    return db.session.scalar(select(func.max(id_column))) or 0


def _seed_users(count: int) -> list[int]:
    password_hash = hash_password(DEMO_PASSWORD)
    now = utcnow()
    offset = _next_number(User.id)
    rows = []
    for number in range(offset, offset + count):
        name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]}{number // len(FIRST_NAMES) or ''}"
        rows.append(
            {
                "username": name,
                "email": f"{name}@example.com",
                "password_hash": password_hash,
                "bio": f"Writes about software. Demo account #{number + 1}.",
                "image": "",
                # example.com receives no mail: demo accounts count as verified.
                "email_verified_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    _insert_in_batches(User.__table__, rows, "users")
    return list(db.session.scalars(select(User.id).order_by(User.id)))


def _seed_tags() -> list[int]:
    missing = set(TOPICS) - set(db.session.scalars(select(Tag.name)))
    if missing:
        db.session.execute(insert(Tag.__table__), [{"name": name} for name in sorted(missing)])
    return list(db.session.scalars(select(Tag.id).where(Tag.name.in_(TOPICS))))


def _seed_articles(
    rng: random.Random, count: int, author_ids: list[int], *, published: bool = True
) -> list[int]:
    """Insert count articles, published or drafts, and return the ids of the new ones only."""
    now = utcnow()
    offset = _next_number(Article.id)
    rows = []
    for number in range(offset, offset + count):
        topic = rng.choice(TOPICS)
        title = f"{rng.choice(OPENINGS)} {topic} #{number + 1}"
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        body = _markdown_body(rng, topic)
        rows.append(
            {
                "slug": slugify(title),
                "title": title,
                "description": rng.choice(SENTENCES),
                "body": body,
                "author_id": rng.choice(author_ids),
                "created_at": created,
                "updated_at": created,
                "published": published,
                "published_at": created if published else None,
                "word_count": word_count(body),
            }
        )
    label = "articles" if published else "drafts"
    _insert_in_batches(Article.__table__, rows, label)
    return list(db.session.scalars(select(Article.id).where(Article.id > offset)))


def _existing_pairs(table) -> set[tuple]:
    return {tuple(row) for row in db.session.execute(select(*table.primary_key.columns))}


def _pairs(
    rng: random.Random,
    count: int,
    left: list[int],
    right: list[int],
    *,
    taken: set[tuple],
    distinct: bool = False,
) -> set[tuple]:
    """Return up to count random (left, right) pairs not in taken; distinct rules out (x, x)."""
    self_pairs = len(set(left) & set(right)) if distinct else 0
    wanted = min(count, len(left) * len(right) - self_pairs - len(taken))
    pairs: set[tuple] = set()
    while len(pairs) < wanted:
        pair = (rng.choice(left), rng.choice(right))
        if pair not in taken and not (distinct and pair[0] == pair[1]):
            pairs.add(pair)
    return pairs


@click.command("seed")
@click.option("--users", default=20, show_default=True, help="Users to create.")
@click.option("--articles", default=100, show_default=True, help="Articles to create.")
@click.option("--tags-per-article", default=3, show_default=True)
@click.option("--favorites", "favorite_count", default=300, show_default=True)
@click.option("--comments", "comment_count", default=300, show_default=True)
@click.option("--follows", "follow_count", default=60, show_default=True)
@click.option(
    "--drafts", "draft_count", default=0, show_default=True, help="Drafts of the first user."
)
@click.option("--random-seed", default=2026, show_default=True, help="Same seed, same content.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users already.")
@with_appcontext
def seed_command(
    users,
    articles,
    tags_per_article,
    favorite_count,
    comment_count,
    follow_count,
    draft_count,
    random_seed,
    if_empty,
):
    """Fill the database with demo users, articles, tags, favorites, comments and follows,
    and drafts of the first user's.

    Every demo user's password is "conduit-demo".
    """
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("The database has users already; not seeding.")
        return
    rng = random.Random(random_seed)
    user_ids = _seed_users(users)
    tag_ids = _seed_tags()
    new_article_ids = _seed_articles(rng, articles, user_ids)
    new_article_ids += _seed_articles(rng, draft_count, user_ids[:1], published=False)
    article_ids = list(db.session.scalars(select(Article.id).where(Article.published)))
    tag_rows = [
        {"article_id": article_id, "tag_id": tag_id}
        for article_id in new_article_ids
        for tag_id in rng.sample(tag_ids, min(tags_per_article, len(tag_ids)))
    ]
    _insert_in_batches(article_tags, tag_rows, "tags")
    favorite_rows = [
        {"user_id": user_id, "article_id": article_id}
        for user_id, article_id in _pairs(
            rng, favorite_count, user_ids, article_ids, taken=_existing_pairs(favorites)
        )
    ]
    _insert_in_batches(favorites, favorite_rows, "favorites")
    follow_rows = [
        {"follower_id": follower, "followed_id": followed}
        for follower, followed in _pairs(
            rng, follow_count, user_ids, user_ids, taken=_existing_pairs(follows), distinct=True
        )
    ]
    _insert_in_batches(follows, follow_rows, "follows")
    now = utcnow()
    comment_rows = [
        {
            "body": rng.choice(COMMENTS),
            "article_id": rng.choice(article_ids),
            "author_id": rng.choice(user_ids),
            "created_at": now,
            "updated_at": now,
        }
        for _ in range(comment_count)
    ]
    _insert_in_batches(Comment.__table__, comment_rows, "comments")
    db.session.commit()
    click.echo(
        f"Seeded {users} users, {articles} articles, {len(favorite_rows)} favorites, "
        f"{comment_count} comments and {len(follow_rows)} follows. "
        f'Sign in as {FIRST_NAMES[0]}@example.com with password "{DEMO_PASSWORD}".'
    )
