"""The browser's feeds, article page, editor, and favorites."""

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from app import cache
from app.articles import popularity, reads, services
from app.articles.markdown import render_markdown_once
from app.articles.models import Article
from app.articles.pages import (
    article_list_page,
    render_article_page,
    requested_tag,
    search_page,
)
from app.articles.redirects import SlugRedirect
from app.articles.schemas import SEARCH_MAX_LENGTH, ArticleCreate, ArticlePreview, ArticleUpdate
from app.articles.search import MATCHES_CONSIDERED
from app.articles.tags import popular_tag_names
from app.auth.login import signed_in_user, viewer
from app.errors import Forbidden, NotFound, ValidationFailed
from app.web.envelope import load
from app.web.limits import preview_limited
from app.web.pages import safe_next_url

blueprint = Blueprint("articles", __name__)

POPULAR_TAGS = 20
POPULAR_ARTICLES = 5
HOME_PAGE_DEPENDS_ON = (cache.ARTICLE_LISTS, cache.PROFILES, cache.TAGS)
TAG_SEPARATOR = re.compile(r"\s*,\s*")


def _feed_page(filters: dict, *, tab: str, tag: str | None = None):
    reader = viewer()
    return render_template(
        "articles/home.html",
        articles=article_list_page(filters, reader),
        tab=tab,
        tag=tag,
        popular_tags=popular_tag_names(POPULAR_TAGS),
        popular_articles=popularity.popular_page(reader, POPULAR_ARTICLES).articles,
    )


@blueprint.get("/")
@cache.cached_response(
    "home-page",
    depends_on=lambda: HOME_PAGE_DEPENDS_ON,
    arguments=("tag", "page"),
    # It shows the popular articles, which may be no staler than that.
    ttl=popularity.POPULAR_STALE_SECONDS,
)
def home():
    tag = requested_tag()
    return _feed_page({"tag": tag}, tab="tag" if tag else "global", tag=tag)


@blueprint.get("/feed")
@login_required
def feed():
    return _feed_page({"feed_of": signed_in_user().id}, tab="feed")


@blueprint.get("/search")
def search_results():
    """Published articles matching the words of ?q=, best first, with a tag as ?tag=."""
    words = request.args.get("q", "").strip()
    tag = requested_tag()
    if len(words) > SEARCH_MAX_LENGTH:
        message = f"Search for at most {SEARCH_MAX_LENGTH} characters."
        return render_template("articles/search.html", words=words, error=message), 422
    found = search_page(words, {"tag": tag}, viewer()) if words else None
    return render_template(
        "articles/search.html",
        words=words,
        tag=tag,
        found=found,
        matches_considered=MATCHES_CONSIDERED,
    )


@blueprint.get("/article/<slug>")
@popularity.counts_views(lambda slug: viewer())
@cache.cached_response(
    "article-page", depends_on=lambda slug: reads.article_depends_on(slug, with_comments=True)
)
def article(slug: str):
    try:
        return render_article_page(slug)
    except NotFound:
        moved = SlugRedirect.article_for(slug)
        if moved is None or not moved.visible_to(viewer()):
            raise
        return redirect(url_for("articles.article", slug=moved.slug), 301)


# The editor's buttons: publish (or update what is published), keep as a draft, or show
# the rendered body without saving anything.
PUBLISH, DRAFT, PREVIEW = "publish", "draft", "preview"


def _editor_action() -> str:
    action = request.form.get("action", PUBLISH)
    return action if action in (DRAFT, PREVIEW) else PUBLISH


def _editor_fields() -> dict:
    """Return the editor form's fields as the article schemas expect them."""
    form = request.form
    return {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "body": form.get("body", ""),
        "tagList": TAG_SEPARATOR.split(form.get("tags", "")),
        "published": _editor_action() == PUBLISH,
    }


def _editor_page(
    form,
    errors: dict,
    *,
    article: Article | None = None,
    status: int = 200,
    preview: Markup | None = None,
):
    page = render_template(
        "articles/editor.html", form=form, errors=errors, article=article, preview=preview
    )
    return page, status


def _previewed_body() -> Markup:
    """Return the form's body rendered; raise ValidationFailed past an article's length."""
    body = load(ArticlePreview(), {"body": request.form.get("body", "")})["body"]
    return render_markdown_once(body)


def _preview(article: Article | None = None):
    """Show the editor again, its body rendered below it as the article page would."""
    try:
        body = _previewed_body()
    except ValidationFailed as error:
        return _editor_page(request.form, error.errors, article=article, status=error.status_code)
    return _editor_page(request.form, {}, article=article, preview=body)


def _saved(article: Article, done: str):
    flash(done if article.published else "Draft saved.", "success")
    return redirect(url_for("articles.article", slug=article.slug))


def _authored_or_403(slug: str) -> Article:
    """Return the signed-in user's article with this slug; raise NotFound or Forbidden."""
    article = Article.by_slug_or_404(slug, signed_in_user())
    if article.author_id != signed_in_user().id:
        raise Forbidden({"article": ["only its author may edit it"]})
    return article


@blueprint.post("/editor/preview")
@preview_limited
@login_required
def live_preview():
    """The editor's live preview (static/js/editor-preview.js): the body rendered as the
    article page would show it, as a fragment of HTML; nothing is saved."""
    return str(_previewed_body()), {"Content-Type": "text/html"}


@blueprint.get("/editor")
@login_required
def new_article():
    return _editor_page({}, {})


@blueprint.post("/editor")
@login_required
def create_article():
    if _editor_action() == PREVIEW:
        return _preview()
    try:
        fields = load(ArticleCreate(), _editor_fields())
    except ValidationFailed as error:
        return _editor_page(request.form, error.errors, status=error.status_code)
    return _saved(services.create_article(signed_in_user(), fields), "Article published.")


@blueprint.get("/editor/<slug>")
@login_required
def edit_article(slug: str):
    article = _authored_or_403(slug)
    form = {
        "title": article.title,
        "description": article.description,
        "body": article.body,
        "tags": ", ".join(article.tag_names),
    }
    return _editor_page(form, {}, article=article)


@blueprint.post("/editor/<slug>")
@login_required
def update_article(slug: str):
    article = _authored_or_403(slug)
    if _editor_action() == PREVIEW:
        return _preview(article)
    try:
        changes = load(ArticleUpdate(), _editor_fields())
    except ValidationFailed as error:
        return _editor_page(request.form, error.errors, article=article, status=error.status_code)
    return _saved(services.update_article(article, signed_in_user(), changes), "Article updated.")


@blueprint.post("/article/<slug>/delete")
@login_required
def delete_article(slug: str):
    user = signed_in_user()
    services.delete_article(Article.by_slug_or_404(slug, user), user)
    flash("Article deleted.", "success")
    return redirect(url_for("articles.home"))


def _back_to_article(article: Article):
    default = url_for("articles.article", slug=article.slug)
    return redirect(safe_next_url(request.form.get("next"), default=default))


@blueprint.post("/article/<slug>/favorite")
@login_required
def favorite(slug: str):
    article = Article.by_slug_or_404(slug, signed_in_user())
    services.favorite(article, signed_in_user())
    flash(f"Added “{article.title}” to your favorites.", "success")
    return _back_to_article(article)


@blueprint.post("/article/<slug>/unfavorite")
@login_required
def unfavorite(slug: str):
    article = Article.by_slug_or_404(slug, signed_in_user())
    services.unfavorite(article, signed_in_user())
    flash(f"Removed “{article.title}” from your favorites.", "success")
    return _back_to_article(article)
