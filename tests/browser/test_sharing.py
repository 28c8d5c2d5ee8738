"""What a browser, a feed reader and a search engine find in the pages' heads, in Chromium:
the feed links, canonical URLs and sharing tags, and the feed, sitemap and robots.txt they
lead to."""

from xml.etree import ElementTree

import feedparser
import pytest
from playwright.sync_api import Page

from tests import factories

TITLE = "Tides & <moons>"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(db) -> dict:
    """ada's published article, tagged, and her draft."""
    ada = factories.make_user("ada")
    article = factories.make_article(ada, title=TITLE, tags=["sea"], description="Why water moves")
    draft = factories.make_article(ada, title="Unfinished", published=False)
    return {"slug": article.slug, "draft_slug": draft.slug}


def _head_link(page: Page, rel: str) -> str | None:
    return page.locator(f'head link[rel="{rel}"]').first.get_attribute("href")


def _meta(page: Page, name: str) -> str | None:
    return page.locator(
        f'head meta[property="{name}"], head meta[name="{name}"]'
    ).first.get_attribute("content")


def test_a_reader_follows_the_heads_to_the_feed_the_sitemap_and_robots(site, new_page):
    page = new_page()
    page.goto("/")
    feed_url = page.locator('head link[type="application/atom+xml"]').get_attribute("href")

    feed = feedparser.parse(page.request.get(feed_url).body())
    assert feed.bozo == 0
    assert [entry.title for entry in feed.entries] == [TITLE]

    page.locator('[data-testid="article-link"]').first.click()
    canonical = _head_link(page, "canonical")
    assert canonical == page.url
    assert _meta(page, "og:title") == TITLE
    assert _meta(page, "og:description") == "Why water moves"
    assert _meta(page, "og:url") == canonical
    assert _meta(page, "article:tag") == "sea"
    assert _meta(page, "twitter:card") == "summary"

    sitemap = ElementTree.fromstring(page.request.get("/sitemap.xml").body())
    locations = {url.findtext(SITEMAP + "loc") for url in sitemap}
    assert canonical in locations
    assert not any(site["draft_slug"] in location for location in locations)

    robots = page.request.get("/robots.txt").text()
    assert "Disallow: /editor" in robots
    assert f"Sitemap: {canonical.split('/article/')[0]}/sitemap.xml" in robots
