"""letter language

Revision ID: 5e1c2a9d7b30
Revises: cdc2d2b403c5
Create Date: 2026-12-02 04:15:00+00:00

The language a decision's letter is written in (issue 15): one of LANGUAGES, held by a CHECK; NULL for
the decisions before it, whose letters are in the hospital's DEFAULT_LOCALE. The downgrade drops the column
(migration_guard counts the letters whose language was chosen).
"""

from alembic import op
import sqlalchemy as sa


revision = "5e1c2a9d7b30"
down_revision = "cdc2d2b403c5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "letter_language",
                sa.Enum(
                    "de", "en", name="letter_language", native_enum=False, create_constraint=False, length=2
                ),
                nullable=True,
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_decision_letter_language"), "letter_language IN ('de', 'en')"
        )


def downgrade():
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_decision_letter_language"), type_="check")
        batch_op.drop_column("letter_language")
