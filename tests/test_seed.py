import pytest
from sqlalchemy import func, select

from app.articles.comments.models import Comment
from app.articles.models import Article, article_tags, counters, favorites
from app.articles.tags import Tag
from app.commands.seed import DEMO_PASSWORD, TOPICS
from app.extensions import db
from app.users.models import User, follows

SMALL = {
    "--users": 5,
    "--articles": 8,
    "--tags-per-article": 2,
    "--favorites": 10,
    "--comments": 7,
    "--follows": 6,
}


@pytest.fixture
def seed(app):
    runner = app.test_cli_runner()

    def run(*extra: str, **counts: int):
        options = {**SMALL, **{f"--{name}": value for name, value in counts.items()}}
        args = ["seed", *(str(part) for item in options.items() for part in item), *extra]
        result = runner.invoke(args=args)
        assert result.exception is None, result.output
        assert result.exit_code == 0
        db.session.expire_all()
        return result

    return run


def rows_in(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def test_seed_creates_the_requested_content(seed):
    result = seed()

    assert rows_in(User) == 5
    assert rows_in(Article) == 8
    assert set(db.session.scalars(select(Tag.name))) == set(TOPICS)
    assert rows_in(article_tags) == 8 * 2
    assert rows_in(favorites) == 10
    assert rows_in(Comment) == 7
    assert rows_in(follows) == 6
    assert "Seeded 5 users, 8 articles" in result.output


def test_seeded_articles_each_carry_the_requested_number_of_tags(seed):
    seed()

    tags_per_article = db.session.scalars(
        select(func.count()).select_from(article_tags).group_by(article_tags.c.article_id)
    ).all()
    assert tags_per_article == [2] * 8


def test_seeded_users_never_follow_themselves(seed):
    seed(follows=20)

    assert rows_in(follows) == 20
    pairs = db.session.execute(select(follows.c.follower_id, follows.c.followed_id)).all()
    assert all(follower != followed for follower, followed in pairs)


def test_seeded_users_count_as_verified(seed):
    seed(users=3)

    assert all(user.email_verified for user in db.session.scalars(select(User)))


def test_seed_caps_pairs_at_what_is_possible(seed):
    seed(users=2, articles=1, favorites=50, follows=50)

    assert rows_in(favorites) == 2
    assert rows_in(follows) == 2


def test_seed_if_empty_does_nothing_when_users_exist(seed, make_user):
    make_user("existing")

    result = seed("--if-empty")

    assert "not seeding" in result.output
    assert rows_in(User) == 1
    assert rows_in(Article) == 0
    assert rows_in(Tag) == 0


def test_seed_if_empty_seeds_an_empty_database(seed):
    seed("--if-empty")

    assert rows_in(User) == 5
    assert rows_in(Article) == 8


def test_seeding_twice_adds_more_content(seed):
    seed()
    seed()

    assert rows_in(User) == 10
    assert rows_in(Article) == 16
    assert rows_in(Tag) == len(TOPICS)
    assert rows_in(article_tags) == 16 * 2
    assert db.session.scalar(select(counters.c.value)) == 16
    assert sum(db.session.scalars(select(Tag.articles_count))) == 16 * 2
    assert rows_in(favorites) == 20
    assert rows_in(Comment) == 14
    assert rows_in(follows) == 12


def test_seeding_again_after_deleting_a_seeded_user_adds_fresh_users(seed):
    seed()
    first_user = db.session.scalar(select(User).order_by(User.id))
    db.session.delete(first_user)
    db.session.commit()

    seed()

    assert rows_in(User) == 9
    assert rows_in(Article) > 0


def test_demo_password_signs_in_through_the_api(seed, client):
    seed()
    demo_user = db.session.scalar(select(User).order_by(User.id))

    response = client.post(
        "/api/v1/users/login",
        json={"user": {"email": demo_user.email, "password": DEMO_PASSWORD}},
    )

    assert response.status_code == 200
    assert response.json["user"]["username"] == demo_user.username
    assert response.json["user"]["token"]


def test_seeded_content_is_served_by_the_api(seed, client):
    seed()

    articles = client.get("/api/v1/articles?limit=100")
    tags = client.get("/api/v1/tags")

    assert articles.status_code == 200
    assert articles.json["articlesCount"] == 8
    assert tags.status_code == 200
    assert set(tags.json["tags"]) <= set(TOPICS)
    assert tags.json["tags"]
