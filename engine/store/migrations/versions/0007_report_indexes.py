"""reports: indexes for an office's cases by arrival and closing, events by kind and time, products by office

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_office_received', 'cases', ['office_id', 'received_at', 'standard_id', 'variant',
                                                          'channel'], unique=False)
    op.create_index('ix_cases_office_closed', 'cases', ['office_id', 'closed_at'], unique=False)
    op.create_index('ix_events_kind_at', 'events', ['kind', 'at'], unique=False)
    op.create_index('ix_products_office_issued', 'products', ['office_id', 'issued_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_products_office_issued', table_name='products')
    op.drop_index('ix_events_kind_at', table_name='events')
    op.drop_index('ix_cases_office_closed', table_name='cases')
    op.drop_index('ix_cases_office_received', table_name='cases')
