"""draft plan items may be incomplete

Revision ID: b41c7e2a9d05
Revises: d879856ef8f3
Create Date: 2026-12-01 15:00:00+00:00

A draft keeps every plan row as typed, a treatment without its intent or responsible specialty
included (a draft may be incomplete; signing may not: decisions.operations checks each row at signing).
The columns' CHECK constraints stay. Downgrading fills what is missing in drafts with the values a
reviewer would see as unset ("diagnostic" / "other") rather than losing the rows, and says how many.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b41c7e2a9d05'
down_revision = 'd879856ef8f3'
branch_labels = None
depends_on = None

COLUMNS = (('treatment', 24, 'REFER'), ('intent', 16, 'diagnostic'), ('responsible_specialty', 32, 'other'))


def upgrade():
    with op.batch_alter_table('plan_item') as batch:
        for column, length, _fill in COLUMNS:
            batch.alter_column(column, existing_type=sa.String(length), nullable=True)


def downgrade():
    bind = op.get_bind()
    incomplete = bind.execute(
        sa.text(
            "SELECT count(*) FROM plan_item WHERE "
            + " OR ".join(f"{column} IS NULL" for column, _l, _f in COLUMNS)
        )
    ).scalar()
    if incomplete:
        print(f"plan_item: {incomplete} incomplete draft row(s) filled with REFER / diagnostic / other")
    for column, _length, fill in COLUMNS:
        bind.execute(sa.text(f"UPDATE plan_item SET {column} = :fill WHERE {column} IS NULL"), {"fill": fill})
    with op.batch_alter_table('plan_item') as batch:
        for column, length, _fill in COLUMNS:
            batch.alter_column(column, existing_type=sa.String(length), nullable=False)
