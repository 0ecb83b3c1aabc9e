"""clinical answers start empty: a case's differentiation, functional status and hereditary syndrome

Revision ID: d879856ef8f3
Revises: 5c2e9d4b7a10
Create Date: 2026-12-01 14:50:00+00:00

A draft may leave them open (empty, not a silent "unknown"); the case goes to the board only with each
answered (cases.readiness.required_to_submit). The values already stored stay as they are. Downgrade:
an empty answer becomes "unknown" again, as the old default made it.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd879856ef8f3'
down_revision = '5c2e9d4b7a10'
branch_labels = None
depends_on = None

COLUMNS = ('differentiation', 'functional_status', 'hereditary_syndrome')


def upgrade():
    with op.batch_alter_table('tumor_case') as batch:
        for column in COLUMNS:
            batch.alter_column(column, existing_type=sa.String(length=16), nullable=True)


def downgrade():
    for column in COLUMNS:
        op.execute(f"UPDATE tumor_case SET {column} = 'unknown' WHERE {column} IS NULL")
    with op.batch_alter_table('tumor_case') as batch:
        for column in COLUMNS:
            batch.alter_column(column, existing_type=sa.String(length=16), nullable=False)
