"""the citizens' online channel: accounts, codes and sessions, uploads, the notification outbox, download links

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'citizen_accounts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('nik', sa.String(length=16), nullable=False, unique=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False, unique=True),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('email_verified_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_from', sa.String(length=64), nullable=True),
    )
    op.create_table(
        'citizen_codes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('citizen_accounts.id'), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('link_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_citizen_codes_account', 'citizen_codes', ['account_id', 'purpose'])
    op.create_table(
        'citizen_sessions',
        sa.Column('token_hash', sa.String(length=64), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('citizen_accounts.id'), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_citizen_sessions_account_id', 'citizen_sessions', ['account_id'])
    op.create_table(
        'case_accounts',
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), primary_key=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('citizen_accounts.id'), nullable=False),
        sa.Column('relation', sa.String(length=20), nullable=False),
        sa.Column('filed_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_case_accounts_account_id', 'case_accounts', ['account_id'])
    op.create_table(
        'uploads',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('requirement_id', sa.String(length=80), nullable=False),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('citizen_accounts.id'), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('media_type', sa.String(length=60), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('replaced_at', sa.DateTime(), nullable=True),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_uploads_case', 'uploads', ['case_id', 'requirement_id'])
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('key', sa.String(length=120), nullable=False, unique=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('office_id', sa.String(length=80), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('secret', sa.String(length=40), nullable=True),
        sa.Column('cause', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_until', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('row_version', sa.Integer(), nullable=False),
    )
    op.create_index('ix_notifications_due', 'notifications', ['status', 'next_attempt_at'],
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_notifications_case', 'notifications', ['case_id'])
    op.create_table(
        'download_links',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('product_id', sa.String(length=80), nullable=False),
        sa.Column('pin_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('downloads', sa.Integer(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
    )
    op.create_index('ix_download_links_case_id', 'download_links', ['case_id'])


def downgrade() -> None:
    for table in ('download_links', 'notifications', 'uploads', 'case_accounts', 'citizen_sessions',
                  'citizen_codes', 'citizen_accounts'):
        op.drop_table(table)
