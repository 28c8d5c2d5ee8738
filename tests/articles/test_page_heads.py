"""What the pages' <head> tells machines: canonical URLs, feeds, and sharing tags."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

SITE = "http://localhost"
HOSTILE = """"><script>alert("x")</script><meta property="og:title" content='pwned' & 🚀"""
ATOM = "application/atom+xml"
SHARING_PREFIXES = ("og:", "article:", "twitter:")


class HeadReader(HTMLParser):
    """Collects the <head>'s link and meta elements, and every element it holds."""

    def __init__(self):
        super().__init__()
        self.in_head = False
        self.elements: list[str] = []
        self.links: list[dict[str, str]] = []
        self.meta: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif self.in_head:
            self.elements.append(tag)
            if tag == "link":
                self.links.append(attributes)
            elif tag == "meta" and "content" in attributes:
                name = attributes.get("property") or attributes.get("name")
                self.meta.append((name, attributes["content"]))

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def head_of(client, url: str) -> HeadReader:
    response = client.get(url)
    assert response.status_code == 200, url
    reader = HeadReader()
    reader.feed(response.get_data(as_text=True))
    return reader


def canonical(head: HeadReader) -> str | None:
    (url,) = [link["href"] for link in head.links if link["rel"] == "canonical"] or [None]
    return url


def feeds(head: HeadReader) -> list[tuple[str, str]]:
    """Return the (title, href) of each feed the head links."""
    return [
        (link["title"], link["href"])
        for link in head.links
        if link["rel"] == "alternate" and link["type"] == ATOM
    ]


def meta(head: HeadReader, name: str) -> list[str]:
    return [content for key, content in head.meta if key == name]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/", f"{SITE}/"),
        ("/?page=1", f"{SITE}/"),
        ("/?page=2", f"{SITE}/?page=2"),
        ("/?tag=python", f"{SITE}/?tag=python"),
        ("/?tag=python&page=1&utm_source=x", f"{SITE}/?tag=python"),
        ("/?tag=%20python%20", f"{SITE}/?tag=python"),
        ("/profile/ada", f"{SITE}/profile/ada"),
        ("/profile/ada?page=1", f"{SITE}/profile/ada"),
        ("/profile/ada/favorites", f"{SITE}/profile/ada/favorites"),
        ("/login?next=/editor", f"{SITE}/login"),
        ("/register", f"{SITE}/register"),
    ],
)
def test_every_public_page_names_its_canonical_url(client, make_user, make_article, url, expected):
    ada = make_user("ada")
    for number in range(21):
        make_article(ada, tags=["python"], title=f"Article {number}")

    assert canonical(head_of(client, url)) == expected


def test_an_article_page_names_its_current_slug_as_canonical(client, make_article, auth_headers):
    article = make_article(title="First title")
    moved = client.put(
        f"/api/v1/articles/{article.slug}",
        json={"article": {"title": "Second title"}},
        headers=auth_headers(article.author),
    ).json["article"]["slug"]

    assert canonical(head_of(client, f"/article/{moved}")) == f"{SITE}/article/{moved}"
    assert client.get(f"/article/{article.slug}").status_code == 301


def test_your_feed_names_no_canonical_and_no_feed(client, login, make_user):
    login(client, make_user("ada"))

    head = head_of(client, "/feed")

    assert canonical(head) is None
    assert feeds(head) == []


def test_each_list_links_its_atom_feed(client, make_user):
    make_user("ada")

    assert feeds(head_of(client, "/")) == [("Conduit: global feed", f"{SITE}/articles.atom")]
    assert feeds(head_of(client, "/?tag=c%2B%2B")) == [
        ("Conduit: #c++", f"{SITE}/articles.atom?tag=c%2B%2B")
    ]
    for profile in ("/profile/ada", "/profile/ada/favorites"):
        assert feeds(head_of(client, profile)) == [
            ("Conduit: articles by ada", f"{SITE}/profile/ada/articles.atom")
        ]


def test_a_linked_feed_is_served(client, make_user, make_article):
    make_article(make_user("ada"), tags=["python"])

    for page in ("/", "/?tag=python", "/profile/ada"):
        ((_title, href),) = feeds(head_of(client, page))
        response = client.get(href.removeprefix(SITE))
        assert response.status_code == 200
        assert response.mimetype == ATOM
        assert b"<entry>" in response.data


def test_an_article_page_carries_open_graph_and_twitter_tags(client, make_user, make_article):
    article = make_article(
        make_user("ada"),
        title="Testing Flask",
        description="What the browser sees",
        tags=["python", "flask"],
        created_at=datetime(2026, 1, 5, 10, 30, tzinfo=UTC),
    )
    url = f"{SITE}/article/{article.slug}"

    head = head_of(client, f"/article/{article.slug}")

    sharing = {
        name: content
        for name, content in head.meta
        if name.startswith(SHARING_PREFIXES) and name != "article:tag"
    }

    assert sharing == {
        "og:type": "article",
        "og:site_name": "Conduit",
        "og:title": "Testing Flask",
        "og:description": "What the browser sees",
        "og:url": url,
        "article:published_time": "2026-01-05T10:30:00.000Z",
        "article:modified_time": "2026-01-05T10:30:00.000Z",
        "article:author": f"{SITE}/profile/ada",
        "twitter:card": "summary",
        "twitter:title": "Testing Flask",
        "twitter:description": "What the browser sees",
    }
    assert meta(head, "article:tag") == ["flask", "python"]
    assert canonical(head) == url


def test_a_hostile_title_description_and_tag_stay_inside_their_attributes(client, make_article):
    article = make_article(title=HOSTILE, description=HOSTILE, tags=[HOSTILE[:40]])

    head = head_of(client, f"/article/{article.slug}")

    for name in ("og:title", "og:description", "twitter:title", "twitter:description"):
        assert meta(head, name) == [HOSTILE], name
    assert meta(head, "article:tag") == [HOSTILE[:40]]
    assert "script" not in head.elements
    assert len(meta(head, "og:title")) == 1


def test_a_hostile_tag_stays_inside_the_feed_links_attributes(client):
    head = head_of(client, "/?tag=" + '"><script>x</script>')

    assert feeds(head) == [
        (
            'Conduit: #"><script>x</script>',
            f"{SITE}/articles.atom?tag=%22%3E%3Cscript%3Ex%3C/script%3E",
        )
    ]
    assert "script" not in head.elements


def test_a_cached_page_keeps_the_host_it_was_asked_for(client, make_article):
    article = make_article()

    for host in ("conduit.example", "other.example", "conduit.example"):
        head = head_of(client, f"http://{host}/article/{article.slug}")
        assert canonical(head) == f"http://{host}/article/{article.slug}"
