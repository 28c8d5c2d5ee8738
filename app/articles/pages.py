"""What the pages show of articles: a page of a list, and an article with its comments
(which the comment forms show again when a comment is refused)."""

from flask import render_template, request

from app.articles import reads, search
from app.articles.comments.models import comments_on
from app.articles.markdown import render_markdown
from app.auth.login import viewer
from app.errors import NotFound
from app.users.models import User
from app.web.pages import PER_PAGE, Pagination, requested_page_number


def requested_tag() -> str | None:
    """Return the ?tag= this request asks for, trimmed; None for none or a blank one."""
    return request.args.get("tag", "").strip() or None


def article_list_page(filters: dict, reader: User | None) -> Pagination:
    """Return the requested page of the articles the filters list (reads.listing's) as
    reader sees it; raise NotFound past the last page."""
    number = requested_page_number()
    offset = (number - 1) * PER_PAGE
    return _pagination(number, reads.article_page(filters, reader, limit=PER_PAGE, offset=offset))


def search_page(words: str, filters: dict, reader: User | None) -> Pagination:
    """Return the requested page of what a search for words finds, as reader sees it."""
    number = requested_page_number()
    offset = (number - 1) * PER_PAGE
    found = search.search_page(words, filters, reader, limit=PER_PAGE, offset=offset)
    return _pagination(number, found)


def _pagination(number: int, page: reads.ArticlePage) -> Pagination:
    if number > 1 and not page.articles:
        raise NotFound({"page": [f"there is no page {number}"]})
    return Pagination(items=page.articles, number=number, total=page.count)


def render_article_page(
    slug: str, *, comment: str = "", errors: dict | None = None, status: int = 200
):
    """Return the article page for slug, its comment form holding `comment` and `errors`."""
    reader = viewer()
    article = reads.article_data(slug, reader)
    page = render_template(
        "articles/article.html",
        article=article,
        body=render_markdown(article.body or ""),
        comments=comments_on(
            article.id, reader and reader.id, with_hidden=bool(reader and reader.is_admin)
        ),
        comment=comment,
        errors=errors or {},
    )
    return page, status
