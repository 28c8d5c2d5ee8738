"""What the database keeps as rows change: the count of every article and each tag's
articles (migration 0006), and on each article its favorites' count and its tags' names
(0007). The lists and articles read them instead of counting and gathering rows."""

from sqlalchemy import insert, select, text, update

from app.articles.models import ARTICLES_COUNTER, Article, article_tags, counters, favorites
from app.articles.tags import Tag
from app.cache import articles_changed
from app.extensions import db

articles = Article.__table__


def kept_counts() -> tuple[int | None, dict[str, int]]:
    db.session.rollback()  # read what is committed now
    total = db.session.scalar(select(counters.c.value).where(counters.c.name == ARTICLES_COUNTER))
    return total, dict(db.session.execute(select(Tag.name, Tag.articles_count)).all())


def test_creating_retagging_and_deleting_through_the_api_keep_the_counts(
    client, make_user, auth_headers
):
    headers = auth_headers(make_user())
    slugs = []
    for tags in (["a", "b"], ["b", "c"], ["c"]):
        article = {"title": "-".join(tags), "description": "d", "body": "b", "tagList": tags}
        created = client.post("/api/v1/articles", json={"article": article}, headers=headers)
        assert created.status_code == 201
        slugs.append(created.json["article"]["slug"])
    assert kept_counts() == (3, {"a": 1, "b": 2, "c": 2})

    retagged = {"article": {"tagList": ["c", "d"]}}
    retag = client.put(f"/api/v1/articles/{slugs[0]}", json=retagged, headers=headers)
    assert retag.status_code == 200
    assert client.delete(f"/api/v1/articles/{slugs[1]}", headers=headers).status_code == 204

    assert kept_counts() == (2, {"a": 0, "b": 0, "c": 2, "d": 1})


def test_a_many_row_insert_counts_every_row_and_truncation_resets(make_user, make_article):
    tagged = make_article(tags=["many"])
    author_id = tagged.author_id
    rows = [
        {"slug": f"many-{n}", "title": "t", "description": "d", "body": "b", "author_id": author_id}
        for n in range(50)
    ]
    ids = db.session.scalars(insert(Article).returning(Article.id), rows).all()
    tag_id = db.session.scalar(select(Tag.id).where(Tag.name == "many"))
    db.session.execute(insert(article_tags), [{"article_id": i, "tag_id": tag_id} for i in ids])
    db.session.commit()
    assert kept_counts() == (51, {"many": 51})

    db.session.execute(text("TRUNCATE articles CASCADE"))
    db.session.commit()

    assert kept_counts() == (0, {"many": 0})


def test_the_whole_list_and_a_tag_list_answer_the_kept_counts(client, make_article):
    article = make_article(tags=["kept"])
    db.session.execute(update(counters).values(value=41))
    db.session.execute(update(Tag).values(articles_count=7))
    db.session.commit()
    articles_changed(article.slug)

    def count_of(query: str) -> int:
        return client.get(f"/api/v1/articles?limit=1{query}").json["articlesCount"]

    assert count_of("") == 41
    assert count_of("&tag=kept") == 7
    assert count_of("&tag=unknown") == 0
    # The other filters are counted from the rows.
    assert count_of(f"&author={article.author.username}") == 1
    assert count_of(f"&tag=kept&author={article.author.username}") == 1


def test_the_tags_in_use_are_the_kept_counts_above_zero(client, make_article):
    make_article(tags=["rare", "common"])
    make_article(tags=["common"])
    db.session.execute(update(Tag).where(Tag.name == "rare").values(articles_count=5))
    db.session.execute(insert(Tag).values(name="unused"))
    db.session.commit()

    assert client.get("/api/v1/tags").json == {"tags": ["rare", "common"]}


def kept_on_articles() -> dict[str, tuple[int, list[str]]]:
    db.session.rollback()
    rows = db.session.execute(
        select(articles.c.slug, articles.c.favorites_count, articles.c.tag_names)
    )
    return {slug: (count, sorted(names or ())) for slug, count, names in rows}


def test_favorites_and_retags_through_the_api_keep_each_articles_count_and_names(
    client, make_user, make_article, auth_headers
):
    article = make_article(tags=["one", "two"])
    other = make_article()
    readers = [auth_headers(make_user()) for _ in range(3)]
    for headers in readers:
        client.post(f"/api/v1/articles/{article.slug}/favorite", headers=headers)
    client.delete(f"/api/v1/articles/{article.slug}/favorite", headers=readers[0])
    retagged = {"article": {"tagList": ["two", "three"]}}
    author = auth_headers(article.author)
    retag = client.put(f"/api/v1/articles/{article.slug}", json=retagged, headers=author)
    assert retag.status_code == 200

    assert kept_on_articles() == {article.slug: (2, ["three", "two"]), other.slug: (0, [])}
    answered = client.get(f"/api/v1/articles/{article.slug}").json["article"]
    assert (answered["favoritesCount"], answered["tagList"]) == (2, ["three", "two"])


def test_a_favorited_articles_deletion_and_a_truncation_leave_the_others_right(
    client, make_user, make_article, auth_headers
):
    kept, gone = make_article(tags=["kept"]), make_article(tags=["kept"])
    fan = make_user()
    for article in (kept, gone):
        db.session.execute(insert(favorites).values(user_id=fan.id, article_id=article.id))
    db.session.commit()
    deleted = client.delete(f"/api/v1/articles/{gone.slug}", headers=auth_headers(gone.author))
    assert deleted.status_code == 204
    assert kept_on_articles() == {kept.slug: (1, ["kept"])}

    db.session.execute(text("TRUNCATE favorites"))
    db.session.commit()

    assert kept_on_articles() == {kept.slug: (0, ["kept"])}


def test_lists_and_articles_answer_what_is_kept_on_the_article(client, make_article):
    article = make_article(tags=["real"])
    db.session.execute(update(articles).values(favorites_count=9, tag_names=["kept", "names"]))
    db.session.commit()
    articles_changed(article.slug)

    listed = client.get("/api/v1/articles").json["articles"][0]
    one = client.get(f"/api/v1/articles/{article.slug}").json["article"]

    for answered in (listed, one):
        assert (answered["favoritesCount"], answered["tagList"]) == (9, ["kept", "names"])
