"""The pages' links to authors, articles and tags, built from patterns, are url_for's."""

from types import SimpleNamespace

import pytest
from flask import url_for

from app.pages import link_helpers, page_links, sign_in_url

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


def test_the_sign_in_link_comes_back_to_the_page_it_is_on(app):
    with app.test_request_context("/?tag=a b&page=2"):
        assert sign_in_url() == url_for("auth.login", next="/?tag=a b&page=2")
        assert sign_in_url("/elsewhere") == url_for("auth.login", next="/elsewhere")


def test_templates_get_the_links_of_their_own_prefix(app):
    with app.test_request_context("/", base_url="http://localhost/blog"):
        helpers = link_helpers()
        assert helpers["article_url"]("a b") == url_for("articles.article", slug="a b")
        assert helpers["avatar_url"](SimpleNamespace(image="")) == url_for(
            "static", filename="img/avatar.svg"
        )
        assert helpers["avatar_url"](SimpleNamespace(image="https://x.test/me.png")) == (
            "https://x.test/me.png"
        )
