"""The API's OpenAPI 3.1 document, built from the URL map and the marshmallow schemas.

Paths and methods come from the app's rules under the API's prefix; request and response
bodies from the schemas the routes load and dump; the rest (who may call, what a route
answers) from the small table below. A rule without a row is left out of the document,
which tests/test_openapi.py reports.
"""

import enum
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_instance
from marshmallow import Schema, fields, validate
from werkzeug.routing import IntegerConverter, Map, Rule

from app.accounts.schemas import (
    EmailVerification,
    NoticeOut,
    PasswordResetConfirm,
    PasswordResetRequest,
)
from app.articles.comments.schemas import (
    CommentCreate,
    CommentListOut,
    CommentOut,
    CommentUpdate,
)
from app.articles.schemas import (
    ArticleCreate,
    ArticleListOut,
    ArticleOut,
    ArticleQuery,
    ArticleUpdate,
    PageQuery,
    TagListOut,
)
from app.moderation.schemas import ReportCreate, ReportOut
from app.users.schemas import ProfileOut, UserLogin, UserOut, UserRegister, UserUpdate
from app.web.http import WRITE_METHODS
from app.web.idempotency import HEADER as IDEMPOTENCY_HEADER
from app.web.idempotency import KEY_PATTERN as IDEMPOTENCY_KEY_PATTERN
from app.web.schemas import BaseSchema, String, Timestamp, TrimmedString

TITLE = "Conduit API"
VERSION = "1.0.0"
OPENAPI_VERSION = "3.1.0"
SECURITY_SCHEME = "Token"
# Flask adds these to every rule; they are not operations of the API.
IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})
NO_NUL = r"^[^\x00]*$"
# A variable in a Werkzeug rule: <name>, <converter:name> or <converter(arguments):name>.
RULE_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<arguments>[^)]*)\))?:)?(?P<name>\w+)>")
NOT_BLANK = r"^[^\x00]*\S[^\x00]*$"


class Auth(enum.Enum):
    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Operation:
    """What the URL map cannot tell about one route."""

    summary: str
    tag: str
    status: int
    answer: type[Schema] | None = None
    auth: Auth = Auth.NONE
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    errors: tuple[int, ...] = ()
    idempotent: bool = False


@cache
def envelope(key: str, schema: type[Schema]) -> type[Schema]:
    """Return the schema of the spec's `{key: schema}` wrapper, one class per pair."""
    return BaseSchema.from_dict(
        {key: fields.Nested(schema, required=True)}, name=f"{schema.__name__}Envelope"
    )


Errors = BaseSchema.from_dict(
    {
        "errors": fields.Dict(
            keys=fields.String(), values=fields.List(fields.String()), required=True
        )
    },
    name="Errors",
)

USER = envelope("user", UserOut)
PROFILE = envelope("profile", ProfileOut)
ARTICLE = envelope("article", ArticleOut)
COMMENT = envelope("comment", CommentOut)
REPORT = envelope("report", ReportOut)

OPERATIONS: dict[str, Operation] = {
    "api.auth_api.register": Operation(
        "Register a user", "User and Authentication", 201, USER,
        body=envelope("user", UserRegister),
    ),
    "api.auth_api.login": Operation(
        "Sign in", "User and Authentication", 200, USER,
        body=envelope("user", UserLogin), errors=(401,),
    ),
    "api.auth_api.current_user_details": Operation(
        "Get the current user", "User and Authentication", 200, USER, Auth.REQUIRED
    ),
    "api.auth_api.update_current_user": Operation(
        "Update the current user", "User and Authentication", 200, USER, Auth.REQUIRED,
        body=envelope("user", UserUpdate),
    ),
    "api.accounts_api.request_password_reset": Operation(
        "Mail a password reset link (our addition); the same answer for any address",
        "User and Authentication", 202, NoticeOut, body=envelope("user", PasswordResetRequest),
    ),
    "api.accounts_api.confirm_password_reset": Operation(
        "Set a new password with a mailed reset token (our addition); every token ends",
        "User and Authentication", 204, body=envelope("user", PasswordResetConfirm),
    ),
    "api.accounts_api.resend_verification": Operation(
        "Mail a new email verification link (our addition)", "User and Authentication", 202,
        NoticeOut, Auth.REQUIRED,
    ),
    "api.accounts_api.verify_email": Operation(
        "Verify an email address with a mailed token (our addition)",
        "User and Authentication", 204, body=envelope("user", EmailVerification),
    ),
    "api.profiles_api.profile": Operation("Get a profile", "Profile", 200, PROFILE, Auth.OPTIONAL),
    "api.profiles_api.follow": Operation(
        "Follow a user", "Profile", 200, PROFILE, Auth.REQUIRED, errors=(422,)
    ),
    "api.profiles_api.unfollow": Operation(
        "Unfollow a user", "Profile", 200, PROFILE, Auth.REQUIRED
    ),
    "api.articles_api.list_articles": Operation(
        "List recent articles, filtered, or search them with q", "Articles", 200,
        ArticleListOut, Auth.OPTIONAL, query=ArticleQuery,
    ),
    "api.articles_api.feed": Operation(
        "List recent articles by followed users", "Articles", 200, ArticleListOut, Auth.REQUIRED,
        query=PageQuery,
    ),
    "api.articles_api.popular": Operation(
        "List this week's most read articles (our addition), most read first", "Articles",
        200, ArticleListOut, Auth.OPTIONAL,
    ),
    "api.articles_api.create_article": Operation(
        "Create an article", "Articles", 201, ARTICLE, Auth.REQUIRED,
        body=envelope("article", ArticleCreate), idempotent=True,
    ),
    "api.articles_api.get_article": Operation(
        "Get an article", "Articles", 200, ARTICLE, Auth.OPTIONAL
    ),
    "api.articles_api.update_article": Operation(
        "Update an article (tagList, when sent, replaces the tags)", "Articles", 200, ARTICLE,
        Auth.REQUIRED, body=envelope("article", ArticleUpdate), errors=(403,),
    ),
    "api.articles_api.delete_article": Operation(
        "Delete an article", "Articles", 204, auth=Auth.REQUIRED, errors=(403,)
    ),
    "api.articles_api.favorite": Operation(
        "Favorite an article", "Favorites", 200, ARTICLE, Auth.REQUIRED
    ),
    "api.articles_api.unfavorite": Operation(
        "Unfavorite an article", "Favorites", 200, ARTICLE, Auth.REQUIRED
    ),
    "api.articles_api.tags": Operation("List the tags in use", "Tags", 200, TagListOut),
    "api.comments_api.list_comments": Operation(
        "List an article's comments", "Comments", 200, CommentListOut, Auth.OPTIONAL
    ),
    "api.comments_api.add_comment": Operation(
        "Comment on an article", "Comments", 200, COMMENT, Auth.REQUIRED,
        body=envelope("comment", CommentCreate), idempotent=True,
    ),
    "api.comments_api.edit_comment": Operation(
        "Edit a comment's body", "Comments", 200, COMMENT, Auth.REQUIRED,
        body=envelope("comment", CommentUpdate), errors=(403,),
    ),
    "api.comments_api.delete_comment": Operation(
        "Delete a comment", "Comments", 204, auth=Auth.REQUIRED, errors=(403,)
    ),
    "api.reports_api.report_article": Operation(
        "Report an article to the moderators (our addition)", "Reports", 201, REPORT,
        Auth.REQUIRED, body=envelope("report", ReportCreate), errors=(403, 409),
    ),
    "api.reports_api.report_comment": Operation(
        "Report a comment to the moderators (our addition)", "Reports", 201, REPORT,
        Auth.REQUIRED, body=envelope("report", ReportCreate), errors=(403, 409),
    ),
    "api.openapi_document": Operation("This OpenAPI document", "Documentation", 200),
}  # fmt: skip

ERROR_RESPONSES = {
    400: ("BadRequest", "The body is not a JSON object with the expected member"),
    401: ("Unauthorized", "The token is missing, malformed, expired or revoked"),
    403: ("Forbidden", "Only the author may do this (a report: anyone else only)"),
    404: ("NotFound", "No such resource"),
    409: ("Conflict", "This Idempotency-Key is still in progress, or the report is open already"),
    413: ("ContentTooLarge", "The request body is larger than the server accepts"),
    422: ("UnprocessableContent", "Invalid fields; each field names its messages"),
    429: ("TooManyRequests", "Rate limited; retry after Retry-After seconds"),
}
TOKEN_DESCRIPTION = (
    "A JWT from POST /users or POST /users/login, sent as `Authorization: Token <jwt>` "
    "(the RealWorld form) or `Authorization: Bearer <jwt>`. Operations that take it "
    "optionally answer 401 for a bad one all the same."
)
IDEMPOTENCY_DESCRIPTION = (
    "Optional. The same key from the same user within 24 hours answers the first "
    "request's result again (with `Idempotent-Replayed: true`) instead of writing twice; "
    "the same key with a different request answers 422."
)


class Converter(OpenAPIConverter):
    """Adds what apispec cannot read from our fields, and marks output fields required.

    Every field of an output schema (named ...Out) is required, since a dump writes them all.
    """

    def init_attribute_functions(self) -> None:
        super().init_attribute_functions()
        self.attribute_functions.append(self.string_rules)

    def string_rules(self, field: fields.Field, ret: dict, **_kwargs) -> dict:
        """Return what our strings refuse (NUL, blank) and accept (emails) as JSON Schema."""
        rules: dict[str, Any] = {}
        if isinstance(field, String) and "pattern" not in ret:
            blank_refused = isinstance(field, TrimmedString) and not field.allow_blank
            rules["pattern"] = NOT_BLANK if blank_refused else NO_NUL
        if any(isinstance(validator, validate.Email) for validator in field.validators):
            rules["format"] = "email"
        return rules

    def schema2jsonschema(self, schema) -> dict:
        jsonschema = super().schema2jsonschema(schema)
        if type(resolve_schema_instance(schema)).__name__.endswith("Out"):
            jsonschema["required"] = sorted(jsonschema["properties"])
        return jsonschema


class Plugin(MarshmallowPlugin):
    Converter = Converter


def new_spec(server_url: str) -> APISpec:
    plugin = Plugin()
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        servers=[{"url": server_url}],
    )
    plugin.map_to_openapi_type(Timestamp, "string", "date-time")
    spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": TOKEN_DESCRIPTION,
        },
    )
    for status, (name, _description) in ERROR_RESPONSES.items():
        spec.components.response(name, error_response(status))
    return spec


def error_response(status: int) -> dict:
    """Return the response component for an error status: the shared error shape."""
    response = {
        "description": ERROR_RESPONSES[status][1],
        "content": {"application/json": {"schema": Errors}},
    }
    if status == 429:
        retry_after = {"type": "integer", "minimum": 1}
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait", "schema": retry_after}
        }
    return response


def openapi_path(rule: Rule, prefix: str) -> str:
    """Return rule's path below prefix with Werkzeug's <converter:name> as OpenAPI's {name}."""
    return RULE_VARIABLE.sub(r"{\g<name>}", rule.rule.removeprefix(prefix))


def path_parameters(rule: Rule, url_map: Map) -> list[dict]:
    """Return the OpenAPI parameters of rule's variables, typed by their converters."""
    parameters = []
    for variable in sorted(RULE_VARIABLE.finditer(rule.rule), key=lambda match: match["name"]):
        converter = url_map.converters[variable["converter"] or "default"]
        if issubclass(converter, IntegerConverter):
            schema: dict[str, Any] = {"type": "integer"}
            if "signed=True" not in (variable["arguments"] or ""):
                schema["minimum"] = 0
        else:
            schema = {"type": "string", "minLength": 1, "pattern": r"^[^/\x00]+$"}
        name = variable["name"]
        parameters.append({"in": "path", "name": name, "required": True, "schema": schema})
    return parameters


def error_statuses(operation: Operation, rule: Rule, method: str) -> set[int]:
    """Return the 4xx codes operation can answer besides those its row names."""
    statuses = set(operation.errors)
    if operation.auth is not Auth.NONE:
        statuses.add(401)
    if rule.arguments:
        statuses.add(404)
    if operation.body is not None:
        statuses |= {400, 413, 422}
    if operation.query is not None:
        statuses.add(422)
    if operation.idempotent:
        statuses |= {409, 422}
    if method in WRITE_METHODS:
        statuses.add(429)
    return statuses


def success_response(operation: Operation) -> dict:
    if operation.status == 204:
        return {"description": "Done; no content"}
    schema = operation.answer or {"type": "object"}
    return {"description": operation.summary, "content": {"application/json": {"schema": schema}}}


def describe(operation: Operation, rule: Rule, method: str, url_map: Map) -> dict:
    """Return the OpenAPI operation object for method on rule."""
    parameters = path_parameters(rule, url_map)
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    if operation.idempotent:
        key_schema = {"type": "string", "pattern": f"^{IDEMPOTENCY_KEY_PATTERN.pattern}$"}
        parameters.append(
            {
                "in": "header",
                "name": IDEMPOTENCY_HEADER,
                "required": False,
                "description": IDEMPOTENCY_DESCRIPTION,
                "schema": key_schema,
            }
        )
    responses: dict[str, Any] = {str(operation.status): success_response(operation)}
    for status in sorted(error_statuses(operation, rule, method)):
        responses[str(status)] = ERROR_RESPONSES[status][0]
    described: dict[str, Any] = {
        "operationId": rule.endpoint.rsplit(".", 1)[-1],
        "summary": operation.summary,
        "tags": [operation.tag],
        "security": {
            Auth.NONE: [],
            Auth.OPTIONAL: [{}, {SECURITY_SCHEME: []}],
            Auth.REQUIRED: [{SECURITY_SCHEME: []}],
        }[operation.auth],
        "responses": responses,
    }
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        body_content = {"application/json": {"schema": operation.body}}
        described["requestBody"] = {"required": True, "content": body_content}
    return described


def api_rules(url_map: Map, prefix: str) -> list[Rule]:
    """Return the rules under prefix that the table describes, in the map's order."""
    return [
        rule
        for rule in url_map.iter_rules()
        if rule.rule.startswith(prefix + "/") and rule.endpoint in OPERATIONS
    ]


def build_document(url_map: Map, prefix: str, server_url: str) -> dict:
    """Return the OpenAPI document of the rules under prefix, served at server_url."""
    spec = new_spec(server_url)
    paths: dict[str, dict] = {}
    for rule in api_rules(url_map, prefix):
        operation = OPERATIONS[rule.endpoint]
        for method in sorted((rule.methods or set()) - IMPLICIT_METHODS):
            described = describe(operation, rule, method, url_map)
            paths.setdefault(openapi_path(rule, prefix), {})[method.lower()] = described
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
