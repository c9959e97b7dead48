"""finding cases: the tokens a case is found by (NIK, name words, numbers, receipt code) and the
officer's saved search; existing cases are indexed here

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from engine.store.tokens import case_tokens

    op.create_table(
        'case_tokens',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('office_id', sa.String(length=80), nullable=False),
        sa.Column('token', sa.String(length=120).with_variant(sa.String(length=120, collation='C'), 'postgresql'),
                  nullable=False),
    )
    op.create_index('ix_case_tokens_case_id', 'case_tokens', ['case_id'])
    op.create_index('ix_case_tokens_office_token', 'case_tokens', ['office_id', 'token', 'case_id'])
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('saved_search', sa.JSON(), nullable=True))
    conn = op.get_bind()
    cases = sa.table('cases', sa.column('id'), sa.column('office_id'), sa.column('number'),
                     sa.column('receipt_code'), sa.column('applicant', sa.JSON()))
    products = sa.table('products', sa.column('case_id'), sa.column('number'))
    tokens = sa.table('case_tokens', sa.column('case_id'), sa.column('office_id'), sa.column('token'))
    numbers: dict[int, list[str]] = {}
    for case_id, number in conn.execute(sa.select(products.c.case_id, products.c.number)
                                        .where(products.c.number.is_not(None))):
        numbers.setdefault(case_id, []).append(number)
    rows = []
    for case_id, office_id, number, code, applicant in conn.execute(
            sa.select(cases.c.id, cases.c.office_id, cases.c.number, cases.c.receipt_code, cases.c.applicant)):
        words = case_tokens(applicant or {}, number, code) + [t for n in numbers.get(case_id, [])
                                                               for t in case_tokens({}, n, None)]
        rows += [{"case_id": case_id, "office_id": office_id, "token": t} for t in dict.fromkeys(words)]
        if len(rows) > 5000:
            conn.execute(tokens.insert(), rows)
            rows = []
    if rows:
        conn.execute(tokens.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('saved_search')
    op.drop_index('ix_case_tokens_office_token', table_name='case_tokens')
    op.drop_index('ix_case_tokens_case_id', table_name='case_tokens')
    op.drop_table('case_tokens')
