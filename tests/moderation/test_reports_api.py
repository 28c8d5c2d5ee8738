"""POST /articles/{slug}/reports and /articles/{slug}/comments/{id}/reports: any signed-in
reader reports someone else's article or comment, once while the report is open."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.moderation import services
from app.moderation.models import Report

ARTICLES = "/api/v1/articles"


def report(client, path: str, headers: dict, reason="Spam, plainly"):
    return client.post(f"{path}/reports", json={"report": {"reason": reason}}, headers=headers)


@pytest.fixture
def discussed(make_user, make_article, make_comment):
    author = make_user("author")
    article = make_article(author, title="Discussed")
    comment = make_comment(article, make_user("commenter"), body="First!")
    return article, comment


def test_a_reader_reports_an_article(client, discussed, make_user, auth_headers):
    article, _comment = discussed
    reader = make_user("reader")

    response = report(client, f"{ARTICLES}/{article.slug}", auth_headers(reader), "  Spam  ")

    assert response.status_code == 201, response.json
    body = response.json["report"]
    assert (body["reason"], body["article"], body["commentId"]) == ("Spam", article.slug, None)
    stored = db.session.scalar(select(Report))
    assert (stored.reporter_id, stored.article_id, stored.comment_id) == (
        reader.id,
        article.id,
        None,
    )
    assert stored.is_open


def test_a_reader_reports_a_comment(client, discussed, make_user, auth_headers):
    article, comment = discussed
    path = f"{ARTICLES}/{article.slug}/comments/{comment.id}"

    response = report(client, path, auth_headers(make_user()))

    assert response.status_code == 201, response.json
    assert response.json["report"]["commentId"] == comment.id
    assert db.session.scalar(select(Report.comment_id)) == comment.id


def test_reporting_needs_a_token(client, discussed):
    article, _comment = discussed

    response = report(client, f"{ARTICLES}/{article.slug}", {})

    assert response.status_code == 401


@pytest.mark.parametrize("where", ["article", "comment", "comment-elsewhere"])
def test_reporting_what_does_not_exist_is_404(
    client, discussed, make_user, make_article, make_comment, auth_headers, where
):
    article, _comment = discussed
    elsewhere = make_comment(make_article())
    path = {
        "article": f"{ARTICLES}/no-such-article",
        "comment": f"{ARTICLES}/{article.slug}/comments/99999",
        "comment-elsewhere": f"{ARTICLES}/{article.slug}/comments/{elsewhere.id}",
    }[where]

    assert report(client, path, auth_headers(make_user())).status_code == 404


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "can't be blank"),
        ("   ", "can't be blank"),
        (None, "can't be blank"),
        ("x" * 501, "is too long (maximum is 500 characters)"),
    ],
)
def test_a_report_needs_a_reason_of_at_most_500_characters(
    client, discussed, make_user, auth_headers, reason, message
):
    article, _comment = discussed

    response = report(client, f"{ARTICLES}/{article.slug}", auth_headers(make_user()), reason)

    assert response.status_code == 422
    assert response.json == {"errors": {"reason": [message]}}
    assert db.session.scalar(select(Report)) is None


def test_a_report_without_its_envelope_is_422(client, discussed, make_user, auth_headers):
    article, _comment = discussed
    path = f"{ARTICLES}/{article.slug}/reports"

    response = client.post(path, json={"reason": "x"}, headers=auth_headers(make_user()))

    assert response.status_code == 422
    assert response.json == {"errors": {"report": ["must be a JSON object"]}}


def test_nobody_reports_their_own_article_or_comment(client, discussed, auth_headers):
    article, comment = discussed
    own_article = report(client, f"{ARTICLES}/{article.slug}", auth_headers(article.author))
    own_comment = report(
        client, f"{ARTICLES}/{article.slug}/comments/{comment.id}", auth_headers(comment.author)
    )

    assert own_article.status_code == 403
    assert own_article.json == {"errors": {"report": ["you cannot report your own article"]}}
    assert own_comment.status_code == 403
    assert own_comment.json == {"errors": {"report": ["you cannot report your own comment"]}}
    assert db.session.scalar(select(Report)) is None


def test_a_second_open_report_of_the_same_item_is_409(client, discussed, make_user, auth_headers):
    article, comment = discussed
    headers = auth_headers(make_user())
    on_comment = f"{ARTICLES}/{article.slug}/comments/{comment.id}"
    assert report(client, f"{ARTICLES}/{article.slug}", headers).status_code == 201
    assert report(client, on_comment, headers).status_code == 201

    again = report(client, f"{ARTICLES}/{article.slug}", headers)

    assert again.status_code == 409
    assert again.json == {
        "errors": {"report": ["you reported this already: moderators will look at it"]}
    }
    assert report(client, on_comment, headers).status_code == 409
    assert (
        report(client, f"{ARTICLES}/{article.slug}", auth_headers(make_user())).status_code == 201
    )


def test_once_resolved_the_item_can_be_reported_again(
    client, discussed, make_user, auth_headers, operator
):
    article, _comment = discussed
    headers = auth_headers(make_user())
    report(client, f"{ARTICLES}/{article.slug}", headers)
    services.dismiss_report(db.session.scalar(select(Report)), operator, "fine")

    assert report(client, f"{ARTICLES}/{article.slug}", headers).status_code == 201


def test_a_hidden_comment_cannot_be_reported(client, discussed, make_user, auth_headers, operator):
    article, comment = discussed
    services.hide_comment(comment, operator, "spam")

    path = f"{ARTICLES}/{article.slug}/comments/{comment.id}"

    response = report(client, path, auth_headers(make_user()))

    assert response.status_code == 404
