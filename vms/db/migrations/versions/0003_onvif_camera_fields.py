"""onvif camera fields

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:04:20.489133
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.add_column(sa.Column('onvif_host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('onvif_port', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('onvif_endpoint', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('manufacturer', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('model', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ptz_supported', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('snapshot_uri', sa.Text(), nullable=True))

    


def downgrade() -> None:
    
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.drop_column('snapshot_uri')
        batch_op.drop_column('ptz_supported')
        batch_op.drop_column('model')
        batch_op.drop_column('manufacturer')
        batch_op.drop_column('onvif_endpoint')
        batch_op.drop_column('onvif_port')
        batch_op.drop_column('onvif_host')

    
