"""an office's current working calendar (its decrees, closures and units' calendars), kept apart from the
standard versions running cases are bound to, so a decree or closure added later reaches them

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offices') as batch:
        batch.add_column(sa.Column('calendar', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('offices') as batch:
        batch.drop_column('calendar')
