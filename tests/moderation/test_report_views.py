"""The report forms on the article page: a link for signed-in readers (not on their own
article or comment), a form with a required reason, a friendly word for a second report."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.moderation.models import Report


@pytest.fixture
def discussed(make_user, make_article, make_comment):
    article = make_article(make_user("author"), title="Discussed")
    comment = make_comment(article, make_user("commenter"), body="First!")
    return article, comment


def test_the_article_page_links_to_the_report_forms_for_other_readers(
    app, client, discussed, make_user, login
):
    article, comment = discussed
    url = f"/article/{article.slug}"
    assert 'data-testid="report-article"' not in client.get(url).get_data(as_text=True)

    login(client, make_user("reader"))
    page = client.get(url).get_data(as_text=True)

    assert f'href="{url}/report"' in page
    assert f'href="{url}/comments/{comment.id}/report"' in page
    commenter = app.test_client()
    login(commenter, comment.author)
    own = commenter.get(url).get_data(as_text=True)
    assert 'data-testid="report-article"' in own
    assert 'data-testid="report-comment"' not in own


def test_the_author_sees_no_report_link_on_their_own_article(client, discussed, login):
    article, _comment = discussed
    login(client, article.author)

    page = client.get(f"/article/{article.slug}").get_data(as_text=True)

    assert 'data-testid="report-article"' not in page
    assert 'data-testid="report-comment"' in page


def test_reporting_an_article_from_its_page(client, discussed, make_user, login, csrf_token):
    article, _comment = discussed
    reader = login(client, make_user("reader"))
    form = f"/article/{article.slug}/report"
    assert "What is wrong with it?" in client.get(form).get_data(as_text=True)

    response = client.post(form, data={"csrf_token": csrf_token(client, form), "reason": "Spam"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/article/{article.slug}"
    stored = db.session.scalar(select(Report))
    assert (stored.reporter_id, stored.article_id, stored.reason) == (reader.id, article.id, "Spam")
    assert "the moderators will look at your report" in client.get(
        f"/article/{article.slug}"
    ).get_data(as_text=True)


def test_reporting_a_comment_from_its_page(client, discussed, make_user, login, csrf_token):
    article, comment = discussed
    login(client, make_user("reader"))
    form = f"/article/{article.slug}/comments/{comment.id}/report"
    assert "First!" in client.get(form).get_data(as_text=True)

    response = client.post(form, data={"csrf_token": csrf_token(client, form), "reason": "Rude"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/article/{article.slug}#comment-{comment.id}"
    assert db.session.scalar(select(Report.comment_id)) == comment.id


def test_a_report_without_a_reason_shows_the_form_again(
    client, discussed, make_user, login, csrf_token
):
    article, _comment = discussed
    login(client, make_user())
    form = f"/article/{article.slug}/report"

    response = client.post(form, data={"csrf_token": csrf_token(client, form), "reason": "  "})

    assert response.status_code == 422
    assert "Reason can&#39;t be blank" in response.get_data(as_text=True)
    assert db.session.scalar(select(Report)) is None


def test_a_second_report_gets_a_friendly_word(client, discussed, make_user, login, csrf_token):
    article, _comment = discussed
    login(client, make_user())
    form = f"/article/{article.slug}/report"
    client.post(form, data={"csrf_token": csrf_token(client, form), "reason": "Spam"})

    response = client.post(
        form,
        data={"csrf_token": csrf_token(client, form), "reason": "Spam!"},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "You reported this already" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Report)).all()) == 1


def test_a_visitor_is_sent_to_sign_in_first(client, discussed):
    article, _comment = discussed

    response = client.get(f"/article/{article.slug}/report")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/article/{article.slug}/report"


def test_reporting_ones_own_article_or_comment_is_refused(
    app, client, discussed, login, csrf_token
):
    article, comment = discussed
    login(client, article.author)
    url = f"/article/{article.slug}"

    page = client.get(f"{url}/report")
    posted = client.post(
        f"{url}/report", data={"csrf_token": csrf_token(client, url), "reason": "x"}
    )

    assert page.status_code == 403
    assert "You cannot report your own article" in page.get_data(as_text=True)
    assert posted.status_code == 403
    commenter = app.test_client()
    login(commenter, comment.author)
    own_comment = commenter.get(f"{url}/comments/{comment.id}/report")
    assert own_comment.status_code == 403
    assert "You cannot report your own comment" in own_comment.get_data(as_text=True)
    assert db.session.scalar(select(Report)) is None


def test_a_report_without_its_csrf_token_is_refused(client, discussed, make_user, login):
    article, _comment = discussed
    login(client, make_user())

    response = client.post(f"/article/{article.slug}/report", data={"reason": "Spam"})

    assert response.status_code == 400
    assert db.session.scalar(select(Report)) is None


def test_reporting_an_unknown_comment_is_404(client, discussed, make_user, login):
    article, _comment = discussed
    login(client, make_user())

    assert client.get(f"/article/{article.slug}/comments/99999/report").status_code == 404
