"""the queue at a service point: tickets and counters

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'queue_tickets',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('office_id', sa.String(length=80), nullable=False),
        sa.Column('unit_id', sa.String(length=80), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('service', sa.String(length=2), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=12), nullable=False),
        sa.Column('priority', sa.String(length=40), nullable=True),
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('called_at', sa.DateTime(), nullable=True),
        sa.Column('serving_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('counter_id', sa.String(length=80), nullable=True),
        sa.Column('called_by', sa.String(length=120), nullable=True),
        sa.Column('recalls', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.UniqueConstraint('office_id', 'unit_id', 'day', 'service', 'number', name='uq_queue_number'),
    )
    op.create_index('ix_queue_waiting', 'queue_tickets', ['office_id', 'unit_id', 'day', 'status', 'service'])
    op.create_table(
        'queue_counters',
        sa.Column('office_id', sa.String(length=80), primary_key=True),
        sa.Column('unit_id', sa.String(length=80), primary_key=True),
        sa.Column('counter_id', sa.String(length=80), primary_key=True),
        sa.Column('officer', sa.String(length=120), nullable=True),
        sa.Column('opened_at', sa.DateTime(), nullable=True),
        sa.Column('calls', sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('queue_counters')
    op.drop_table('queue_tickets')
