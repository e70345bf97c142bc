"""per-camera access, export jobs, search indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_cameras',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.String(length=48), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'camera_id')
    )
    op.create_table('exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('camera_ids', sa.JSON(), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('case_number', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exports_created_by', 'exports', ['created_by', 'id'], unique=False)
    # Search indexes: every operator query walks one of these newest first (keyset on start, id).
    op.drop_index('ix_events_camera_start', table_name='events')
    op.drop_index('ix_events_type_start', table_name='events')
    op.create_index('ix_events_start_id', 'events', ['start', 'id'], unique=False)
    op.create_index('ix_events_camera_start_id', 'events', ['camera_id', 'start', 'id'], unique=False)
    op.create_index('ix_events_type_start_id', 'events', ['type', 'start', 'id'], unique=False)
    op.create_index('ix_events_zone_start_id', 'events', ['zone', 'start', 'id'], unique=False)
    op.drop_index('ix_event_objects_event_id', table_name='event_objects')
    op.create_index('ix_event_objects_event_attrs', 'event_objects',
                    ['event_id', 'class_name', 'colour', 'direction'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_event_objects_event_attrs', table_name='event_objects')
    op.create_index('ix_event_objects_event_id', 'event_objects', ['event_id'], unique=False)
    op.drop_index('ix_events_zone_start_id', table_name='events')
    op.drop_index('ix_events_type_start_id', table_name='events')
    op.drop_index('ix_events_camera_start_id', table_name='events')
    op.drop_index('ix_events_start_id', table_name='events')
    op.create_index('ix_events_type_start', 'events', ['type', 'start'], unique=False)
    op.create_index('ix_events_camera_start', 'events', ['camera_id', 'start'], unique=False)
    op.drop_index('ix_exports_created_by', table_name='exports')
    op.drop_table('exports')
    op.drop_table('user_cameras')
