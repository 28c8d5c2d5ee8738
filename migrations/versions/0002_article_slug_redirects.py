"""Article slug redirects: an article's old slugs, so that its old URLs still lead to it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('article_slug_redirects',
    sa.Column('old_slug', sa.String(length=255), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_slug_redirects_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_article_slug_redirects'))
    )
    with op.batch_alter_table('article_slug_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_slug_redirects_article_id'), ['article_id'], unique=False)


def downgrade():
    with op.batch_alter_table('article_slug_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_slug_redirects_article_id'))

    op.drop_table('article_slug_redirects')
