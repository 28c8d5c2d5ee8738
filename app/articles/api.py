"""The API's articles, feed, favorites and tags."""

from flask import Blueprint, request

from app.articles import services
from app.articles.models import Article, ArticleView, Tag, count_of
from app.articles.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticleQuery,
    ArticleSummaryOut,
    ArticleUpdate,
    PageQuery,
)
from app.auth.decorators import token_optional, token_required
from app.envelope import load, unwrap, wrap
from app.users.models import User

blueprint = Blueprint("articles_api", __name__)


def _article_list(listing, viewer: User | None, page: dict):
    views = ArticleView.page(
        listing, viewer and viewer.id, limit=page["limit"], offset=page["offset"]
    )
    return {
        "articles": ArticleSummaryOut(many=True).dump(views),
        "articlesCount": count_of(listing),
    }


@blueprint.get("/articles")
@token_optional
def list_articles(viewer: User | None):
    query = load(ArticleQuery(), request.args)
    page = {"limit": query.pop("limit"), "offset": query.pop("offset")}
    return _article_list(Article.listing(**query), viewer, page)


@blueprint.get("/articles/feed")
@token_required
def feed(current_user: User):
    page = load(PageQuery(), request.args)
    return _article_list(Article.listing(feed_of=current_user.id), current_user, page)


@blueprint.post("/articles")
@token_required
def create_article(current_user: User):
    fields = unwrap("article", ArticleCreate())
    article = services.create_article(current_user, fields)
    return wrap("article", ArticleOut(), ArticleView.of(article, current_user.id)), 201


@blueprint.get("/articles/<slug>")
@token_optional
def get_article(slug: str, viewer: User | None):
    return wrap("article", ArticleOut(), ArticleView.by_slug_or_404(slug, viewer and viewer.id))


@blueprint.put("/articles/<slug>")
@token_required
def update_article(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug)
    changes = unwrap("article", ArticleUpdate())
    article = services.update_article(article, current_user, changes)
    return wrap("article", ArticleOut(), ArticleView.of(article, current_user.id))


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
    return wrap("article", ArticleOut(), ArticleView.of(article, current_user.id))


@blueprint.delete("/articles/<slug>/favorite")
@token_required
def unfavorite(slug: str, current_user: User):
    article = Article.by_slug_or_404(slug)
    services.unfavorite(article, current_user)
    return wrap("article", ArticleOut(), ArticleView.of(article, current_user.id))


@blueprint.get("/tags")
def tags():
    return {"tags": Tag.names_in_use()}
