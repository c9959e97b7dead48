"""several orchestrators on one case store: flow_links.claimed_by, claimed_until

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flow_links') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('flow_links') as batch:
        batch.drop_column('claimed_until')
        batch.drop_column('claimed_by')
