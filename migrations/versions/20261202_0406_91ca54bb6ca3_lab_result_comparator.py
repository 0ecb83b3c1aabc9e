"""lab result comparator

Revision ID: 91ca54bb6ca3
Revises: 7f0d2b5f095d
Create Date: 2026-12-02 04:06:01+00:00

A censored laboratory value (issue 13): "<2" or ">1000" keeps its comparator beside the number, one of
<, <=, >=, > or none (the value is what it says), held by a CHECK constraint like every vocabulary. The
downgrade drops the column (its comparators with it: migration_guard counts what it holds).
"""
from alembic import op
import sqlalchemy as sa


revision = '91ca54bb6ca3'
down_revision = '7f0d2b5f095d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lab_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comparator', sa.String(length=2), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_lab_result_comparator'), "comparator IN ('<', '<=', '>=', '>')"
        )


def downgrade():
    with op.batch_alter_table('lab_result', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_lab_result_comparator'), type_='check')
        batch_op.drop_column('comparator')
