"""alarm workflow: events.alarm_level and review_state, event_reviews

Events already stored are history, not alarms waiting for someone: they get alarm_level 'log'.

Revision ID: 0011_alarms
Revises: 0010_wall_views
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_alarms'
down_revision = '0010_wall_views'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alarm_level', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('review_state', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_events_review_start_id', ['review_state', 'start', 'id'], unique=False)
        batch_op.create_index('ix_events_alarm_level_id', ['alarm_level', 'id'], unique=False)
    op.execute("UPDATE events SET alarm_level = 'log'")
    op.create_table(
        'event_reviews',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_event_reviews_event', 'event_reviews', ['event_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_event_reviews_event', table_name='event_reviews')
    op.drop_table('event_reviews')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_alarm_level_id')
        batch_op.drop_index('ix_events_review_start_id')
        batch_op.drop_column('review_state')
        batch_op.drop_column('alarm_level')
