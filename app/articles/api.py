"""The API's articles, feed, favorites and tags."""

from flask import Blueprint, request

from app import cache
from app.articles import popularity, reads, search, services
from app.articles.models import Article
from app.articles.schemas import (
    ArticleCreate,
    ArticleListOut,
    ArticleOut,
    ArticleQuery,
    ArticleSearchOut,
    ArticleUpdate,
    PageQuery,
    TagListOut,
)
from app.articles.tags import tag_names
from app.auth.tokens import token_optional, token_required
from app.errors import Unauthorized
from app.users.models import User
from app.web.envelope import unwrap, wrap
from app.web.idempotency import idempotent

blueprint = Blueprint("articles_api", __name__)

# Schemas keep no state between loads and dumps, and the hot reads reuse theirs: building a
# schema costs a third of dumping a page through it (README, Performance).
ARTICLE_QUERY = ArticleQuery()
PAGE_QUERY = PageQuery()
ARTICLE_LIST = ArticleListOut()
SEARCH_RESULTS = ArticleSearchOut()
ARTICLE = ArticleOut()


def _article(slug: str, viewer: User | None) -> dict:
    return wrap("article", ARTICLE, reads.article_data(slug, viewer))


@blueprint.get("/articles")
@token_optional
@cache.cached_response(
    "articles-answer",
    depends_on=lambda viewer: reads.LISTS_DEPEND_ON,
    # A search is never cached: anyone can make up its words.
    arguments=ARTICLE_QUERY.fields.keys() - {"q"},
)
def list_articles(viewer: User | None):
    query = ARTICLE_QUERY.load(request.args)
    limit, offset = query.pop("limit"), query.pop("offset")
    words = query.pop("q", "")
    if query.pop("drafts"):
        if viewer is None:
            raise Unauthorized({"token": ["is missing: drafts are their author's"]})
        query["drafts_of"] = viewer.id
    if words:
        found = search.search_page(words, query, viewer, limit=limit, offset=offset)
        return SEARCH_RESULTS.dump(found)
    page = reads.article_page(query, viewer, limit=limit, offset=offset)
    return ARTICLE_LIST.dump(page)


@blueprint.get("/articles/feed")
@token_required
def feed(current_user: User):
    query = PAGE_QUERY.load(request.args)
    page = reads.article_page({"feed_of": current_user.id}, current_user, **query)
    return ARTICLE_LIST.dump(page)


@blueprint.post("/articles")
@token_required
@idempotent
def create_article(current_user: User):
    fields = unwrap("article", ArticleCreate())
    article = services.create_article(current_user, fields)
    return _article(article.slug, current_user), 201


@blueprint.get("/articles/popular")
@token_optional
def popular(viewer: User | None):
    return ARTICLE_LIST.dump(popularity.popular_page(viewer))


@blueprint.get("/articles/<slug>")
@token_optional
@popularity.counts_views(lambda slug, viewer: viewer)
@cache.cached_response(
    "article-answer", depends_on=lambda slug, viewer: reads.article_depends_on(slug)
)
def get_article(slug: str, viewer: User | None):
    return _article(slug, viewer)


@blueprint.put("/articles/<slug>")
@token_required
def update_article(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug, current_user)
    changes = unwrap("article", ArticleUpdate())
    article = services.update_article(article, current_user, changes)
    return _article(article.slug, current_user)


@blueprint.delete("/articles/<slug>")
@token_required
def delete_article(slug: str, current_user: User):
    services.delete_article(Article.by_slug_or_404(slug, current_user), current_user)
    return "", 204


@blueprint.post("/articles/<slug>/favorite")
@token_required
def favorite(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug, current_user)
    services.favorite(article, current_user)
    return _article(article.slug, current_user)


@blueprint.delete("/articles/<slug>/favorite")
@token_required
def unfavorite(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug, current_user)
    services.unfavorite(article, current_user)
    return _article(article.slug, current_user)


@blueprint.get("/tags")
def tags():
    return TagListOut().dump({"tags": tag_names()})
