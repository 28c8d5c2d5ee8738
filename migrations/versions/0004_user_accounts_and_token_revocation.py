"""User accounts: active and admin flags, and a token version that revokes earlier tokens.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 01:48:12.085476

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: SQLite (3.35+) adds and drops these columns in place,
# while a batch copy of users would reflect the table and lose its expression index
# uq_users_email_lower.


def upgrade():
    # Server defaults fill the rows that exist: everyone stays active, no one becomes an admin.
    op.add_column('users', sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('users', sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('users', sa.Column('token_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    op.drop_column('users', 'token_version')
    op.drop_column('users', 'is_admin')
    op.drop_column('users', 'is_active')
