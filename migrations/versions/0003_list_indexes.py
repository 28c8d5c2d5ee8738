"""List indexes: an author's articles and a tag's articles, read in list order from the index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


# An author's list is ordered by created_at, then id: with id in the index, PostgreSQL reads
# the page straight from it. A tag's list starts from (tag_id, article_id) pairs, found and
# counted from the index alone, where the tag_id index sent every one to the table.


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_author_id_created_at')
        batch_op.create_index('ix_articles_author_id_created_at_id', ['author_id', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)

    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_article_tags_tag_id')
        batch_op.create_index('ix_article_tags_tag_id_article_id', ['tag_id', 'article_id'], unique=False)


def downgrade():
    with op.batch_alter_table('article_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_article_tags_tag_id_article_id')
        batch_op.create_index('ix_article_tags_tag_id', ['tag_id'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_author_id_created_at_id')
        batch_op.create_index('ix_articles_author_id_created_at', ['author_id', sa.literal_column('created_at DESC')], unique=False)
