"""What the pages share (app/web/pages.py): links back, to other pages of a list, avatars,
dates, and escaping."""

from datetime import datetime
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from flask import url_for

from app.web.pages import avatar_url, long_date, page_url, sign_in_url


def test_long_dates_name_the_month_in_english():
    assert [long_date(datetime(2026, month, 5)) for month in (1, 6, 12)] == [
        "January 5, 2026",
        "June 5, 2026",
        "December 5, 2026",
    ]


def test_the_sign_in_link_comes_back_to_the_page_it_is_on(app):
    with app.test_request_context("/?tag=a b&page=2"):
        assert sign_in_url() == url_for("auth.login", next="/?tag=a b&page=2")
        assert sign_in_url("/elsewhere") == url_for("auth.login", next="/elsewhere")


@pytest.mark.parametrize("value", ["plain", "with space", "ünïcødé-日本語", "q?x=1&y=2#frag"])
@pytest.mark.parametrize("script_root", ["", "/blog"])
def test_page_links_keep_the_other_arguments(app, value, script_root):
    query = urlencode({"tag": value, "page": "7"})
    with app.test_request_context(f"/?{query}", base_url=f"http://localhost{script_root}"):
        assert page_url(1) == f"{script_root}/?{urlencode({'tag': value})}"
        assert page_url(3) == f"{script_root}/?{urlencode({'tag': value, 'page': 3})}"


def test_page_links_keep_arguments_url_for_would_take_for_its_own(app):
    query = "endpoint=x&_method=POST&_anchor=a&_external=1&_scheme=ftp&page=2"
    with app.test_request_context(f"/?{query}"):
        assert page_url(1) == "/?endpoint=x&_method=POST&_anchor=a&_external=1&_scheme=ftp"
        assert page_url(3) == f"/?{query.replace('page=2', 'page=3')}"


def test_page_links_keep_the_view_arguments(app):
    with app.test_request_context("/profile/ada%20b/favorites?page=3"):
        assert page_url(1) == url_for("profiles.favorites", username="ada b")
        assert page_url(4) == url_for("profiles.favorites", username="ada b", page=4)


def test_a_user_without_an_image_gets_the_default_avatar(app):
    with app.test_request_context("/", base_url="http://localhost/blog"):
        assert avatar_url(SimpleNamespace(image="")) == "/blog/static/img/avatar.svg"
        assert avatar_url(SimpleNamespace(image="https://x.test/me.png")) == (
            "https://x.test/me.png"
        )


def test_a_page_escapes_a_hostile_title(client, make_article):
    make_article(title="<img src=x onerror=alert(1)> & co")

    page = client.get("/").get_data(as_text=True)

    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in page
    assert "<img src=x onerror" not in page


@pytest.mark.parametrize("favorited, action", [(False, "favorite"), (True, "unfavorite")])
def test_a_cards_favorite_button_posts_to_undo_what_the_viewer_did(
    client, login, csrf_token, make_user, make_article, favorited, action
):
    reader = login(client, make_user())
    article = make_article()
    if favorited:
        token = csrf_token(client, "/")
        client.post(f"/article/{article.slug}/favorite", data={"csrf_token": token})

    page = client.get("/").get_data(as_text=True)

    assert f'action="/article/{article.slug}/{action}"' in page
    assert reader.username in page
