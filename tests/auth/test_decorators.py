"""The API's decorators decide whether a token lets its user in before the view runs, with
one lookup of the user."""

import pytest

from app.auth.tokens import issue_token, token_optional
from app.errors import Unauthorized
from app.users import services


def recording_view(calls: list):
    @token_optional
    def view(viewer):
        calls.append(viewer)

    return view


def test_a_revoked_token_gets_401_before_the_view_runs(app, make_user):
    user = make_user()
    token = issue_token(user)
    services.deactivate(user)
    calls: list = []

    headers = {"Authorization": f"Token {token}"}
    with app.test_request_context(headers=headers), pytest.raises(Unauthorized):
        recording_view(calls)()

    assert calls == []


def test_a_valid_token_costs_one_lookup_of_its_user(app, make_user, count_queries, db):
    user = make_user()
    token = issue_token(user)
    db.session.remove()
    calls: list = []

    headers = {"Authorization": f"Token {token}"}
    with app.test_request_context(headers=headers), count_queries() as counter:
        recording_view(calls)()

    assert [viewer.id for viewer in calls] == [user.id]
    assert counter.count == 1
