"""programme records: camera files, maintenance tickets, site map

Revision ID: 0009_programme_records
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_programme_records'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'camera_records',
        sa.Column('camera_id', sa.String(length=48), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('owner_kind', sa.String(length=16), nullable=False),
        sa.Column('owner_name', sa.String(length=120), nullable=False),
        sa.Column('owner_contact', sa.String(length=120), nullable=False),
        sa.Column('funder_kind', sa.String(length=16), nullable=False),
        sa.Column('funder_name', sa.String(length=120), nullable=False),
        sa.Column('funder_contact', sa.String(length=120), nullable=False),
        sa.Column('agreement_date', sa.Date(), nullable=True),
        sa.Column('agreement_ref', sa.String(length=64), nullable=False),
        sa.Column('agreement_scan', sa.String(length=80), nullable=True),
        sa.Column('agreement_scan_name', sa.String(length=200), nullable=False),
        sa.Column('installer', sa.String(length=120), nullable=False),
        sa.Column('installed_on', sa.Date(), nullable=True),
        sa.Column('warranty_until', sa.Date(), nullable=True),
        sa.Column('hamlet', sa.String(length=80), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('map_x', sa.Float(), nullable=True),
        sa.Column('map_y', sa.Float(), nullable=True),
        sa.Column('coverage', sa.JSON(), nullable=False),
        sa.Column('coverage_note', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('status_reason', sa.String(length=500), nullable=False),
        sa.Column('status_since', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('camera_id'),
    )
    op.create_index('ix_camera_records_hamlet', 'camera_records', ['hamlet'])
    op.create_table(
        'maintenance_tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('camera_id', sa.String(length=48), nullable=False),
        sa.Column('source', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('fault', sa.Text(), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('opened_by', sa.String(length=64), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('recovered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('fixed_by', sa.String(length=120), nullable=False),
        sa.Column('work_done', sa.Text(), nullable=False),
        sa.Column('cost_vnd', sa.BigInteger(), nullable=True),
        sa.Column('paid_by_kind', sa.String(length=16), nullable=False),
        sa.Column('paid_by_name', sa.String(length=120), nullable=False),
        sa.Column('closed_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_tickets_camera_status', 'maintenance_tickets', ['camera_id', 'status'])
    op.create_index('ix_tickets_status_due', 'maintenance_tickets', ['status', 'due_at'])
    op.create_table(
        'site_maps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=80), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('site_maps')
    op.drop_index('ix_tickets_status_due', table_name='maintenance_tickets')
    op.drop_index('ix_tickets_camera_status', table_name='maintenance_tickets')
    op.drop_table('maintenance_tickets')
    op.drop_index('ix_camera_records_hamlet', table_name='camera_records')
    op.drop_table('camera_records')
