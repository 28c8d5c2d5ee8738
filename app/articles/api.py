"""The API's articles, feed, favorites and tags."""

from flask import Blueprint, request

from app import cache
from app.articles import reads, services
from app.articles.models import Article
from app.articles.schemas import ArticleCreate, ArticleQuery, ArticleUpdate, PageQuery
from app.auth.decorators import token_optional, token_required, token_required_for_reading
from app.auth.tokens import Reader
from app.envelope import load, unwrap
from app.idempotency import idempotent
from app.users.models import User

blueprint = Blueprint("articles_api", __name__)


# Schemas hold no per-request state; building one costs more than the cached list it reads.
LIST_QUERY = ArticleQuery()
PAGE_QUERY = PageQuery()


def _article_list(filters: dict, viewer: Reader | None, page: dict) -> dict:
    shown = reads.article_list(filters, viewer, limit=page["limit"], offset=page["offset"])
    return {"articles": shown.articles, "articlesCount": shown.count}


def _article(slug: str, viewer: Reader | None) -> dict:
    return {"article": reads.article(slug, viewer).articles[0]}


@blueprint.get("/articles")
@token_optional
@cache.cached_response(
    "articles-answer",
    depends_on=lambda viewer: reads.LISTS_DEPEND_ON,
    arguments=LIST_QUERY.fields.keys(),
)
def list_articles(viewer: Reader | None):
    filters = load(LIST_QUERY, request.args)
    page = {"limit": filters.pop("limit"), "offset": filters.pop("offset")}
    return _article_list(filters, viewer, page)


@blueprint.get("/articles/feed")
@token_required_for_reading
def feed(viewer: Reader):
    page = load(PAGE_QUERY, request.args)
    return _article_list({"feed_of": viewer.id}, viewer, page)


@blueprint.post("/articles")
@token_required
@idempotent
def create_article(current_user: User):
    fields = unwrap("article", ArticleCreate())
    article = services.create_article(current_user, fields)
    return _article(article.slug, Reader.of(current_user)), 201


@blueprint.get("/articles/<slug>")
@token_optional
@cache.cached_response("article-answer", depends_on=lambda slug, viewer: reads.depends_on(slug))
def get_article(slug: str, viewer: Reader | None):
    return _article(slug, viewer)


@blueprint.put("/articles/<slug>")
@token_required
def update_article(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug)
    changes = unwrap("article", ArticleUpdate())
    article = services.update_article(article, current_user, changes)
    return _article(article.slug, Reader.of(current_user))


@blueprint.delete("/articles/<slug>")
@token_required
def delete_article(slug: str, current_user: User):
    services.delete_article(Article.by_slug_or_404(slug), current_user)
    return "", 204


@blueprint.post("/articles/<slug>/favorite")
@token_required
def favorite(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug)
    services.favorite(article, current_user)
    return _article(article.slug, Reader.of(current_user))


@blueprint.delete("/articles/<slug>/favorite")
@token_required
def unfavorite(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug)
    services.unfavorite(article, current_user)
    return _article(article.slug, Reader.of(current_user))


@blueprint.get("/tags")
def tags():
    return {"tags": reads.tag_names()}
