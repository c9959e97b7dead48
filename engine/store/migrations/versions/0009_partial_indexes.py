"""partial indexes: the worklist's index holds open tasks only, the events' kind index only the kinds
looked up by kind, the cases' bundle and SLA indexes only cases that have them (fewer pages written per step);
a task's place in its case's history is unique; the outbox index holds pending links by their last change

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('open', 'claimed')")
KIND_INDEXED = sa.text("kind IN ('task_completed', 'sla_breached', 'clock_resumed', 'sla_escalated')")


def upgrade() -> None:
    op.drop_index('ix_flow_links_pending', table_name='flow_links')
    op.create_index('ix_flow_links_pending', 'flow_links', ['changed_at'], unique=False,
                    sqlite_where=sa.text('pending IS 1'), postgresql_where=sa.text('pending IS true'))
    op.drop_index('ix_tasks_case', table_name='tasks')
    op.create_index('ix_tasks_case', 'tasks', ['case_id', 'seq'], unique=True)
    op.drop_index('ix_cases_parent_id', table_name='cases')
    op.create_index('ix_cases_parent_id', 'cases', ['parent_id'], unique=False,
                    sqlite_where=sa.text('parent_id IS NOT NULL'), postgresql_where=sa.text('parent_id IS NOT NULL'))
    op.drop_index('ix_cases_sla_next', table_name='cases')
    op.create_index('ix_cases_sla_next', 'cases', ['sla_next_at'], unique=False,
                    sqlite_where=sa.text('sla_next_at IS NOT NULL'),
                    postgresql_where=sa.text('sla_next_at IS NOT NULL'))
    op.drop_index('ix_tasks_worklist_due', table_name='tasks')
    op.create_index('ix_tasks_open', 'tasks', ['office_id', 'status', 'role', 'due_at', 'created_at'],
                    unique=False, sqlite_where=OPEN, postgresql_where=OPEN)
    op.drop_index('ix_events_kind_at', table_name='events')
    op.create_index('ix_events_kind_at', 'events', ['kind', 'at'], unique=False,
                    sqlite_where=KIND_INDEXED, postgresql_where=KIND_INDEXED)


def downgrade() -> None:
    op.drop_index('ix_flow_links_pending', table_name='flow_links')
    op.create_index('ix_flow_links_pending', 'flow_links', ['pending'], unique=False)
    op.drop_index('ix_tasks_case', table_name='tasks')
    op.create_index('ix_tasks_case', 'tasks', ['case_id', 'seq'], unique=False)
    op.drop_index('ix_cases_sla_next', table_name='cases')
    op.create_index('ix_cases_sla_next', 'cases', ['sla_next_at'], unique=False)
    op.drop_index('ix_cases_parent_id', table_name='cases')
    op.create_index('ix_cases_parent_id', 'cases', ['parent_id'], unique=False)
    op.drop_index('ix_events_kind_at', table_name='events')
    op.create_index('ix_events_kind_at', 'events', ['kind', 'at'], unique=False)
    op.drop_index('ix_tasks_open', table_name='tasks')
    op.create_index('ix_tasks_worklist_due', 'tasks', ['office_id', 'status', 'role', 'due_at', 'created_at'],
                    unique=False)
