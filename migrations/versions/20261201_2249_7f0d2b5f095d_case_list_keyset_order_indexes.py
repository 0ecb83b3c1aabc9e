"""case list keyset order indexes

Revision ID: 7f0d2b5f095d
Revises: 42a3c7890af6
Create Date: 2026-12-01 22:49:34+00:00

The case list's keyset pages (issue 14): one index per order the list seeks in that no index served yet
(by submission, by site and by status, each with the change time and the id as the list orders them), so
that any page, first, deep or last, is one index range. Indexes only: the downgrade drops them and no data.
"""
from alembic import op
import sqlalchemy as sa


revision = '7f0d2b5f095d'
down_revision = '42a3c7890af6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tumor_case_site_order', 'tumor_case', ['primary_site', sa.literal_column('updated_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_tumor_case_status_order', 'tumor_case', ['status', sa.literal_column('updated_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_tumor_case_submitted_order', 'tumor_case', ['submitted_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_tumor_case_submitted_order', table_name='tumor_case')
    op.drop_index('ix_tumor_case_status_order', table_name='tumor_case')
    op.drop_index('ix_tumor_case_site_order', table_name='tumor_case')
