"""sitemap.xml (the sitemaps.org protocol) and the robots.txt that names it."""

import re
from datetime import UTC, datetime, timedelta
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

from app.articles.sitemap import SITEMAP_MAX_URLS, sitemap_entries
from app.users import services as users

START = datetime(2026, 1, 1, tzinfo=UTC)
SITE = "http://localhost"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# The W3C Datetime profile of ISO 8601 the protocol asks for, down to fractions of a second.
W3C_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def read_sitemap(client) -> dict[str, str]:
    """Return the sitemap's URLs and their lastmod, once it has passed the protocol's checks."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    urlset = ElementTree.fromstring(response.data)
    assert urlset.tag == SITEMAP + "urlset"
    urls = {}
    for url in urlset:
        assert url.tag == SITEMAP + "url"
        location, modified = url.findtext(SITEMAP + "loc"), url.findtext(SITEMAP + "lastmod")
        assert location.startswith(f"{SITE}/")
        assert W3C_DATETIME.fullmatch(modified), modified
        urls[location] = modified
    return urls


def test_the_sitemap_lists_every_article_and_every_author(client, make_user, make_article):
    ada = make_user("ada")
    first = make_article(ada, title="First", created_at=START)
    second = make_article(ada, title="Second", created_at=START + timedelta(1))
    make_user("reader")

    urls = read_sitemap(client)

    assert urls == {
        f"{SITE}/article/{first.slug}": "2026-01-01T00:00:00.000Z",
        f"{SITE}/article/{second.slug}": "2026-01-02T00:00:00.000Z",
        f"{SITE}/profile/ada": urls[f"{SITE}/profile/ada"],
    }


def test_a_profile_changed_when_its_user_or_their_latest_article_did(db, make_user, make_article):
    ada = make_user("ada")
    ada.updated_at = START + timedelta(3)
    make_article(ada, created_at=START + timedelta(1))
    edited = make_article(ada, created_at=START)
    edited.updated_at = START + timedelta(7)
    db.session.commit()
    ben = make_user("ben")
    ben.updated_at = START + timedelta(9)
    make_article(ben, created_at=START)
    db.session.commit()

    profiles = {entry.name: entry for entry in sitemap_entries() if entry.kind == "profile"}

    assert profiles["ada"].modified_at == START + timedelta(7)
    assert profiles["ben"].modified_at == START + timedelta(9)


def test_a_deactivated_author_leaves_the_sitemap_but_their_articles_stay(
    client, make_user, make_article
):
    ada = make_user("ada")
    article = make_article(ada)
    read_sitemap(client)

    users.deactivate(ada)
    urls = read_sitemap(client)

    assert f"{SITE}/profile/ada" not in urls
    assert f"{SITE}/article/{article.slug}" in urls


def test_past_its_limit_the_sitemap_keeps_the_newest(make_user, make_article):
    old_author, new_author = make_user("old"), make_user("new")
    oldest = make_article(old_author, created_at=START)
    older = make_article(new_author, created_at=START + timedelta(1))
    newest = make_article(new_author, created_at=START + timedelta(2))

    newest_first = [
        ("article", newest.slug),
        ("profile", "new"),
        ("article", older.slug),
        ("article", oldest.slug),
        ("profile", "old"),
    ]

    assert SITEMAP_MAX_URLS == 50_000
    assert [(entry.kind, entry.name) for entry in sitemap_entries()] == newest_first
    assert [(entry.kind, entry.name) for entry in sitemap_entries(limit=3)] == newest_first[:3]


def test_the_sitemap_is_cached_until_an_article_or_a_profile_changes(
    client, make_user, make_article, count_queries
):
    ada = make_user("ada")
    make_article(ada)
    read_sitemap(client)

    with count_queries() as cached:
        read_sitemap(client)
    make_article(ada, title="Another")
    users.update_settings(ada, {"username": "ada2"})
    urls = read_sitemap(client)

    assert cached.count == 0
    assert len(urls) == 3
    assert f"{SITE}/profile/ada2" in urls


def test_an_empty_site_has_an_empty_valid_sitemap(client):
    assert read_sitemap(client) == {}


def test_robots_txt_allows_the_public_pages_and_names_the_sitemap(client, make_article):
    article = make_article()
    response = client.get("/robots.txt")
    robots = RobotFileParser()
    robots.parse(response.get_data(as_text=True).splitlines())

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert robots.site_maps() == [f"{SITE}/sitemap.xml"]
    for public in (
        "/",
        "/?tag=python",
        f"/article/{article.slug}",
        "/profile/ada",
        "/articles.atom",
        "/sitemap.xml",
    ):
        assert robots.can_fetch("AnyBot", f"{SITE}{public}"), public
    for private in (
        "/editor",
        f"/editor/{article.slug}",
        "/settings",
        "/feed",
        "/login",
        "/login?next=/editor",
        "/register",
    ):
        assert not robots.can_fetch("AnyBot", f"{SITE}{private}"), private


def test_drafts_and_authors_of_only_drafts_stay_out_of_the_sitemap(client, make_user, make_article):
    ada, ben = make_user("ada"), make_user("ben")
    published = make_article(ada, title="Out there")
    draft = make_article(ada, title="Not yet", published=False)
    make_article(ben, title="Ben's secret", published=False)

    urls = read_sitemap(client)

    assert f"{SITE}/article/{published.slug}" in urls
    assert f"{SITE}/article/{draft.slug}" not in urls
    assert f"{SITE}/profile/ada" in urls
    assert f"{SITE}/profile/ben" not in urls
