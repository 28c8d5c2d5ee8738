"""Article views: how often each article was read, per day and in all.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


# Views are counted in Redis and written here in batches (app/articles/popularity.py): per
# article and UTC day, for "popular this week", and in all on the article itself.


def upgrade():
    op.create_table('article_views',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_views_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'day', name=op.f('pk_article_views'))
    )
    op.create_index('ix_article_views_day', 'article_views', ['day'], unique=False)
    op.add_column('articles', sa.Column('views_count', sa.BigInteger(), server_default=sa.text('0'), nullable=False))


def downgrade():
    op.drop_column('articles', 'views_count')
    op.drop_index('ix_article_views_day', table_name='article_views')
    op.drop_table('article_views')
