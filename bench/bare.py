"""The bare WSGI baseline: no framework, one hand-written SQL query per request.

It answers the two read endpoints `make bench` compares Conduit with, in the same JSON:
GET /api/v1/articles (anonymous, ?limit= and ?offset=) and GET /api/v1/articles/<slug>.
Served by the same gunicorn settings: `gunicorn -c gunicorn.conf.py bench.bare:app`.
"""

import os
from urllib.parse import parse_qs

import orjson
import psycopg2

PREFIX = "/api/v1/articles"
TIMESTAMP = """to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
ARTICLE_COLUMNS = f"""
    a.slug, a.title, a.description, {{body}}
    COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM article_tags at
              JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id), '{{{{}}}}') AS tags,
    {TIMESTAMP.format(column="a.created_at")}, {TIMESTAMP.format(column="a.updated_at")},
    (SELECT count(*) FROM favorites f WHERE f.article_id = a.id) AS favorites_count,
    u.username, u.bio, u.image
"""
LIST_SQL = f"""
    SELECT {ARTICLE_COLUMNS.format(body="")}, (SELECT count(*) FROM articles) AS total
    FROM (SELECT * FROM articles ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s) a
    JOIN users u ON u.id = a.author_id
    ORDER BY a.created_at DESC, a.id DESC
"""
ARTICLE_SQL = f"""
    SELECT {ARTICLE_COLUMNS.format(body="a.body,")}
    FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug = %s
"""

_connection = None


def _cursor():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(os.environ["BARE_DATABASE_URL"])
        _connection.autocommit = True
    return _connection.cursor()


def _article(row, with_body: bool) -> dict:
    row = list(row)
    body = row.pop(3) if with_body else None
    slug, title, description, tags, created, updated, count, username, bio, image = row[:10]
    article = {
        "slug": slug,
        "title": title,
        "description": description,
        "tagList": tags,
        "createdAt": created,
        "updatedAt": updated,
        "favorited": False,
        "favoritesCount": count,
        "author": {"username": username, "bio": bio, "image": image, "following": False},
    }
    if with_body:
        article["body"] = body
    return article


def _list(query: dict) -> tuple[str, dict]:
    limit = min(int(query.get("limit", ["20"])[0]), 100)
    offset = int(query.get("offset", ["0"])[0])
    with _cursor() as cursor:
        cursor.execute(LIST_SQL, (limit, offset))
        rows = cursor.fetchall()
    total = rows[0][-1] if rows else 0
    return "200 OK", {"articles": [_article(row, False) for row in rows], "articlesCount": total}


def _one(slug: str) -> tuple[str, dict]:
    with _cursor() as cursor:
        cursor.execute(ARTICLE_SQL, (slug,))
        row = cursor.fetchone()
    if row is None:
        return "404 Not Found", {"errors": {"article": ["not found"]}}
    return "200 OK", {"article": _article(row, True)}


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == PREFIX:
        status, payload = _list(parse_qs(environ.get("QUERY_STRING", "")))
    elif path.startswith(PREFIX + "/"):
        status, payload = _one(path.removeprefix(PREFIX + "/"))
    else:
        status, payload = "404 Not Found", {"errors": {"path": ["not found"]}}
    body = orjson.dumps(payload)
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
