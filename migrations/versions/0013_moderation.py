"""Moderation: articles and comments can be hidden, readers report them, and every
moderation action is recorded.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


# A hidden article leaves the kept counts as a draft does: 0009's triggers count articles that
# are published and not hidden ("listed") from here on. Each version of the triggers is
# written once, for the condition that a row of articles (OLD, NEW, a table) is counted.
def listed_0009(row: str) -> str:
    return f"{row}.published"


def listed_0013(row: str) -> str:
    return f"({row}.published AND {row}.hidden_at IS NULL)"


def postgresql_counting(listed, columns: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO counters (name, value)
            SELECT 'articles', CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END
            FROM changed WHERE {listed('changed')} HAVING count(*) > 0
            ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value;
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION count_tagged_articles() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM counters WHERE name = 'articles' FOR NO KEY UPDATE;
            PERFORM 1 FROM tags WHERE id IN (SELECT tag_id FROM changed)
            ORDER BY id FOR NO KEY UPDATE;
            UPDATE tags SET articles_count = articles_count + delta.n
            FROM (
                SELECT tag_id, CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END AS n
                FROM changed JOIN articles ON articles.id = changed.article_id
                WHERE {listed('articles')}
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
        f"""
        CREATE OR REPLACE FUNCTION count_publication() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            delta integer := CASE WHEN {listed('NEW')} THEN 1 ELSE -1 END;
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
        f"CREATE TRIGGER articles_published AFTER UPDATE OF {columns} ON articles FOR EACH ROW"
        f" WHEN ({listed('OLD')} IS DISTINCT FROM {listed('NEW')})"
        " EXECUTE FUNCTION count_publication()",
        "CREATE TRIGGER articles_removing BEFORE DELETE ON articles FOR EACH ROW"
        f" WHEN ({listed('OLD')}) EXECUTE FUNCTION uncount_tags_of_removed()",
    ]


def sqlite_counting(listed, columns: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER articles_added AFTER INSERT ON articles WHEN {listed('NEW')} BEGIN
            INSERT INTO counters (name, value) VALUES ('articles', 1)
            ON CONFLICT (name) DO UPDATE SET value = value + 1;
        END
        """,
        f"""
        CREATE TRIGGER articles_removing BEFORE DELETE ON articles WHEN {listed('OLD')} BEGIN
            UPDATE tags SET articles_count = articles_count - 1
            WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = OLD.id);
        END
        """,
        f"""
        CREATE TRIGGER articles_removed AFTER DELETE ON articles WHEN {listed('OLD')} BEGIN
            UPDATE counters SET value = value - 1 WHERE name = 'articles';
        END
        """,
        f"""
        CREATE TRIGGER articles_published AFTER UPDATE OF {columns} ON articles
        WHEN {listed('NEW')} IS NOT {listed('OLD')} BEGIN
            UPDATE counters SET value = value + (CASE WHEN {listed('NEW')} THEN 1 ELSE -1 END)
            WHERE name = 'articles';
            UPDATE tags SET articles_count = articles_count + (CASE WHEN {listed('NEW')} THEN 1 ELSE -1 END)
            WHERE id IN (SELECT tag_id FROM article_tags WHERE article_id = NEW.id);
        END
        """,
        f"""
        CREATE TRIGGER article_tags_added AFTER INSERT ON article_tags
        WHEN (SELECT {listed('articles')} FROM articles WHERE id = NEW.article_id) BEGIN
            UPDATE tags SET articles_count = articles_count + 1 WHERE id = NEW.tag_id;
        END
        """,
        f"""
        CREATE TRIGGER article_tags_removed AFTER DELETE ON article_tags
        WHEN (SELECT {listed('articles')} FROM articles WHERE id = OLD.article_id) BEGIN
            UPDATE tags SET articles_count = articles_count - 1 WHERE id = OLD.tag_id;
        END
        """,
    ]


SQLITE_COUNTING_TRIGGERS = [
    "articles_added", "articles_removing", "articles_removed", "articles_published",
    "article_tags_added", "article_tags_removed",
]
POSTGRESQL_COUNTING_TRIGGERS = ["articles_published", "articles_removing"]


def _count_articles(listed, columns: str) -> None:
    """Replace the counting triggers with those counting the articles `listed` holds for."""
    if op.get_bind().dialect.name == 'postgresql':
        for name in POSTGRESQL_COUNTING_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON articles")
        statements = postgresql_counting(listed, columns)
    else:
        for name in SQLITE_COUNTING_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        statements = sqlite_counting(listed, columns)
    for statement in statements:
        op.execute(statement)


def upgrade():
    # Not in batch mode: on SQLite a batch would rebuild the table and drop its triggers.
    op.add_column('articles', sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('comments', sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
    _count_articles(listed_0013, "published, hidden_at")
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_reports_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_reports_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    op.create_index('ix_reports_article_id', 'reports', ['article_id'], unique=False)
    op.create_index('ix_reports_comment_id', 'reports', ['comment_id'], unique=False)
    op.create_index('ix_reports_resolved_at_created_at', 'reports', ['resolved_at', 'created_at'], unique=False)
    op.create_index('uq_reports_open_on_article', 'reports', ['reporter_id', 'article_id'], unique=True, postgresql_where=sa.text('comment_id IS NULL AND resolved_at IS NULL'), sqlite_where=sa.text('comment_id IS NULL AND resolved_at IS NULL'))
    op.create_index('uq_reports_open_on_comment', 'reports', ['reporter_id', 'comment_id'], unique=True, postgresql_where=sa.text('resolved_at IS NULL'), sqlite_where=sa.text('resolved_at IS NULL'))
    op.create_table('moderation_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=40), nullable=False),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('target_type', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('target_label', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_moderation_actions_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_actions'))
    )
    op.create_index('ix_moderation_actions_created_at_id', 'moderation_actions', [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)


def downgrade():
    op.drop_index('ix_moderation_actions_created_at_id', table_name='moderation_actions')
    op.drop_table('moderation_actions')
    op.drop_index('uq_reports_open_on_comment', table_name='reports')
    op.drop_index('uq_reports_open_on_article', table_name='reports')
    op.drop_index('ix_reports_resolved_at_created_at', table_name='reports')
    op.drop_index('ix_reports_comment_id', table_name='reports')
    op.drop_index('ix_reports_article_id', table_name='reports')
    op.drop_table('reports')
    # Unhidden first, under the triggers that count them back in.
    op.execute("UPDATE articles SET hidden_at = NULL WHERE hidden_at IS NOT NULL")
    _count_articles(listed_0009, "published")
    op.drop_column('comments', 'hidden_at')
    op.drop_column('articles', 'hidden_at')
