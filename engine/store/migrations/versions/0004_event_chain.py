"""audit trail: events chained by hash, with the chain's head

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from datetime import datetime, timezone
    import json

    from engine.store import chain

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    # Chain the events already there, in their order, as the application would have.
    bind = op.get_bind()
    key, head, count = chain.audit_key(), chain.GENESIS, 0
    rows = bind.execute(sa.text("SELECT id, case_id, task_id, at, actor_id, actor, kind, data FROM events "
                                "ORDER BY id")).all()
    for ident, case_id, task_id, at, actor_id, actor, kind, data in rows:
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        data = json.loads(data) if isinstance(data, str) else data
        digest = chain.link(head, chain.payload(case_id, task_id, at.replace(tzinfo=timezone.utc), actor_id,
                                                actor, kind, data), key)
        bind.execute(sa.text("UPDATE events SET prev_hash = :p, hash = :h WHERE id = :i"),
                     {"p": head, "h": digest, "i": ident})
        head, count = digest, count + 1
    bind.execute(sa.text("INSERT INTO audit_head (id, hash, count) VALUES (1, :h, :c)"), {"h": head, "c": count})
    with op.batch_alter_table('events') as batch:
        batch.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('hash', existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
    op.drop_table('audit_head')
