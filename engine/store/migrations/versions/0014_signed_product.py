"""the signed product: signers' NIP, position and rank, their TTE passphrase; the sealed PDF and its
verification code

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('nip', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('position', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('rank', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('passphrase_hash', sa.String(length=300), nullable=True))
    with op.batch_alter_table('documents') as batch:
        batch.add_column(sa.Column('verify_code', sa.String(length=24), nullable=True))
        batch.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
    op.create_index('ix_documents_verify_code', 'documents', ['verify_code'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_documents_verify_code', table_name='documents')
    with op.batch_alter_table('documents') as batch:
        batch.drop_column('pdf_sha256')
        batch.drop_column('pdf')
        batch.drop_column('verify_code')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('passphrase_hash')
        batch.drop_column('rank')
        batch.drop_column('position')
        batch.drop_column('nip')
