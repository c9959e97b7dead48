"""the satisfaction survey: invitations per case, anonymous responses, the follow-up plan

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'survey_invitations',
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), primary_key=True),
        sa.Column('token', sa.String(length=40), nullable=False, unique=True),
        sa.Column('office_id', sa.String(length=80), nullable=False),
        sa.Column('standard_id', sa.String(length=120), nullable=False),
        sa.Column('unit_id', sa.String(length=80), nullable=True),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('used_on', sa.Date(), nullable=True),
    )
    op.create_table(
        'survey_responses',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('office_id', sa.String(length=80), nullable=False),
        sa.Column('standard_id', sa.String(length=120), nullable=True),
        sa.Column('unit_id', sa.String(length=80), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('submitted_on', sa.Date(), nullable=False),
        sa.Column('year', sa.SmallInteger(), nullable=False),
        sa.Column('quarter', sa.SmallInteger(), nullable=False),
        *[sa.Column(f'u{n}', sa.SmallInteger(), nullable=False) for n in range(1, 10)],
        sa.Column('extra', sa.JSON(), nullable=True),
        sa.Column('age', sa.SmallInteger(), nullable=True),
        sa.Column('sex', sa.String(length=1), nullable=True),
        sa.Column('education', sa.String(length=10), nullable=True),
        sa.Column('occupation', sa.String(length=12), nullable=True),
        sa.Column('suggestion', sa.Text(), nullable=True),
        sa.Column('entered_by', sa.String(length=120), nullable=True),
    )
    op.create_index('ix_survey_responses_period', 'survey_responses',
                    ['office_id', 'year', 'quarter', 'standard_id', 'channel', 'sex', 'education', 'occupation', 'age',
                     *[f'u{n}' for n in range(1, 10)]])
    op.create_index('ix_survey_responses_suggestions', 'survey_responses', ['office_id', 'year', 'quarter', 'id'],
                    sqlite_where=sa.text('suggestion IS NOT NULL'), postgresql_where=sa.text('suggestion IS NOT NULL'))
    op.create_table(
        'survey_followups',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('office_id', sa.String(length=80), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('element', sa.String(length=40), nullable=False),
        sa.Column('action', sa.Text(), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=120), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
    )
    op.create_index('ix_survey_followups_office_id', 'survey_followups', ['office_id'])


def downgrade() -> None:
    op.drop_index('ix_survey_followups_office_id', table_name='survey_followups')
    op.drop_table('survey_followups')
    op.drop_index('ix_survey_responses_suggestions', table_name='survey_responses')
    op.drop_index('ix_survey_responses_period', table_name='survey_responses')
    op.drop_table('survey_responses')
    op.drop_table('survey_invitations')
