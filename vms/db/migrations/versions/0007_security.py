"""security: camera opt-in for HTTP Basic over plain http; failed logins per client address

Revision ID: 0007_security
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_security'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_basic_http', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'login_failures',
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('first_failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('login_failures')
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.drop_column('allow_basic_http')
