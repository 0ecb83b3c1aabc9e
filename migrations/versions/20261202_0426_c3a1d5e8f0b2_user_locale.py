"""the user's language: the interface's language chosen on the account page

Revision ID: c3a1d5e8f0b2
Revises: 5e1c2a9d7b30
Create Date: 2026-12-02 04:05:00+00:00

Nullable: a user who chose none gets the browser's language, else the hospital's (tumorboard.i18n). Its
values are those of i18n.Language, held by a CHECK constraint. A downgrade drops the column: each user
chooses their language again.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a1d5e8f0b2'
down_revision = '5e1c2a9d7b30'
branch_labels = None
depends_on = None

LANGUAGES = ('de', 'en')


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'locale',
                sa.Enum(*LANGUAGES, name='locale', native_enum=False, create_constraint=True, length=8),
                nullable=True,
            )
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_locale'), type_='check')
        batch_op.drop_column('locale')
