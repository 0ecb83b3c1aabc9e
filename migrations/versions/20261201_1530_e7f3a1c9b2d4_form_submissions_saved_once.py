"""form submissions saved once

Revision ID: e7f3a1c9b2d4
Revises: b41c7e2a9d05
Create Date: 2026-12-01 15:30:00+00:00

A create form's token and the record it made (tumorboard.once), so that a form sent twice makes one
record. The rows are bookkeeping: a downgrade drops them, and nothing clinical with them.
"""
from alembic import op
import sqlalchemy as sa



revision = 'e7f3a1c9b2d4'
down_revision = 'b41c7e2a9d05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('entity_type', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_submission_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submission')),
        sa.UniqueConstraint('user_id', 'token', name=op.f('uq_form_submission_user_id_token')),
    )


def downgrade():
    op.drop_table('form_submission')
