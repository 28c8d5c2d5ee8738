import pytest

from app import create_app
from config import TestingConfig

FRONTEND = "https://conduit.example.com"
ELSEWHERE = "https://evil.example.net"


class FrontendOnlyConfig(TestingConfig):
    CORS_ORIGINS = [FRONTEND]


@pytest.fixture
def restricted_client():
    return create_app(FrontendOnlyConfig()).test_client()


def preflight(client, origin: str):
    return client.options(
        "/api/v1/articles",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )


def allowed_headers(response) -> set[str]:
    header = response.headers.get("Access-Control-Allow-Headers", "")
    return {name.strip().lower() for name in header.split(",") if name.strip()}


def test_preflight_from_another_origin_allows_the_authorization_header(client):
    response = preflight(client, ELSEWHERE)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in {"*", ELSEWHERE}
    assert {"authorization", "content-type"} <= allowed_headers(response)
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_simple_api_request_from_another_origin_carries_the_allow_origin_header(client):
    response = client.get("/api/v1/articles", headers={"Origin": ELSEWHERE})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in {"*", ELSEWHERE}


def test_api_errors_carry_the_allow_origin_header_too(client):
    response = client.get("/api/v1/user", headers={"Origin": ELSEWHERE})

    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] in {"*", ELSEWHERE}


def test_pages_outside_the_api_get_no_cors_headers(client):
    response = client.get("/nope", headers={"Origin": ELSEWHERE})

    assert "Access-Control-Allow-Origin" not in response.headers


def test_configured_origin_is_allowed(restricted_client):
    simple = restricted_client.get("/api/v1/articles", headers={"Origin": FRONTEND})
    preflighted = preflight(restricted_client, FRONTEND)

    assert simple.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert preflighted.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "authorization" in allowed_headers(preflighted)


def test_origins_outside_the_configured_list_are_not_allowed(restricted_client):
    simple = restricted_client.get("/api/v1/articles", headers={"Origin": ELSEWHERE})
    preflighted = preflight(restricted_client, ELSEWHERE)

    assert "Access-Control-Allow-Origin" not in simple.headers
    assert "Access-Control-Allow-Origin" not in preflighted.headers


def test_a_preflights_answer_may_be_reused_for_the_configured_time(client):
    response = preflight(client, ELSEWHERE)

    assert response.headers["Access-Control-Max-Age"] == "600"


def test_browser_clients_may_read_the_retry_request_id_and_replay_headers(client):
    response = client.get("/api/v1/articles", headers={"Origin": ELSEWHERE})

    exposed = {
        name.strip().lower()
        for name in response.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert {"retry-after", "x-request-id", "idempotent-replayed"} <= exposed
    assert response.headers["X-Request-ID"]
