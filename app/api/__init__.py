"""The /api/v1 blueprint, which nests each feature's API blueprint, its OpenAPI document and
the API reference that draws it."""

from flask import Blueprint, current_app, request

from app.accounts.api import blueprint as accounts_api
from app.api.docs import blueprint as docs
from app.api.openapi import build_document
from app.articles.api import blueprint as articles_api
from app.articles.comments.api import blueprint as comments_api
from app.auth.api import blueprint as auth_api
from app.moderation.api import blueprint as reports_api
from app.profiles.api import blueprint as profiles_api

api = Blueprint("api", __name__, url_prefix="/api/v1")
feature_apis = (auth_api, accounts_api, profiles_api, articles_api, comments_api, reports_api)
for feature_api in feature_apis:
    api.register_blueprint(feature_api)
api.register_blueprint(docs)


@api.get("/openapi.json")
def openapi_document():
    """The API's OpenAPI document, built once per process from the URL map and the schemas."""
    server_url = request.script_root + (api.url_prefix or "")
    documents = current_app.extensions.setdefault("openapi_documents", {})
    if server_url not in documents:
        documents[server_url] = build_document(
            current_app.url_map, api.url_prefix or "", server_url
        )
    return documents[server_url]
