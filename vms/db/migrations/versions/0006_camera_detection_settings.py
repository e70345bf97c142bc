"""camera detection settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:22:14.686782
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detection', sa.JSON(), nullable=True))

    


def downgrade() -> None:
    
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.drop_column('detection')

    
