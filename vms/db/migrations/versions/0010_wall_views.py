"""saved camera-wall views per user

Revision ID: 0010_wall_views
Revises: 0009_programme_records
Create Date: 2026-12-03 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_wall_views'
down_revision = '0009_programme_records'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wall_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('layout', sa.Integer(), nullable=False),
    sa.Column('cameras', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_wall_views_user_name', 'wall_views', ['user_id', 'name'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_wall_views_user_name', table_name='wall_views')
    op.drop_table('wall_views')
