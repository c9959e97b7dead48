"""SLA monitoring: each case's mark, escalation level and next check time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('sla_mark', sa.String(length=12), nullable=False, server_default=''))
        batch.add_column(sa.Column('sla_level', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('sla_next_at', sa.DateTime(), nullable=True))
    # Open cases with a running clock are checked at the first pass.
    op.execute("UPDATE cases SET sla_next_at = clock_started_at WHERE closed_at IS NULL AND due_at IS NOT NULL "
               "AND clock_paused_at IS NULL")
    op.create_index('ix_cases_sla_next', 'cases', ['sla_next_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_sla_next', table_name='cases')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('sla_next_at')
        batch.drop_column('sla_level')
        batch.drop_column('sla_mark')
