"""online booking of a queue date: a ticket's booking code and the citizen's account

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('queue_tickets') as batch:
        batch.add_column(sa.Column('booking_code', sa.String(length=12), nullable=True))
        batch.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch.create_unique_constraint('uq_queue_booking_code', ['booking_code'])
        batch.create_foreign_key('fk_queue_tickets_account', 'citizen_accounts', ['account_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('queue_tickets') as batch:
        batch.drop_constraint('fk_queue_tickets_account', type_='foreignkey')
        batch.drop_constraint('uq_queue_booking_code', type_='unique')
        batch.drop_column('account_id')
        batch.drop_column('booking_code')
