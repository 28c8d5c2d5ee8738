"""Search: every article's title, description, tags and body, indexed for full-text search.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# PostgreSQL: a generated tsvector, the title and tags weighing most, then the description,
# then the body, with a GIN index. It must stay the same expression as the model's
# (app/articles/models.py, SEARCH_DOCUMENT).
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english', title), 'A')"
    " || setweight(to_tsvector('english', coalesce(tag_names::text, '')), 'A')"
    " || setweight(to_tsvector('english', description), 'B')"
    " || setweight(to_tsvector('english', body), 'C')"
)
# SQLite: an FTS5 table over the same columns, its content read from articles, kept in step
# by triggers (tag_names changes with the article's tags, through 0007's triggers).
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE articles_search USING fts5("
    "title, tag_names, description, body,"
    " content='articles', content_rowid='id', tokenize='porter unicode61')",
    """
    CREATE TRIGGER articles_searchable_in AFTER INSERT ON articles BEGIN
        INSERT INTO articles_search (rowid, title, tag_names, description, body)
        VALUES (NEW.id, NEW.title, NEW.tag_names, NEW.description, NEW.body);
    END
    """,
    """
    CREATE TRIGGER articles_searchable_out AFTER DELETE ON articles BEGIN
        INSERT INTO articles_search (articles_search, rowid, title, tag_names, description, body)
        VALUES ('delete', OLD.id, OLD.title, OLD.tag_names, OLD.description, OLD.body);
    END
    """,
    """
    CREATE TRIGGER articles_searchable_again AFTER UPDATE ON articles BEGIN
        INSERT INTO articles_search (articles_search, rowid, title, tag_names, description, body)
        VALUES ('delete', OLD.id, OLD.title, OLD.tag_names, OLD.description, OLD.body);
        INSERT INTO articles_search (rowid, title, tag_names, description, body)
        VALUES (NEW.id, NEW.title, NEW.tag_names, NEW.description, NEW.body);
    END
    """,
    "INSERT INTO articles_search (articles_search) VALUES ('rebuild')",
]
SQLITE_DROPS = [
    "DROP TRIGGER articles_searchable_again",
    "DROP TRIGGER articles_searchable_out",
    "DROP TRIGGER articles_searchable_in",
    "DROP TABLE articles_search",
]


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    if _on_postgresql():
        op.add_column('articles', sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed(SEARCH_DOCUMENT, persisted=True), nullable=True))
        op.create_index('ix_articles_search_vector', 'articles', ['search_vector'], unique=False, postgresql_using='gin')
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade():
    if _on_postgresql():
        op.drop_index('ix_articles_search_vector', table_name='articles', postgresql_using='gin')
        op.drop_column('articles', 'search_vector')
    else:
        for statement in SQLITE_DROPS:
            op.execute(statement)
