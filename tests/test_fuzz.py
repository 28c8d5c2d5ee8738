"""Property-based fuzzing of every API operation from our own OpenAPI document.

Schemathesis generates valid and invalid requests from /api/v1/openapi.json and sends them
to the app in-process (WSGI). Each operation is one test, so each starts from a clean
database holding a small world (two users, an article and a comment each) that generated
path and query parameters point at half of the time; otherwise almost every slug and
username would simply be unknown. Every response must come without a 5xx, with a
documented status code and content type, and with a body that matches the document.
"""

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.auth.tokens import issue_token
from config import TestingConfig

DOCUMENT_URL = "/api/v1/openapi.json"
# Fixed, so that a failure seen once is seen again, in CI as on a laptop.
SEED = 20_261_122
MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZER = "fuzzer"
AUTHOR = "author"
TAG = "fuzzing"
# What the world fixture creates; comment ids are known because each test's truncation
# restarts the id sequences.
KNOWN_VALUES = {
    "username": [FUZZER, AUTHOR],
    "author": [FUZZER, AUTHOR],
    "favorited": [FUZZER, AUTHOR],
    "slug": ["fuzzers-article", "authors-article"],
    "comment_id": [1, 2],
    "tag": [TAG],
}

# No example database: each run generates afresh from the seed, and nothing is written.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    }
)
# The document as the app serves it; the requests go to the suite's app below.
schema = schemathesis.openapi.from_wsgi(DOCUMENT_URL, create_app(TestingConfig()), config=CONFIG)


def _known_or_generated(values: dict | None) -> st.SearchStrategy[dict | None]:
    """Return a strategy for values as generated, or with the known ones swapped in."""
    known = {
        name: st.sampled_from(KNOWN_VALUES[name]) for name in values or {} if name in KNOWN_VALUES
    }
    if not known:
        return st.just(values)
    return st.one_of(
        st.just(values), st.fixed_dictionaries(known).map(lambda chosen: values | chosen)
    )


@schema.hook
def flatmap_path_parameters(_context, path_parameters):
    return _known_or_generated(path_parameters)


@schema.hook
def flatmap_query(_context, query):
    return _known_or_generated(query)


@pytest.fixture
def world(make_user, make_article, make_comment):
    """Two users, an article by each (tagged), and a comment by each on the other's article."""
    fuzzer, author = make_user(FUZZER), make_user(AUTHOR)
    fuzzers_article = make_article(fuzzer, title="Fuzzers article", tags=[TAG])
    authors_article = make_article(author, title="Authors article", tags=[TAG])
    comments = [make_comment(authors_article, fuzzer), make_comment(fuzzers_article, author)]
    assert [article.slug for article in (fuzzers_article, authors_article)] == KNOWN_VALUES["slug"]
    assert [comment.id for comment in comments] == KNOWN_VALUES["comment_id"]
    return fuzzer


@pytest.fixture
def wsgi_app(app):
    """The suite's app, running each request in an app context of its own as a server does.

    Otherwise requests would share the test's database session, and one request's failed
    transaction would fail the next.
    """

    def serve(environ, start_response):
        with app.app_context():
            return app(environ, start_response)

    return serve


@pytest.fixture
def valid_token(db, world):
    """Return a function giving a current token for the fuzzer.

    A fuzzed PUT /user may change the password, which revokes the tokens issued before.
    """

    def token() -> str:
        db.session.refresh(world)
        return issue_token(world)

    return token


# The world is shared by the examples of one operation on purpose: writes pile up in it.
SHARED_WORLD = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@schema.parametrize()
@SHARED_WORLD
def test_no_operation_fails_without_a_token(case, wsgi_app, world):
    case.call_and_validate(app=wsgi_app, checks=CHECKS)


@schema.parametrize()
@SHARED_WORLD
def test_no_operation_fails_with_a_valid_token(case, wsgi_app, valid_token):
    headers = {"Authorization": f"Token {valid_token()}"}
    case.call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS)
