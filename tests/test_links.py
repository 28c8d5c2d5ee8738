"""The pages' links (app/links.py): to authors, articles, tags and favorites built from
patterns, to the other pages of a list, and to sign in, are url_for's."""

from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from flask import render_template_string, url_for
from markupsafe import escape

from app.links import page_links, page_url, sign_in_url

AWKWARD_VALUES = [
    "plain",
    "with space",
    "ünïcødé-日本語",
    "a/b",
    "q?x=1&y=2#frag",
    "100%+more",
    "quote'\"<tag>",
    "~conduit-link~",
    "",
]


@pytest.mark.parametrize("value", AWKWARD_VALUES)
@pytest.mark.parametrize("script_root", ["", "/blog"])
def test_links_are_what_url_for_builds(app, value, script_root):
    with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
        links = page_links()
        assert links.tag(value) == url_for("articles.home", tag=value)
        if value:  # a path segment cannot be empty
            assert links.article(value) == url_for("articles.article", slug=value)
            assert links.profile(value) == url_for("users.profile", username=value)
            assert links.favorite(value) == url_for("articles.favorite", slug=value)
            assert links.unfavorite(value) == url_for("articles.unfavorite", slug=value)


def test_the_sign_in_link_comes_back_to_the_page_it_is_on(app):
    with app.test_request_context("/?tag=a b&page=2"):
        assert sign_in_url() == url_for("auth.login", next="/?tag=a b&page=2")
        assert sign_in_url("/elsewhere") == url_for("auth.login", next="/elsewhere")


def test_templates_get_the_links_of_their_own_prefix(app):
    with app.test_request_context("/", base_url="http://localhost/blog"):
        links = render_template_string(
            "{{ 'a b' | article_url }} {{ 'a b' | profile_url }} {{ 'a b' | tag_url }}"
            " {{ no_image | avatar_url }} {{ image | avatar_url }}",
            no_image=SimpleNamespace(image=""),
            image=SimpleNamespace(image="https://x.test/me.png"),
        )
        assert links.split() == [
            url_for("articles.article", slug="a b"),
            url_for("users.profile", username="a b"),
            url_for("articles.home", tag="a b"),
            url_for("static", filename="img/avatar.svg"),
            "https://x.test/me.png",
        ]


@pytest.mark.parametrize("value", AWKWARD_VALUES)
@pytest.mark.parametrize("script_root", ["", "/blog"])
def test_page_links_are_what_url_for_builds_with_the_other_arguments_kept(app, value, script_root):
    query = urlencode({"tag": value, "page": "7", "other": value})
    with app.test_request_context(f"/?{query}", base_url=f"http://localhost{script_root}"):
        app.preprocess_request()
        for number in (1, 2, 10):
            expected = {"tag": value, "other": value} | ({"page": number} if number > 1 else {})
            assert page_url(number) == url_for("articles.home", **expected)


def test_page_links_keep_arguments_url_for_would_take_for_its_own(app):
    query = "endpoint=x&_method=POST&_anchor=a&_external=1&_scheme=ftp&page=2"
    with app.test_request_context(f"/?{query}"):
        app.preprocess_request()
        assert page_url(1) == "/?endpoint=x&_method=POST&_anchor=a&_external=1&_scheme=ftp"
        assert page_url(3) == f"/?{query.replace('page=2', 'page=3')}"


def test_page_links_keep_the_view_arguments(app):
    with app.test_request_context("/profile/ada%20b/favorites?page=3"):
        app.preprocess_request()
        assert page_url(1) == url_for("users.favorites", username="ada b")
        assert page_url(4) == url_for("users.favorites", username="ada b", page=4)


@pytest.mark.parametrize("favorited, endpoint", [(False, "favorite"), (True, "unfavorite")])
def test_a_cards_favorite_button_posts_to_undo_what_the_viewer_did(app, favorited, endpoint):
    view = SimpleNamespace(favorited=favorited, article=SimpleNamespace(slug="a b"))
    with app.test_request_context("/", base_url="http://localhost/blog"):
        action = render_template_string("{{ view | toggle_favorite_url }}", view=view)
        assert action == url_for(f"articles.{endpoint}", slug="a b")


# What templates ask url_for for: links that take nothing from the request but its prefix,
# which it remembers, and others.
TEMPLATE_LINKS = [
    ("articles.home", {}),
    ("auth.login", {}),
    ("static", {"filename": "css/conduit.css"}),
    ("static", {"filename": "img/favicon.svg"}),
    ("articles.article", {"slug": "a b"}),
    ("articles.home", {"tag": "x", "page": 2}),
    ("static", {"filename": "css/conduit.css", "_external": True}),
]


def test_templates_url_for_builds_what_url_for_does_under_each_prefix(app):
    template = " ".join(
        f"{{{{ url_for(links[{index}][0], **links[{index}][1]) }}}}"
        for index in range(len(TEMPLATE_LINKS))
    )
    for script_root in ["", "/blog", "", "/other"]:
        with app.test_request_context("/", base_url=f"http://localhost{script_root}"):
            expected = [escape(url_for(endpoint, **values)) for endpoint, values in TEMPLATE_LINKS]

            assert render_template_string(template, links=TEMPLATE_LINKS).split() == expected
            assert expected[0] == f"{script_root}/"
