"""The Atom feeds of the article lists, read with a feed reader's parser (feedparser) and
checked against RFC 4287's rules with an XML parser."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote
from xml.etree import ElementTree

import feedparser
import pytest

from app.users import services as users

START = datetime(2026, 1, 1, tzinfo=UTC)
SITE = "http://localhost"
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_TITLE = """</title><script>alert("t")</script> & 'quotes' <b>bold</b> 🚀"""
HOSTILE_TAG = '"/><category term="x'
ONCE = ("id", "title", "updated")


def published(element, name: str) -> datetime:
    """Return the RFC 3339 date in element's child `name`, which must name its offset."""
    moment = datetime.fromisoformat(element.findtext(ATOM + name))
    assert moment.tzinfo is not None
    return moment


def links(element) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in element.findall(ATOM + "link")}


def assert_atom_rules(document: bytes) -> None:
    """Check what RFC 4287 requires of a feed and its entries, as far as XML shows it."""
    feed = ElementTree.fromstring(document)
    assert feed.tag == ATOM + "feed"
    for name in ONCE:
        assert len(feed.findall(ATOM + name)) == 1, name
    published(feed, "updated")
    assert links(feed)["self"].startswith(SITE)
    assert links(feed)["alternate"].startswith(SITE)
    entries = feed.findall(ATOM + "entry")
    for entry in entries:
        for name in (*ONCE, "published", "summary"):
            assert len(entry.findall(ATOM + name)) == 1, name
        assert published(entry, "published") <= published(entry, "updated")
        assert entry.findtext(f"{ATOM}author/{ATOM}name")
        assert entry.findtext(f"{ATOM}author/{ATOM}uri").startswith(SITE)
        assert links(entry)["alternate"].startswith(SITE)
    assert len({entry.findtext(ATOM + "id") for entry in entries}) == len(entries)


def read_feed(client, url: str):
    """Return the feed at url as feedparser reads it, once it has passed the checks."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert_atom_rules(response.data)
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def feed_links(feed) -> dict[str, str]:
    return {link.rel: link.href for link in feed.feed.links}


def tag_in(url: str, expected_address: str) -> str:
    """Return the one tag url's query names, once its address is the one expected."""
    address, _, query = url.partition("?")
    assert address == expected_address
    (tag,) = parse_qs(query, strict_parsing=True)["tag"]
    return tag


def article_url(article) -> str:
    return f"{SITE}/article/{article.slug}"


def test_the_global_feed_holds_the_newest_twenty_articles_newest_first(
    client, make_user, make_article
):
    author = make_user("ada")
    written = [
        make_article(author, title=f"Number {number}", created_at=START + timedelta(number))
        for number in range(22)
    ]

    feed = read_feed(client, "/articles.atom")

    newest = written[:1:-1]
    assert [entry.title for entry in feed.entries] == [article.title for article in newest]
    assert [entry.link for entry in feed.entries] == [article_url(article) for article in newest]
    assert feed.feed.title == "Conduit: global feed"
    assert feed.feed.id == f"{SITE}/articles.atom"
    assert feed_links(feed) == {"self": f"{SITE}/articles.atom", "alternate": f"{SITE}/"}
    assert feed.feed.generator == "Conduit"


def test_an_entry_carries_its_author_dates_summary_and_tags(client, make_user, make_article):
    author = make_user("ada")
    article = make_article(
        author, description="Why it matters", tags=["python", "flask"], created_at=START
    )

    entry = read_feed(client, "/articles.atom").entries[0]

    assert entry.author_detail.name == "ada"
    assert entry.author_detail.href == f"{SITE}/profile/ada"
    assert entry.summary == "Why it matters"
    assert [tag.term for tag in entry.tags] == ["flask", "python"]
    assert entry.published == "2026-01-01T00:00:00.000Z"
    assert entry.updated == "2026-01-01T00:00:00.000Z"
    assert entry.id == f"tag:localhost,2026-01-01:article:{article.id}"


def test_the_feed_was_updated_when_its_latest_entry_was(client, make_article, db):
    make_article(created_at=START + timedelta(2))
    edited = make_article(created_at=START)
    edited.updated_at = START + timedelta(5)
    db.session.commit()

    feed = read_feed(client, "/articles.atom")

    assert feed.feed.updated == "2026-01-06T00:00:00.000Z"


def test_an_entrys_id_stays_when_its_title_and_link_change(client, make_article, auth_headers):
    article = make_article(title="First title")
    before = read_feed(client, "/articles.atom").entries[0]

    response = client.put(
        f"/api/v1/articles/{article.slug}",
        json={"article": {"title": "Second title"}},
        headers=auth_headers(article.author),
    )
    after = read_feed(client, "/articles.atom").entries[0]

    assert response.status_code == 200
    assert after.title == "Second title"
    assert after.link == f"{SITE}/article/{response.json['article']['slug']}"
    assert after.link != before.link
    assert after.id == before.id


@pytest.mark.parametrize("tag", ["python", "c++ & <c#>", 'say "hi" / ü', "🚀 rockets"])
def test_a_tags_feed_holds_only_that_tags_articles(client, make_article, tag):
    tagged = make_article(title="Tagged", tags=[tag, "other"])
    make_article(title="Untagged", tags=["other"])

    feed = read_feed(client, f"/articles.atom?tag={quote(tag)}")

    assert [entry.link for entry in feed.entries] == [article_url(tagged)]
    assert feed.feed.title == f"Conduit: #{tag}"
    assert tag_in(feed_links(feed)["self"], f"{SITE}/articles.atom") == tag
    assert tag_in(feed_links(feed)["alternate"], f"{SITE}/") == tag


def test_an_unknown_tag_has_an_empty_valid_feed(client, make_article):
    make_article(tags=["python"])

    feed = read_feed(client, "/articles.atom?tag=cobol")

    assert feed.entries == []
    assert feed.feed.title == "Conduit: #cobol"
    assert feed.feed.updated == "1970-01-01T00:00:00.000Z"


def test_a_blank_tag_is_the_global_feed(client, make_article):
    article = make_article(tags=["python"])
    other = make_article()

    feed = read_feed(client, "/articles.atom?tag=%20")

    assert {entry.link for entry in feed.entries} == {article_url(article), article_url(other)}
    assert feed_links(feed)["self"] == f"{SITE}/articles.atom"


def test_an_authors_feed_holds_only_their_articles(client, make_user, make_article):
    ada = make_user("ada")
    hers = make_article(ada, created_at=START)
    newer = make_article(ada, created_at=START + timedelta(1))
    make_article(make_user("ben"))

    feed = read_feed(client, "/profile/ada/articles.atom")

    assert [entry.link for entry in feed.entries] == [article_url(newer), article_url(hers)]
    assert feed.feed.title == "Conduit: articles by ada"
    assert feed_links(feed) == {
        "self": f"{SITE}/profile/ada/articles.atom",
        "alternate": f"{SITE}/profile/ada",
    }


def test_an_author_without_articles_has_an_empty_valid_feed(client, make_user):
    make_user("ada")

    assert read_feed(client, "/profile/ada/articles.atom").entries == []


def test_an_unknown_authors_feed_is_a_404(client):
    response = client.get("/profile/nobody/articles.atom")

    assert response.status_code == 404


def test_a_hostile_title_description_and_tag_stay_text(client, make_article):
    make_article(title=HOSTILE_TITLE, description="<i>not</i> & more", tags=[HOSTILE_TAG])

    response = client.get("/articles.atom")
    entry = read_feed(client, "/articles.atom").entries[0]

    assert entry.title == HOSTILE_TITLE
    assert entry.title_detail.type == "text/plain"
    assert entry.summary == "<i>not</i> & more"
    assert [tag.term for tag in entry.tags] == [HOSTILE_TAG]
    assert b"<script>" not in response.data
    assert b"<b>" not in response.data


def test_characters_xml_forbids_are_left_out_of_the_feed(client, make_article):
    make_article(
        title="bell\x07 tab\t back\x08space\x1f",
        description="form\x0cfeed \ufffe end",
        tags=["esc\x1bape"],
    )

    response = client.get("/articles.atom")
    entry = ElementTree.fromstring(response.data).find(ATOM + "entry")
    parsed = read_feed(client, "/articles.atom?tag=%1Besc%1Bape")

    assert entry.findtext(ATOM + "title") == "bell tab\t backspace"
    assert entry.findtext(ATOM + "summary") == "formfeed  end"
    assert entry.find(ATOM + "category").get("term") == "escape"
    assert parsed.feed.title == "Conduit: #escape"


def test_a_feed_is_served_from_the_cache_until_an_article_is_written(
    client, make_article, count_queries
):
    make_article(title="First")
    client.get("/articles.atom")

    with count_queries() as cached:
        again = client.get("/articles.atom")
    make_article(title="Second")
    feed = read_feed(client, "/articles.atom")

    assert cached.count == 0
    assert again.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert [entry.title for entry in feed.entries] == ["Second", "First"]


def test_an_authors_feed_follows_a_new_username_at_once(client, make_user, make_article):
    ada = make_user("ada")
    make_article(ada)
    read_feed(client, "/profile/ada/articles.atom")

    users.update_settings(ada, {"username": "ada2"})

    assert client.get("/profile/ada/articles.atom").status_code == 404
    entry = read_feed(client, "/profile/ada2/articles.atom").entries[0]
    assert entry.author_detail.name == "ada2"


def test_feeds_get_the_policy_for_answers_that_are_not_pages(client, make_user):
    make_user("ada")

    for url in ("/articles.atom", "/profile/ada/articles.atom"):
        response = client.get(url)
        assert (
            response.headers["Content-Security-Policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "url", ["/articles.atom", "/articles.atom?tag=python", "/profile/ada/articles.atom"]
)
def test_drafts_are_in_no_feed(client, make_user, make_article, url):
    ada = make_user("ada")
    published_one = make_article(ada, tags=["python"])
    make_article(ada, title="Secret plans", tags=["python"], published=False)

    feed = read_feed(client, url)

    assert [entry.link for entry in feed.entries] == [article_url(published_one)]


def test_entries_follow_publication_and_carry_its_date(
    client, make_user, make_article, auth_headers
):
    ada = make_user("ada")
    older_draft = make_article(ada, title="Older draft", created_at=START, published=False)
    make_article(ada, title="Newer", created_at=START + timedelta(1))
    client.put(
        f"/api/v1/articles/{older_draft.slug}",
        json={"article": {"published": True}},
        headers=auth_headers(ada),
    )

    feed = read_feed(client, "/articles.atom")

    assert [entry.title for entry in feed.entries] == ["Older draft", "Newer"]
    assert datetime(*feed.entries[0].published_parsed[:6], tzinfo=UTC) > START + timedelta(1)
