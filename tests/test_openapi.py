"""The OpenAPI document at /api/v1/openapi.json: valid, complete, true to the routes and
to the RealWorld contract (shared/spec/realworld-openapi.yml, beside the repository)."""

import re
from pathlib import Path

import jsonschema_rs
import pytest
import schemathesis
import yaml

from app.api.openapi import IMPLICIT_METHODS, OPERATIONS
from tests.contract import OUR_FIELDS, OUR_LIST_QUERY

DOCUMENT_URL = "/api/v1/openapi.json"
PREFIX = "/api/v1"
REALWORLD_SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "realworld-openapi.yml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
# RealWorld's components and ours for the same objects.
SAME_OBJECTS = {
    "User": "UserOut",
    "Profile": "ProfileOut",
    "Article": "ArticleOut",
    "Comment": "CommentOut",
}
REQUIRED = [{"Token": []}]
OPTIONAL = [{}, {"Token": []}]
GARBAGE_TOKEN = {"Authorization": "Token not-a-jwt"}


@pytest.fixture(scope="module")
def document(app):
    response = app.test_client().get(DOCUMENT_URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture(scope="module")
def realworld():
    if not REALWORLD_SPEC.exists():
        pytest.fail(f"The RealWorld spec is missing: expected at {REALWORLD_SPEC}")
    return yaml.safe_load(REALWORLD_SPEC.read_text(encoding="utf-8"))


def operations(spec: dict):
    """Yield (path, method, operation) for every operation in spec."""
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def resolve(spec: dict, node: dict) -> dict:
    """Return node, or what its local $ref points at."""
    while "$ref" in node:
        reference = node["$ref"]
        node = spec
        for part in reference.removeprefix("#/").split("/"):
            node = node[part]
    return node


def blank_names(path: str) -> str:
    """Return path with parameter names blanked: /a/{slug} and /a/{id} are one path."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def success_statuses(operation: dict) -> set[str]:
    return {status for status in operation["responses"] if status.startswith("2")}


def api_routes(app) -> set[tuple[str, str]]:
    """Return (OpenAPI path, method) for every rule the app serves under /api/v1 but the
    reference's pages, which are for people."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/") and not rule.endpoint.startswith("api.docs."):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            routes |= {(path, method.lower()) for method in rule.methods - IMPLICIT_METHODS}
    return routes


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(document).validate()


def test_validation_would_catch_a_broken_document(document):
    broken = document | {"paths": {"/broken": {"get": {"responses": "none"}}}}
    with pytest.raises(jsonschema_rs.ValidationError):
        schemathesis.openapi.from_dict(broken).validate()


def test_document_is_served_for_the_api_prefix(document):
    assert document["servers"] == [{"url": PREFIX}]


def test_every_api_route_is_documented_and_nothing_else(app, document):
    documented = {(path, method) for path, method, _ in operations(document)}
    assert documented == api_routes(app)


def test_every_row_of_the_table_names_an_api_route(app):
    endpoints = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX + "/")
    }
    assert set(OPERATIONS) - endpoints == set()


def test_realworld_operations_exist_with_the_same_success_status(document, realworld):
    ours = {
        (blank_names(path), method): success_statuses(operation)
        for path, method, operation in operations(document)
    }
    for path, method, operation in operations(realworld):
        assert (blank_names(path), method) in ours, f"{method.upper()} {path} is not documented"
        assert ours[blank_names(path), method] == success_statuses(operation), (method, path)


def test_realworld_operations_that_need_a_token_require_one(document, realworld):
    ours = {(blank_names(path), method): op for path, method, op in operations(document)}
    for path, method, operation in operations(realworld):
        security = ours[blank_names(path), method]["security"]
        if operation.get("security"):
            assert security == REQUIRED, (method, path)
        else:
            assert security in ([], OPTIONAL), (method, path)


def test_output_objects_have_realworld_fields_all_required(document, realworld):
    for theirs, ours in SAME_OBJECTS.items():
        expected = realworld["components"]["schemas"][theirs]
        actual = document["components"]["schemas"][ours]
        additions = OUR_FIELDS.get(theirs, set())
        assert set(actual["properties"]) == set(expected["properties"]) | additions, ours
        assert sorted(actual["required"]) == sorted({*expected["required"], *additions}), ours


def test_a_comment_says_whether_it_was_edited(document):
    edited = document["components"]["schemas"]["CommentOut"]["properties"]["edited"]
    assert edited["type"] == "boolean"
    assert "changed" in edited["description"]


def test_editing_a_comment_is_documented_for_its_author(document):
    operation = document["paths"]["/articles/{slug}/comments/{comment_id}"]["put"]
    assert operation["security"] == REQUIRED
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "413", "422", "429"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CommentUpdateEnvelope"}


def test_list_items_are_articles_without_their_body(document):
    summary = document["components"]["schemas"]["ArticleSummaryOut"]
    article = document["components"]["schemas"]["ArticleOut"]
    assert set(article["properties"]) - set(summary["properties"]) == {"body"}
    assert sorted(summary["required"]) == sorted(summary["properties"])
    listing = document["components"]["schemas"]["ArticleListOut"]
    assert listing["required"] == ["articles", "articlesCount"]
    assert listing["properties"]["articles"]["items"] == {
        "$ref": "#/components/schemas/ArticleSummaryOut"
    }
    assert listing["properties"]["articlesCount"] == {"type": "integer"}


def test_timestamps_are_documented_as_date_times(document):
    for name in ("ArticleOut", "CommentOut"):
        properties = document["components"]["schemas"][name]["properties"]
        for timestamp in ("createdAt", "updatedAt"):
            assert properties[timestamp] == {"type": "string", "format": "date-time"}


@pytest.mark.parametrize("path", ["/articles", "/articles/feed"])
def test_list_pages_document_limit_and_offset_bounds(document, path):
    parameters = {
        parameter["name"]: parameter for parameter in document["paths"][path]["get"]["parameters"]
    }
    assert parameters["limit"]["in"] == "query"
    assert parameters["limit"]["schema"]["minimum"] == 1
    assert parameters["limit"]["schema"]["default"] == 20
    assert parameters["offset"]["schema"]["minimum"] == 0
    assert not parameters["limit"]["required"]
    assert not parameters["offset"]["required"]


def test_articles_can_be_filtered_by_tag_author_and_favorited(document):
    names = {parameter["name"] for parameter in document["paths"]["/articles"]["get"]["parameters"]}
    assert names == {"limit", "offset", "tag", "author", "favorited"} | OUR_LIST_QUERY


def test_path_parameters_are_required_and_typed(document):
    delete = document["paths"]["/articles/{slug}/comments/{comment_id}"]["delete"]
    parameters = {parameter["name"]: parameter for parameter in delete["parameters"]}
    assert parameters["slug"]["in"] == "path"
    assert parameters["slug"]["required"] is True
    assert parameters["slug"]["schema"]["type"] == "string"
    assert parameters["comment_id"]["schema"] == {"type": "integer", "minimum": 0}


def test_request_bodies_are_the_realworld_envelopes(document, realworld):
    ours = {(blank_names(path), method): op for path, method, op in operations(document)}
    for path, method, operation in operations(realworld):
        if "requestBody" not in operation:
            continue
        body = resolve(realworld, operation["requestBody"])
        expected = resolve(realworld, body["content"]["application/json"]["schema"])
        documented = ours[blank_names(path), method]["requestBody"]
        assert documented["required"] is True
        envelope = resolve(document, documented["content"]["application/json"]["schema"])
        assert envelope["required"] == expected["required"], path
        (key,) = expected["required"]
        inner = resolve(document, envelope["properties"][key])
        theirs = resolve(realworld, expected["properties"][key])
        assert set(theirs["properties"]) <= set(inner["properties"]), path
        assert sorted(inner.get("required", [])) == sorted(theirs.get("required", [])), path


def test_article_update_also_takes_a_tag_list(document):
    update = document["components"]["schemas"]["ArticleUpdate"]
    assert update["properties"]["tagList"]["type"] == "array"
    assert "required" not in update


def test_every_error_answers_the_shared_error_shape(document):
    errors = document["components"]["schemas"]["Errors"]
    assert errors["required"] == ["errors"]
    assert errors["properties"]["errors"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                content = resolve(document, response)["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Errors"}, (
                    method,
                    path,
                    status,
                )


def test_error_statuses_follow_what_each_operation_can_meet(document):
    create = document["paths"]["/articles"]["post"]["responses"]
    assert set(create) == {"201", "400", "401", "409", "413", "422", "429"}
    update = document["paths"]["/articles/{slug}"]["put"]["responses"]
    assert set(update) == {"200", "400", "401", "403", "404", "413", "422", "429"}
    assert set(document["paths"]["/tags"]["get"]["responses"]) == {"200"}
    profile = document["paths"]["/profiles/{username}"]["get"]["responses"]
    assert set(profile) == {"200", "401", "404"}
    login = document["paths"]["/users/login"]["post"]["responses"]
    assert set(login) == {"200", "400", "401", "413", "422", "429"}


def test_rate_limited_answers_document_retry_after(document):
    too_many = document["components"]["responses"]["TooManyRequests"]
    assert too_many["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}


@pytest.mark.parametrize("path", ["/articles", "/articles/{slug}/comments"])
def test_creating_posts_take_an_optional_idempotency_key(document, path):
    (header,) = [
        parameter
        for parameter in document["paths"][path]["post"]["parameters"]
        if parameter["in"] == "header"
    ]
    assert header["name"] == "Idempotency-Key"
    assert header["required"] is False


def test_token_scheme_is_the_authorization_header(document):
    scheme = document["components"]["securitySchemes"]["Token"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    assert "Token <jwt>" in scheme["description"]
    assert "Bearer <jwt>" in scheme["description"]


@pytest.fixture
def url_of(make_user, make_article, make_comment):
    """Return a function giving the URL of a documented path, filled with existing objects."""
    author = make_user("writer")
    article = make_article(author, title="Documented")
    comment = make_comment(article, author)
    values = {"username": author.username, "slug": article.slug, "comment_id": comment.id}

    def url(path: str) -> str:
        return PREFIX + re.sub(r"\{([^}]+)\}", lambda name: str(values[name[1]]), path)

    return url


def status_of(client, method: str, url: str, headers: dict) -> int:
    return client.open(url, method=method.upper(), json={}, headers=headers).status_code


def test_documented_security_is_what_the_routes_do(client, document, url_of):
    """Required: no token is 401. Optional: a bad token is 401, none is not.
    None: the Authorization header changes nothing."""
    for path, method, operation in operations(document):
        url = url_of(path)
        if operation["security"] == REQUIRED:
            assert status_of(client, method, url, {}) == 401, (method, path)
        elif operation["security"] == OPTIONAL:
            assert status_of(client, method, url, GARBAGE_TOKEN) == 401, (method, path)
            assert status_of(client, method, url, {}) != 401, (method, path)
        else:
            with_token = status_of(client, method, url, GARBAGE_TOKEN)
            assert with_token == status_of(client, method, url, {}), (method, path)
