"""Security headers on every response, Cache-Control on private answers, and pages that
need nothing inline, so the Content-Security-Policy can forbid it."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask

from app import create_app
from app.extensions import db as database
from config import BASE_DIR, ProductionConfig, TestingConfig

PAGE_POLICY = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "https:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
NOTHING_POLICY = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
KEYWORD_SOURCES = {"'self'", "'none'"}
SCHEME_SOURCES = {"https:"}
HOSTILE_MARKDOWN = """\
# Heading

<script>alert(1)</script><style>body{}</style>
<p style="color:red" onclick="alert(2)">styled</p>
<img src="javascript:alert(3)" onerror="alert(4)">

![pic](https://img.example/p.png) [link](javascript:alert(5))

| left | right |
|:-----|------:|
| a    | b     |

```python
print("</code></pre><style>body{}</style><p style='x'>")
```
"""


def policy(response) -> dict[str, list[str]]:
    """Return the response's Content-Security-Policy as {directive: [sources]}."""
    directives = [part.split() for part in response.headers["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def assert_page_headers(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert policy(response) == PAGE_POLICY
    assert "Strict-Transport-Security" not in response.headers


class InlineCodeFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, style elements and
    attributes, event handler attributes and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        # A script from a file of ours (src=) is allowed; one with code inside is not.
        if tag == "style" or (tag == "script" and not dict(attrs).get("src")):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")


def inline_code(page: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(page)
    return finder.found


@pytest.fixture
def site(make_user, make_article, make_comment):
    """Two users, an article by the first with hostile markdown, tags and a comment."""
    author = make_user("author", bio="Writes *things*", image="https://img.example/a.png")
    reader = make_user("reader")
    article = make_article(author, title="Hostile", body=HOSTILE_MARKDOWN, tags=["tag"])
    make_comment(article, reader, body='<script>alert("c")</script> style="x"')
    return {"author": author, "reader": reader, "article": article}


def page_urls(site) -> list[str]:
    slug = site["article"].slug
    return [
        "/",
        "/?tag=tag",
        f"/article/{slug}",
        "/profile/author",
        "/profile/author/favorites",
        "/login",
        "/register",
        "/forgot-password",
        "/reset-password?token=no-such-token",
        "/verify-email?token=no-such-token",
        "/article/no-such-article",
        "/profile/nobody",
        "/?page=0",
    ]


def signed_in_urls(site) -> list[str]:
    slug = site["article"].slug
    return ["/feed", "/editor", f"/editor/{slug}", "/settings", f"/article/{slug}", "/"]


def test_every_page_gets_the_security_headers_and_the_strict_policy(client, site):
    for url in page_urls(site):
        response = client.get(url)
        assert response.mimetype == "text/html", url
        assert_page_headers(response)


def test_pages_for_a_signed_in_user_get_the_headers_too(client, login, site):
    login(client, site["author"])

    for url in signed_in_urls(site):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_headers(response)


def test_the_page_policy_allows_nothing_inline_and_no_other_site(client):
    sources = [source for values in policy(client.get("/")).values() for source in values]

    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources
    assert set(sources) <= KEYWORD_SOURCES | SCHEME_SOURCES


def test_api_answers_get_nosniff_and_a_policy_that_allows_nothing(client, auth_headers, site):
    answers = [
        client.get("/api/v1/articles"),
        client.get("/api/v1/user", headers=auth_headers(site["reader"])),
        client.get("/api/v1/nope"),
        client.post("/api/v1/users/login", json={}),
    ]

    for response in answers:
        assert response.is_json
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert policy(response) == NOTHING_POLICY


def test_a_header_the_answer_set_itself_is_kept_and_the_others_added():
    app = create_app(TestingConfig())

    @app.get("/own-policy")
    def page_with_its_own_policy():
        return "<p>hi</p>", {"content-security-policy": "default-src *"}

    response = app.test_client().get("/own-policy")

    assert response.headers.getlist("Content-Security-Policy") == ["default-src *"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_static_files_get_nosniff(client):
    response = client.get("/static/css/conduit.css")

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


@pytest.fixture
def https_app() -> Iterator[Flask]:
    """An app configured as production configures HSTS."""
    config = TestingConfig()
    config.HSTS_SECONDS = ProductionConfig.HSTS_SECONDS
    app = create_app(config)
    yield app
    with app.app_context():
        database.engine.dispose()


def test_production_sends_hsts_for_a_year_by_default():
    assert ProductionConfig.HSTS_SECONDS == 365 * 24 * 3600
    assert TestingConfig.HSTS_SECONDS == 0


def test_with_hsts_on_every_answer_says_so_and_pages_upgrade_http_images(https_app):
    client = https_app.test_client()

    page = client.get("/", base_url="https://localhost")
    api = client.get("/api/v1/tags", base_url="https://localhost")

    for response in (page, api):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert policy(page) == PAGE_POLICY | {"upgrade-insecure-requests": []}
    assert policy(api) == NOTHING_POLICY


# Cache-Control


def test_public_anonymous_reads_may_be_cached_only_with_revalidation(client, site):
    page = client.get(f"/article/{site['article'].slug}")
    api = client.get("/api/v1/articles")

    assert page.headers["Cache-Control"] == "no-cache"
    assert api.headers["Cache-Control"] == "no-cache"
    assert "Authorization" in api.headers["Vary"]


@pytest.mark.parametrize(
    "url", ["/api/v1/user", "/api/v1/articles", "/api/v1/articles/feed", "/api/v1/profiles/author"]
)
def test_api_reads_with_a_token_are_never_stored(client, auth_headers, site, url):
    response = client.get(url, headers=auth_headers(site["reader"]))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Authorization" in response.headers["Vary"]


def test_api_answers_holding_a_new_token_are_never_stored(client, site):
    registered = client.post(
        "/api/v1/users",
        json={"user": {"username": "new", "email": "new@example.com", "password": "pass-word-1"}},
    )
    signed_in = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "new@example.com", "password": "pass-word-1"}},
    )

    assert registered.status_code == 201
    assert signed_in.status_code == 200
    assert registered.headers["Cache-Control"] == "no-store"
    assert signed_in.headers["Cache-Control"] == "no-store"


def test_pages_for_a_signed_in_user_are_never_stored(client, login, site):
    login(client, site["author"])

    for url in signed_in_urls(site):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url


def test_forms_holding_a_csrf_token_are_never_stored(client):
    for url in ("/login", "/register"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_the_sign_in_redirect_is_never_stored(client, csrf_token, site):
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token(client),
            "email": site["reader"].email,
            "password": "correct-horse-battery",
        },
    )

    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/css/conduit.css")

    assert response.headers["Cache-Control"] != "no-store"
    response.close()


# Nothing inline


def test_no_template_holds_inline_script_style_or_event_handlers():
    templates = sorted((BASE_DIR / "templates").rglob("*.html"))
    # A script element must name its file (src=): one with code inside is inline.
    inline = re.compile(
        r"<script(?![^>]*\ssrc=)|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE
    )

    assert templates
    for template in templates:
        source = template.read_text()
        assert not inline.search(source), template.relative_to(BASE_DIR)


def test_rendered_pages_hold_no_inline_code_even_from_hostile_content(client, login, site):
    pages = {url: client.get(url) for url in page_urls(site)}
    login(client, site["author"])
    pages |= {f"signed in {url}": client.get(url) for url in signed_in_urls(site)}

    for name, response in pages.items():
        assert inline_code(response.get_data(as_text=True)) == [], name
    article = pages[f"/article/{site['article'].slug}"].get_data(as_text=True)
    assert 'class="align-right"' in article
    assert '<img src="https://img.example/p.png"' in article
    assert '<pre class="highlight"><code><span class="nb">print</span>' in article


def test_rendered_forms_with_errors_hold_no_inline_code(
    client, csrf_token, login, site, make_comment
):
    own_comment = make_comment(site["article"], site["author"], body='<p style="x">')
    comment_editor = f"/article/{site['article'].slug}/comments/{own_comment.id}/edit"
    failed_login = client.post(
        "/login", data={"csrf_token": csrf_token(client), "email": "x@example.com", "password": "x"}
    )
    login(client, site["author"])
    token = csrf_token(client, "/editor")
    failed_editor = client.post("/editor", data={"csrf_token": token, "title": "<script>"})
    failed_settings = client.post(
        "/settings", data={"csrf_token": token, "image": "javascript:alert(1)"}
    )
    failed_comment = client.post(
        f"/article/{site['article'].slug}/comments", data={"csrf_token": token, "body": ""}
    )
    failed_comment_edit = client.post(comment_editor, data={"csrf_token": token, "body": ""})
    failures = (failed_login, failed_editor, failed_settings, failed_comment, failed_comment_edit)

    for response in failures:
        assert response.status_code in (401, 422)
        assert inline_code(response.get_data(as_text=True)) == []
        assert_page_headers(response)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/profile/ab%00c", 404),
        ("/profile/ab%00c/favorites", 404),
        ("/article/a%00b", 404),
        ("/api/v1/articles/a%00b", 404),
        ("/api/v1/articles/a%00b/comments", 404),
        ("/?tag=py%00thon", 422),
        ("/?page=1%00", 422),
        ("/api/v1/articles?author=a%00b", 422),
    ],
)
def test_a_nul_character_in_the_url_is_refused_before_any_query(client, url, status):
    response = client.get(url)

    assert response.status_code == status
