"""Drafts: an article is published or a draft, lists order by when it was first published,
the kept counts count published articles only, and each article keeps its word count.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


# The counts of 0006 (every article, each tag's articles) now count published articles
# only: an article counts from its insert if published, from its publication otherwise, and
# stops counting when unpublished or deleted (publishing is one row's change, counted by a
# row trigger that runs only when the flag flips). A published article's tags stop counting
# it in a row trigger just before it is deleted: the cascade that then removes its tags
# runs once the article is gone, when whether it was published can no longer be read. Every
# trigger that changes a tag's count still locks the articles' counter first, then the tags
# in id order, the order 0006 set, so writers that meet queue instead of deadlocking.
POSTGRESQL_TRIGGERS = [
    """
    CREATE OR REPLACE FUNCTION count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO counters (name, value)
        SELECT 'articles', CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END
        FROM changed WHERE published HAVING count(*) > 0
        ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION count_tagged_articles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM counters WHERE name = 'articles' FOR NO KEY UPDATE;
        PERFORM 1 FROM tags WHERE id IN (SELECT tag_id FROM changed)
        ORDER BY id FOR NO KEY UPDATE;
        UPDATE tags SET articles_count = articles_count + delta.n
        FROM (
            SELECT tag_id, CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END AS n
            FROM changed JOIN articles ON articles.id = changed.article_id
            WHERE articles.published
            GROUP BY tag_id
        ) AS delta
        WHERE tags.id = delta.tag_id;
        UPDATE articles SET tag_names = (
            SELECT json_agg(tags.name ORDER BY tags.name)
            FROM article_tags JOIN tags ON tags.id = article_tags.tag_id
            WHERE article_tags.article_id = articles.id
        )
        WHERE articles.id IN (SELECT article_id FROM changed);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION count_publication() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        delta integer := CASE WHEN NEW.published THEN 1 ELSE -1 END;
    BEGIN
        UPDATE counters SET value = value + delta WHERE name = 'articles';
        PERFORM 1 FROM tags
        WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id)
        ORDER BY id FOR NO KEY UPDATE;
        UPDATE tags SET articles_count = articles_count + delta
        WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION uncount_tags_of_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM counters WHERE name = 'articles' FOR NO KEY UPDATE;
        PERFORM 1 FROM tags
        WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = OLD.id)
        ORDER BY id FOR NO KEY UPDATE;
        UPDATE tags SET articles_count = articles_count - 1
        WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = OLD.id);
        RETURN OLD;
    END $$
    """,
    "CREATE TRIGGER articles_published AFTER UPDATE OF published ON articles FOR EACH ROW"
    " WHEN (OLD.published IS DISTINCT FROM NEW.published) EXECUTE FUNCTION count_publication()",
    "CREATE TRIGGER articles_removing BEFORE DELETE ON articles FOR EACH ROW"
    " WHEN (OLD.published) EXECUTE FUNCTION uncount_tags_of_removed()",
]
POSTGRESQL_DROPS = [
    "DROP TRIGGER articles_removing ON articles",
    "DROP TRIGGER articles_published ON articles",
    "DROP FUNCTION uncount_tags_of_removed()",
    "DROP FUNCTION count_publication()",
    """
    CREATE OR REPLACE FUNCTION count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO counters (name, value)
        SELECT 'articles', CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END
        FROM changed HAVING count(*) > 0
        ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value;
        RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION count_tagged_articles() RETURNS trigger LANGUAGE plpgsql AS $$
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
        UPDATE articles SET tag_names = (
            SELECT json_agg(tags.name ORDER BY tags.name)
            FROM article_tags JOIN tags ON tags.id = article_tags.tag_id
            WHERE article_tags.article_id = articles.id
        )
        WHERE articles.id IN (SELECT article_id FROM changed);
        RETURN NULL;
    END $$
    """,
]

SQLITE_OLD_TRIGGERS = ["articles_added", "articles_removed", "article_tags_added", "article_tags_removed"]
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER articles_added AFTER INSERT ON articles WHEN NEW.published BEGIN
        INSERT INTO counters (name, value) VALUES ('articles', 1)
        ON CONFLICT (name) DO UPDATE SET value = value + 1;
    END
    """,
    """
    CREATE TRIGGER articles_removing BEFORE DELETE ON articles WHEN OLD.published BEGIN
        UPDATE tags SET articles_count = articles_count - 1
        WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = OLD.id);
    END
    """,
    """
    CREATE TRIGGER articles_removed AFTER DELETE ON articles WHEN OLD.published BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'articles';
    END
    """,
    """
    CREATE TRIGGER articles_published AFTER UPDATE OF published ON articles
    WHEN NEW.published IS NOT OLD.published BEGIN
        UPDATE counters SET value = value + (CASE WHEN NEW.published THEN 1 ELSE -1 END)
        WHERE name = 'articles';
        UPDATE tags SET articles_count = articles_count + (CASE WHEN NEW.published THEN 1 ELSE -1 END)
        WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id);
    END
    """,
    """
    CREATE TRIGGER article_tags_added AFTER INSERT ON article_tags
    WHEN (SELECT published FROM articles WHERE id = NEW.article_id) BEGIN
        UPDATE tags SET articles_count = articles_count + 1 WHERE id = NEW.tag_id;
    END
    """,
    """
    CREATE TRIGGER article_tags_removed AFTER DELETE ON article_tags
    WHEN (SELECT published FROM articles WHERE id = OLD.article_id) BEGIN
        UPDATE tags SET articles_count = articles_count - 1 WHERE id = OLD.tag_id;
    END
    """,
]
# What 0006 made of the same triggers, for the downgrade.
SQLITE_TRIGGERS_OF_0006 = [
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
PARTIAL = {"postgresql_where": sa.text("published"), "sqlite_where": sa.text("published")}
DRAFTS = {"postgresql_where": sa.text("NOT published"), "sqlite_where": sa.text("NOT published")}


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    # Not in batch mode: on SQLite a batch would rebuild the table and drop its triggers.
    op.add_column('articles', sa.Column('published', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('articles', sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('articles', sa.Column('word_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.drop_index('ix_articles_created_at_id', table_name='articles')
    op.drop_index('ix_articles_author_id_created_at_id', table_name='articles')
    op.create_index('ix_articles_published_at_id', 'articles', [sa.literal_column('published_at DESC'), sa.literal_column('id DESC')], unique=False, **PARTIAL)
    op.create_index('ix_articles_author_id_published_at_id', 'articles', ['author_id', sa.literal_column('published_at DESC'), sa.literal_column('id DESC')], unique=False, **PARTIAL)
    op.create_index('ix_articles_author_id_updated_at', 'articles', ['author_id', sa.literal_column('updated_at DESC')], unique=False, **DRAFTS)
    op.execute("UPDATE articles SET published_at = created_at")
    if _on_postgresql():
        op.execute(
            "UPDATE articles SET word_count ="
            " coalesce(array_length(regexp_split_to_array(btrim(body), '\\s+'), 1), 0)"
            " WHERE btrim(body) <> ''"
        )
        for statement in POSTGRESQL_TRIGGERS:
            op.execute(statement)
    else:
        _count_words_in_python()
        for name in SQLITE_OLD_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def _count_words_in_python() -> None:
    """SQLite has no way to split on white space, so its word counts are made here."""
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, body FROM articles")).all()
    for article_id, body in rows:
        connection.execute(
            sa.text("UPDATE articles SET word_count = :count WHERE id = :id"),
            {"count": len(body.split()), "id": article_id},
        )


def downgrade():
    # Drafts have no place in the schema before this one.
    op.execute("DELETE FROM articles WHERE NOT published")
    if _on_postgresql():
        for statement in POSTGRESQL_DROPS:
            op.execute(statement)
    else:
        for name in ("articles_published", "articles_removing", *SQLITE_OLD_TRIGGERS):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index('ix_articles_author_id_updated_at', table_name='articles')
    op.drop_index('ix_articles_author_id_published_at_id', table_name='articles')
    op.drop_index('ix_articles_published_at_id', table_name='articles')
    op.create_index('ix_articles_author_id_created_at_id', 'articles', ['author_id', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_articles_created_at_id', 'articles', [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.drop_column('articles', 'word_count')
    op.drop_column('articles', 'published_at')
    op.drop_column('articles', 'published')
    if not _on_postgresql():
        for statement in SQLITE_TRIGGERS_OF_0006:
            op.execute(statement)
