"""Views and popular articles: a read counts once per reader per hour in Redis, batches go
to PostgreSQL, and the week's most read published articles are listed, at most a minute
stale."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text

from app import cache, create_app
from app.articles.models import Article, article_views
from app.articles.popularity import FLUSHING, PENDING, flush_views
from app.extensions import db, redis_client
from config import TestingConfig

POPULAR = "/api/v1/articles/popular"


def pending() -> dict[str, int]:
    counted = redis_client.client.hgetall(PENDING)
    return {field.decode().partition("|")[2]: int(views) for field, views in counted.items()}


def read_as(client, slug: str, browser: str, headers: dict | None = None, page: bool = False):
    path = f"/article/{slug}" if page else f"/api/v1/articles/{slug}"
    return client.get(path, headers={"User-Agent": browser, **(headers or {})})


def stored_views() -> dict[int, int]:
    db.session.rollback()
    rows = db.session.execute(select(article_views.c.article_id, article_views.c.views))
    return dict(rows.all())


def views_count(article: Article) -> int:
    db.session.rollback()
    return db.session.scalar(select(Article.views_count).where(Article.id == article.id))


def test_a_read_counts_once_per_reader_per_hour(client, make_article, make_user, auth_headers):
    article = make_article()
    token = auth_headers(make_user())

    for _ in range(3):
        read_as(client, article.slug, "browser A")
    read_as(client, article.slug, "browser B", page=True)
    read_as(client, article.slug, "browser B")
    read_as(client, article.slug, "browser A", headers=token)
    read_as(client, article.slug, "browser C", headers=token)

    assert pending() == {article.slug: 3}


def test_a_cached_page_counts_and_a_missing_one_does_not(client, make_article):
    article = make_article()
    read_as(client, article.slug, "warms the cache", page=True)

    read_as(client, article.slug, "served from the cache", page=True)
    assert read_as(client, "no-such-article", "lost").status_code == 404

    assert pending() == {article.slug: 2}


def test_a_batch_writes_every_articles_views_in_three_statements(
    client, make_article, count_queries
):
    articles = [make_article() for _ in range(5)]
    for number, article in enumerate(articles):
        for reader in range(number + 1):
            read_as(client, article.slug, f"reader {reader}")

    with count_queries() as counter:
        written = flush_views()

    assert written == 15
    assert counter.count == 3  # the slugs' ids, the days' views, the totals
    assert stored_views() == {article.id: number + 1 for number, article in enumerate(articles)}
    assert [views_count(article) for article in articles] == [1, 2, 3, 4, 5]
    assert pending() == {}
    assert flush_views() == 0


def test_views_under_an_old_slug_go_to_the_renamed_article(
    client, make_user, make_article, auth_headers
):
    author = make_user()
    article = make_article(author, title="Old title")
    read_as(client, article.slug, "early reader")
    renamed = {"article": {"title": "New title"}}
    client.put(f"/api/v1/articles/{article.slug}", json=renamed, headers=auth_headers(author))
    read_as(client, "new-title", "late reader")

    assert flush_views() == 2

    assert stored_views() == {article.id: 2}


def test_a_batch_the_database_refused_is_written_by_the_next(client, make_article):
    article = make_article()
    read_as(client, article.slug, "first reader")
    with db.engine.begin() as connection:
        connection.execute(text(REFUSE_VIEWS))
    try:
        with pytest.raises(Exception, match="views refused"):
            flush_views()
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER refuse_views ON article_views"))
            connection.execute(text("DROP FUNCTION refuse_views()"))
    read_as(client, article.slug, "second reader")

    assert redis_client.client.exists(FLUSHING)
    assert flush_views() == 1  # the refused batch; the second reader's waits for the next
    assert flush_views() == 1
    assert stored_views() == {article.id: 2}


REFUSE_VIEWS = """
CREATE FUNCTION refuse_views() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'views refused'; END $$;
CREATE TRIGGER refuse_views BEFORE INSERT ON article_views
FOR EACH ROW EXECUTE FUNCTION refuse_views();
"""


def record_views(article: Article, views: int, days_ago: int = 0) -> None:
    day = datetime.now(UTC).date() - timedelta(days=days_ago)
    db.session.execute(insert(article_views).values(article_id=article.id, day=day, views=views))
    db.session.commit()
    cache.invalidate(cache.ARTICLE_LISTS)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [article["title"] for article in response.json["articles"]]


def test_popular_lists_the_weeks_most_read_published_articles(client, make_article):
    quiet, read, most_read = (make_article(title=title) for title in ("Quiet", "Read", "Most"))
    old_news = make_article(title="Old news")
    draft = make_article(title="Draft", published=False)
    record_views(read, 3)
    record_views(most_read, 2)
    record_views(most_read, 4, days_ago=6)
    record_views(old_news, 100, days_ago=7)
    record_views(draft, 50)

    response = client.get(POPULAR)

    assert titles(response) == ["Most", "Read"]
    assert response.json["articlesCount"] == 2
    assert quiet.title not in titles(response)


def test_popular_counts_in_the_views_waiting_in_redis(client, make_article):
    article = make_article(title="Just read")
    assert titles(client.get(POPULAR)) == []
    read_as(client, article.slug, "a reader")

    cache.invalidate(cache.ARTICLE_LISTS)  # or a minute passes

    assert titles(client.get(POPULAR)) == ["Just read"]
    assert pending() == {}


def test_popular_is_cached_at_most_a_minute_and_shows_the_readers_part(
    client, make_article, make_user, auth_headers
):
    reader = make_user()
    article = make_article()
    record_views(article, 1)
    client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(reader))

    anonymous = client.get(POPULAR).json["articles"][0]
    theirs = client.get(POPULAR, headers=auth_headers(reader)).json["articles"][0]

    [key] = redis_client.client.keys(f"{cache.KEY_PREFIX}popular:*")
    assert 0 < redis_client.client.ttl(key) <= 60
    assert anonymous["favorited"] is False
    assert theirs["favorited"] is True


def test_unpublishing_takes_an_article_off_popular_at_once(
    client, make_user, make_article, auth_headers
):
    author = make_user()
    article = make_article(author)
    record_views(article, 5)
    assert titles(client.get(POPULAR)) == [article.title]

    unpublish = {"article": {"published": False}}
    client.put(f"/api/v1/articles/{article.slug}", json=unpublish, headers=auth_headers(author))

    assert titles(client.get(POPULAR)) == []


def test_the_home_page_shows_popular_this_week(client, make_article):
    article = make_article(title="Everyone read this")
    record_views(article, 9)

    page = client.get("/").get_data(as_text=True)

    assert "Popular this week" in page
    assert 'data-testid="popular-article">Everyone read this<' in page


def test_without_redis_reads_are_served_and_popular_comes_from_the_database(make_article):
    config = TestingConfig()
    config.REDIS_URL = "redis://127.0.0.1:9/0"
    client = create_app(config).test_client()
    article = make_article(title="Still here")
    record_views(article, 1)

    assert read_as(client, article.slug, "a reader").status_code == 200
    assert titles(client.get(POPULAR)) == ["Still here"]


def test_the_views_command_flushes(app, client, make_article):
    article = make_article()
    read_as(client, article.slug, "a reader")

    result = app.test_cli_runner().invoke(args=["views", "flush"])

    assert result.exit_code == 0
    assert result.output == "Wrote 1 views.\n"
    assert stored_views() == {article.id: 1}
