import logging

import pytest
from marshmallow import ValidationError

from app import create_app
from app.errors import ValidationFailed, flatten_messages, validation_failed
from config import TestingConfig

SECRET_DETAIL = "database password is hunter2"


def explode():
    raise RuntimeError(SECRET_DETAIL)


@pytest.fixture
def failing_client():
    """A client of a throwaway app with routes that raise, so the session app stays untouched."""
    failing_app = create_app(TestingConfig())
    failing_app.add_url_rule("/api/v1/explode", "api_explode", explode)
    failing_app.add_url_rule("/explode", "page_explode", explode)
    return failing_app.test_client()


def assert_error_shape(response) -> None:
    assert response.is_json
    assert set(response.json) == {"errors"}
    assert response.json["errors"]
    for messages in response.json["errors"].values():
        assert messages
        assert all(isinstance(message, str) for message in messages)


def test_unknown_api_route_answers_json_not_found(client):
    response = client.get("/api/v1/nope")

    assert response.status_code == 404
    assert_error_shape(response)


def test_wrong_method_on_an_api_route_answers_json_with_allowed_methods(client):
    response = client.patch("/api/v1/articles")

    assert response.status_code == 405
    assert_error_shape(response)
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"\xff\xfe\x00",
        b'["user"]',
        b'"user"',
        b"null",
    ],
    ids=["unparseable", "empty", "not-utf8", "list", "string", "null"],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(client, body):
    response = client.post("/api/v1/users", data=body, content_type="application/json")

    assert response.status_code == 400
    assert_error_shape(response)


def test_a_json_body_sent_without_a_json_content_type_is_still_read(client):
    response = client.post(
        "/api/v1/users/login",
        data='{"user": {"email": "nobody@example.com"}}',
        content_type="text/plain",
    )

    assert response.status_code == 422
    assert response.json == {"errors": {"password": ["can't be blank"]}}


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "jake"}, {"user": None}, {"user": ["jake"]}, {"user": "jake"}],
    ids=["empty", "no-envelope", "null", "list", "string"],
)
def test_a_body_without_its_envelope_object_is_unprocessable(client, body):
    response = client.post("/api/v1/users", json=body)

    assert response.status_code == 422
    assert response.json == {"errors": {"user": ["must be a JSON object"]}}


def test_unknown_page_answers_html_not_found(client):
    response = client.get("/nope")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_the_url_path_not_the_accept_header_chooses_json(client):
    response = client.get("/api/v1/nope", headers={"Accept": "text/html"})

    assert response.status_code == 404
    assert_error_shape(response)


def test_unexpected_api_error_answers_json_without_details(failing_client, caplog):
    with caplog.at_level(logging.ERROR, logger="app.errors"):
        response = failing_client.get("/api/v1/explode")

    assert response.status_code == 500
    assert response.json == {"errors": {"body": ["Internal server error"]}}
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert SECRET_DETAIL not in body
    assert any(record.exc_info for record in caplog.records)


def test_unexpected_page_error_answers_html_without_details(failing_client, caplog):
    with caplog.at_level(logging.ERROR, logger="app.errors"):
        response = failing_client.get("/explode")

    assert response.status_code == 500
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "500" in body
    assert "Traceback" not in body
    assert SECRET_DETAIL not in body


def test_page_error_without_its_own_template_renders_the_generic_page(failing_client):
    response = failing_client.post("/explode")

    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "405" in response.get_data(as_text=True)
    assert "GET" in response.headers["Allow"]


def test_nested_validation_messages_reach_the_client_as_flat_strings(
    client, auth_headers, make_user
):
    response = client.post(
        "/api/v1/articles",
        json={
            "article": {
                "title": "Tags",
                "description": "d",
                "body": "b",
                "tagList": [1, "x" * 41],
            }
        },
        headers=auth_headers(make_user()),
    )

    assert response.status_code == 422
    assert response.json == {
        "errors": {"tagList": ["must be a string", "is too long (maximum is 40 characters)"]}
    }


@pytest.mark.parametrize(
    ("messages", "flat"),
    [
        ("is invalid", ["is invalid"]),
        (["is invalid", "is too long"], ["is invalid", "is too long"]),
        ({0: ["must be a string"], 2: ["is too long"]}, ["must be a string", "is too long"]),
        (
            {"a": {"b": ["deep"]}, "c": [["deeper", {"d": "deepest"}]]},
            ["deep", "deeper", "deepest"],
        ),
        ([], []),
    ],
    ids=["string", "list", "indexed", "nested", "empty"],
)
def test_flatten_messages_returns_a_flat_list_of_strings(messages, flat):
    assert flatten_messages(messages) == flat


def test_validation_failed_keeps_fields_and_flattens_their_messages():
    error = validation_failed(
        ValidationError({"tagList": {0: ["must be a string"]}, "title": ["can't be blank"]})
    )

    assert isinstance(error, ValidationFailed)
    assert error.status_code == 422
    assert error.errors == {"tagList": ["must be a string"], "title": ["can't be blank"]}


def test_validation_failed_files_schema_level_messages_under_body():
    error = validation_failed(ValidationError(["Invalid input type."]))

    assert error.errors == {"body": ["Invalid input type."]}
