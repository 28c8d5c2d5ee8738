"""The /api/v1 blueprint, which nests each feature's API blueprint."""

from flask import Blueprint

from app.articles.api import blueprint as articles_api
from app.auth.api import blueprint as auth_api
from app.comments.api import blueprint as comments_api
from app.errors import NotFound
from app.users.api import blueprint as users_api

api = Blueprint("api", __name__, url_prefix="/api/v1")
for feature_api in (auth_api, users_api, articles_api, comments_api):
    api.register_blueprint(feature_api)


@api.url_value_preprocessor
def refuse_nul_in_path(_endpoint: str | None, values: dict | None) -> None:
    """No slug or username holds a NUL, and PostgreSQL cannot even compare one."""
    for name, value in (values or {}).items():
        if "\x00" in str(value):
            raise NotFound({name: ["not found"]})
