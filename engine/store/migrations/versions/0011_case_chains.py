"""audit chains per case: events get their place in their case's chain (or the system chain), cases keep
their chain's sealed head, the system chain's head and the sealed checkpoints get tables; the events
written before keep their single chain (seq NULL) with its head in audit_head

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch.drop_index('ix_events_case_id')
        batch.create_index('ix_events_case_seq', ['case_id', 'seq'], unique=True)
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('audit_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('audit_seq', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('audit_seal', sa.String(length=64), nullable=True))
    op.create_table(
        'audit_heads',
        sa.Column('chain', sa.String(length=40), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('seal', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('chain'),
    )
    op.create_table(
        'audit_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.Column('heads', sa.JSON(), nullable=False),
        sa.Column('prev_digest', sa.String(length=64), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('seal', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('audit_checkpoints')
    op.drop_table('audit_heads')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('audit_seal')
        batch.drop_column('audit_seq')
        batch.drop_column('audit_hash')
    with op.batch_alter_table('events') as batch:
        batch.drop_index('ix_events_case_seq')
        batch.create_index('ix_events_case_id', ['case_id'], unique=False)
        batch.drop_column('seq')
