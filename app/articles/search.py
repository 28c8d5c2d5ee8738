"""Full-text search over published articles: ranked, with highlighted snippets, combined with
the lists' filters.

PostgreSQL matches the articles' search vector (migration 0010) with websearch_to_tsquery,
which reads any input; SQLite matches its FTS5 table with the words quoted, so that no input
is taken for FTS5's query syntax. Either way the matches considered are the newest
MATCHES_CONSIDERED, ranked among themselves: a search's cost stays bounded by that however
many articles a common word matches, and its count stops there too.
"""

from functools import cache as built_once
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Select, bindparam, column, desc, func, literal_column, select, table

from app.articles.models import Article
from app.articles.reads import (
    ArticleData,
    ArticlePage,
    listing,
    show_to_viewer,
    viewer_choices_in,
    viewer_id_parameter,
    with_author_and_viewer_choices,
)
from app.extensions import db
from app.users.models import User

# Enough for five pages; more would make a common word's search cost grow with the site.
MATCHES_CONSIDERED = 100
# A snippet comes from the start of a body: ts_headline reads all it is given.
SNIPPET_SOURCE_CHARACTERS = 10_000
# Around each match in a snippet, in the database's output, until escaped and marked up.
MATCH_START, MATCH_END = "\ue000", "\ue001"
SNIPPET_WORDS = 24
HEADLINE_OPTIONS = (
    f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxFragments=2, MaxWords={SNIPPET_WORDS},"
    ' MinWords=8, FragmentDelimiter=" … "'
)

articles = Article.__table__
sqlite_index = table("articles_search", column("rowid"), column("articles_search"))


def _candidates(filters: dict, match) -> Any:
    """Return the newest matches of the filters' list, at most MATCHES_CONSIDERED."""
    return listing(**filters).where(match).limit(MATCHES_CONSIDERED).cte("candidates")


@built_once
def postgresql_statement(filter_names: frozenset[str], for_viewer: bool) -> Select:
    query = func.websearch_to_tsquery("english", bindparam("q"))
    candidates = _candidates(_bound(filter_names), articles.c.search_vector.op("@@")(query))
    rank = func.ts_rank_cd(articles.c.search_vector, query).label("rank")
    page = _ranked_page(candidates, rank)
    source = func.left(articles.c.body, SNIPPET_SOURCE_CHARACTERS)
    snippet = func.ts_headline("english", source, query, HEADLINE_OPTIONS)
    return _results(page, candidates, snippet.label("snippet"), for_viewer)


@built_once
def sqlite_statement(filter_names: frozenset[str], for_viewer: bool) -> Select:
    matching = select(sqlite_index.c.rowid).where(
        sqlite_index.c.articles_search.match(bindparam("q"))
    )
    candidates = _candidates(_bound(filter_names), articles.c.id.in_(matching))
    # bm25 is lower for a better match, and needs the MATCH in its own query.
    rank = (
        select(-func.bm25(literal_column("articles_search")))
        .select_from(sqlite_index)
        .where(sqlite_index.c.articles_search.match(bindparam("q")))
        .where(sqlite_index.c.rowid == articles.c.id)
        .scalar_subquery()
        .label("rank")
    )
    page = _ranked_page(candidates, rank)
    snippet = (
        select(
            func.snippet(
                literal_column("articles_search"), 3, MATCH_START, MATCH_END, " … ", SNIPPET_WORDS
            )
        )
        .select_from(sqlite_index)
        .where(sqlite_index.c.articles_search.match(bindparam("q")))
        .where(sqlite_index.c.rowid == articles.c.id)
        .scalar_subquery()
    )
    return _results(page, candidates, snippet.label("snippet"), for_viewer)


def _bound(filter_names: frozenset[str]) -> dict:
    return {name: bindparam(name) for name in filter_names}


def _ranked_page(candidates, rank):
    """Return the requested page of the candidates, best match first, then newest."""
    return (
        select(candidates.c.id, rank)
        .join(articles, articles.c.id == candidates.c.id)
        .order_by(desc("rank"), articles.c.published_at.desc(), articles.c.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )


def _results(page, candidates, snippet, for_viewer: bool) -> Select:
    """Return the page's articles in its order, each with its snippet and the match count."""
    count = select(func.count()).select_from(candidates).scalar_subquery().label("articles_count")
    rows = (
        with_author_and_viewer_choices(articles, viewer_id_parameter(for_viewer))
        .add_columns(snippet, count)
        .join(page, page.c.id == articles.c.id)
        .order_by(page.c.rank.desc(), articles.c.published_at.desc(), articles.c.id.desc())
    )
    return rows


def sqlite_query(words: str) -> str:
    """Return words as an FTS5 query of quoted terms, all of which must match."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words.split())


def marked_up(snippet: str | None) -> Markup | None:
    """Return a snippet as HTML: its text escaped, each match in a <mark>; unbalanced
    markers (the text held one of the marker characters itself) are dropped."""
    if snippet is None:
        return None
    text = str(escape(snippet))
    if text.count(MATCH_START) != text.count(MATCH_END):
        return Markup(text.replace(MATCH_START, "").replace(MATCH_END, ""))
    return Markup(text.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))


def search_page(
    words: str, filters: dict, viewer: User | None, *, limit: int, offset: int
) -> ArticlePage:
    """Return a page of the published articles that match words and the filters, best
    first, each with a snippet of its body, and how many match (at most
    MATCHES_CONSIDERED). Never cached: a search's words are anyone's."""
    used = {name: value for name, value in filters.items() if value is not None}
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    build = postgresql_statement if on_postgresql else sqlite_statement
    statement = build(frozenset(used), viewer is not None)
    parameters = {
        **used,
        "q": words if on_postgresql else sqlite_query(words),
        "limit": limit,
        "offset": offset,
        "viewer_id": viewer and viewer.id,
    }
    rows = list(db.session.execute(statement, parameters))
    results = [ArticleData.from_row(row) for row in rows]
    for result in results:
        result.snippet = marked_up(result.snippet)
    count = rows[0].articles_count if rows else _count(statement, parameters, offset)
    show_to_viewer(results, *viewer_choices_in(rows))
    return ArticlePage(results, count)


def _count(statement: Select, parameters: dict, offset: int) -> int:
    """Return how many match when the page is empty: none on the first page, else read
    once more from the first page."""
    if not offset:
        return 0
    first = db.session.execute(statement, {**parameters, "offset": 0, "limit": 1}).first()
    return first.articles_count if first else 0
