"""the office's stock of consumables per service point: balances and the ledger of movements

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stock_balances',
        sa.Column('office_id', sa.String(length=80), primary_key=True),
        sa.Column('unit_id', sa.String(length=80), primary_key=True),
        sa.Column('item_id', sa.String(length=80), primary_key=True),
        sa.Column('on_hand', sa.Integer(), nullable=False),
        sa.Column('spoiled_held', sa.Integer(), nullable=False),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.CheckConstraint('on_hand >= 0', name='ck_stock_on_hand'),
        sa.CheckConstraint('spoiled_held >= 0', name='ck_stock_spoiled_held'),
    )
    op.create_table(
        'stock_movements',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('office_id', sa.String(length=80), nullable=False),
        sa.Column('unit_id', sa.String(length=80), nullable=False),
        sa.Column('item_id', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('on_hand', sa.Integer(), nullable=False),
        sa.Column('spoiled_held', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('document', sa.String(length=200), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_stock_movements_unit', 'stock_movements', ['office_id', 'unit_id', 'item_id', 'at'])


def downgrade() -> None:
    op.drop_table('stock_movements')
    op.drop_table('stock_balances')
