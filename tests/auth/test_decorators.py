"""The read decorators confirm the token's account after the view, unless its queries did."""

import pytest
from sqlalchemy.exc import OperationalError

from app.auth.decorators import token_optional
from app.auth.tokens import issue_token
from app.errors import NotFound, Unauthorized
from app.users import services


def read_raising(error: Exception):
    @token_optional
    def view(viewer):
        raise error

    return view


def test_a_revoked_token_gets_401_before_what_the_view_found(app, make_user):
    user = make_user()
    token = issue_token(user)
    services.deactivate(user)

    headers = {"Authorization": f"Token {token}"}
    with app.test_request_context(headers=headers), pytest.raises(Unauthorized):
        read_raising(NotFound({"article": ["not found"]}))()


def test_a_database_failure_is_not_masked_by_confirming_the_account(app, make_user, count_queries):
    token = issue_token(make_user())
    outage = OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    headers = {"Authorization": f"Token {token}"}
    with (
        app.test_request_context(headers=headers),
        count_queries() as counter,
        pytest.raises(OperationalError),
    ):
        read_raising(outage)()

    assert counter.count == 0
