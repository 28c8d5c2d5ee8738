"""Kept counts: every article, and each tag's articles, counted by the database as rows change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# The whole list's count and a tag list's count took time in proportion to the articles
# (10-13 ms at 100,000); kept by triggers, each is one row's read. In PostgreSQL the
# triggers run once per statement over its transition table, so a bulk load (flask seed)
# updates each count once per batch rather than once per row. Every trigger that changes a
# tag's count locks the articles' counter first and the tags in id order, the same order
# as a new article's (counter at its insert, then its tags): two writers that meet queue
# instead of deadlocking.
POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO counters (name, value)
        SELECT 'articles', CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END
        FROM changed HAVING count(*) > 0
        ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION count_tagged_articles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM counters WHERE name = 'articles' FOR NO KEY UPDATE;
        PERFORM 1 FROM tags WHERE id IN (SELECT tag_id FROM changed)
        ORDER BY id FOR NO KEY UPDATE;
        UPDATE tags SET articles_count = articles_count + delta.n
        FROM (
            SELECT tag_id, CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END AS n
            FROM changed GROUP BY tag_id
        ) AS delta
        WHERE tags.id = delta.tag_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION reset_article_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'articles' THEN
            UPDATE counters SET value = 0 WHERE name = 'articles';
        ELSE
            UPDATE tags SET articles_count = 0 WHERE articles_count <> 0;
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER articles_added AFTER INSERT ON articles REFERENCING NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION count_articles()",
    "CREATE TRIGGER articles_removed AFTER DELETE ON articles REFERENCING OLD TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION count_articles()",
    "CREATE TRIGGER articles_emptied AFTER TRUNCATE ON articles"
    " FOR EACH STATEMENT EXECUTE FUNCTION reset_article_counts()",
    "CREATE TRIGGER article_tags_added AFTER INSERT ON article_tags"
    " REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_tagged_articles()",
    "CREATE TRIGGER article_tags_removed AFTER DELETE ON article_tags"
    " REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_tagged_articles()",
    "CREATE TRIGGER article_tags_emptied AFTER TRUNCATE ON article_tags"
    " FOR EACH STATEMENT EXECUTE FUNCTION reset_article_counts()",
]
POSTGRESQL_DROPS = [
    "DROP TRIGGER article_tags_emptied ON article_tags",
    "DROP TRIGGER article_tags_removed ON article_tags",
    "DROP TRIGGER article_tags_added ON article_tags",
    "DROP TRIGGER articles_emptied ON articles",
    "DROP TRIGGER articles_removed ON articles",
    "DROP TRIGGER articles_added ON articles",
    "DROP FUNCTION reset_article_counts()",
    "DROP FUNCTION count_tagged_articles()",
    "DROP FUNCTION count_articles()",
]
# SQLite has row triggers only, and no TRUNCATE (a DELETE without WHERE runs them).
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER articles_added AFTER INSERT ON articles BEGIN
        INSERT INTO counters (name, value) VALUES ('articles', 1)
        ON CONFLICT (name) DO UPDATE SET value = value + 1;
    END
    """,
    """
    CREATE TRIGGER articles_removed AFTER DELETE ON articles BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'articles';
    END
    """,
    """
    CREATE TRIGGER article_tags_added AFTER INSERT ON article_tags BEGIN
        UPDATE tags SET articles_count = articles_count + 1 WHERE id = NEW.tag_id;
    END
    """,
    """
    CREATE TRIGGER article_tags_removed AFTER DELETE ON article_tags BEGIN
        UPDATE tags SET articles_count = articles_count - 1 WHERE id = OLD.tag_id;
    END
    """,
]
SQLITE_DROPS = [
    "DROP TRIGGER article_tags_removed",
    "DROP TRIGGER article_tags_added",
    "DROP TRIGGER articles_removed",
    "DROP TRIGGER articles_added",
]


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    op.create_table('counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('articles_count', sa.Integer(), server_default=sa.text('0'), nullable=False))

    # Triggers first: creating one locks its table against writes until the migration
    # commits, so no row is written between the counting below and the triggers.
    for statement in POSTGRESQL_TRIGGERS if _on_postgresql() else SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO counters (name, value) SELECT 'articles', count(*) FROM articles")
    op.execute(
        "UPDATE tags SET articles_count ="
        " (SELECT count(*) FROM article_tags WHERE article_tags.tag_id = tags.id)"
    )


def downgrade():
    for statement in POSTGRESQL_DROPS if _on_postgresql() else SQLITE_DROPS:
        op.execute(statement)
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_column('articles_count')
    op.drop_table('counters')
