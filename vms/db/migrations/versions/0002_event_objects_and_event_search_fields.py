"""event objects and event search fields

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:59:10.975651
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('event_objects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('class_name', sa.String(length=16), nullable=False),
    sa.Column('colour', sa.String(length=16), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('speed_kmh', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event_objects', schema=None) as batch_op:
        batch_op.create_index('ix_event_objects_class_colour', ['class_name', 'colour'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_objects_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('object_classes', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('detector', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('snapshot', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()))

    


def downgrade() -> None:
    
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('snapshot')
        batch_op.drop_column('detector')
        batch_op.drop_column('object_classes')
        batch_op.drop_column('zone')

    with op.batch_alter_table('event_objects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_objects_event_id'))
        batch_op.drop_index('ix_event_objects_class_colour')

    op.drop_table('event_objects')
    
