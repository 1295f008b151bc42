"""timeline: date provenance, backfilled and retracted events, retracted claims, claim quote facts

Revision ID: 0004
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_from', sa.String(length=20), nullable=True))
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.alter_column('statement_date', existing_type=sa.Date(), nullable=True)
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retraction_reason', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('senior_quote', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('issue_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('issue_end', sa.Integer(), nullable=True))
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('date_estimated', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('date_estimated', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('backfilled', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retraction_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('retraction_reason')
        batch_op.drop_column('retracted_at')
        batch_op.drop_column('backfilled')
        batch_op.drop_column('date_estimated')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_column('date_estimated')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('issue_end')
        batch_op.drop_column('issue_start')
        batch_op.drop_column('senior_quote')
        batch_op.drop_column('retraction_reason')
        batch_op.drop_column('retracted_at')
        batch_op.alter_column('statement_date', existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('published_from')
