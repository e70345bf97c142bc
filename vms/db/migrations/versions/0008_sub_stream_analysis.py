"""sub stream analysis: which stream a camera analyses, and the analysed connection's and audio health

Revision ID: 0008
Revises: 0007_security
Create Date: 2026-12-03 10:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysis_stream', sa.String(length=8), nullable=False, server_default='auto'))
    with op.batch_alter_table('camera_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audio_codec', sa.String(length=24), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('analysis_stream', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('analysis_online', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('analysis_width', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('analysis_height', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('analysis_fps', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('analysis_error', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('camera_status', schema=None) as batch_op:
        for column in ('analysis_error', 'analysis_fps', 'analysis_height', 'analysis_width', 'analysis_online',
                       'analysis_stream', 'audio_codec'):
            batch_op.drop_column(column)
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.drop_column('analysis_stream')
