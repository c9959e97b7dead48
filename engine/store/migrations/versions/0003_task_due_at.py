"""worklist: open tasks carry their case's due date, indexed for sorting without the cases table

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE tasks SET due_at = (SELECT cases.due_at FROM cases WHERE cases.id = tasks.case_id) "
               "WHERE status IN ('open', 'claimed')")
    op.drop_index('ix_tasks_worklist', table_name='tasks')
    op.create_index('ix_tasks_worklist_due', 'tasks', ['office_id', 'status', 'role', 'due_at', 'created_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_tasks_worklist_due', table_name='tasks')
    op.create_index('ix_tasks_worklist', 'tasks', ['office_id', 'status', 'role'], unique=False)
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('due_at')
