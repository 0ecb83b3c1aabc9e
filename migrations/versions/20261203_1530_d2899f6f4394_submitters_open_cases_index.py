"""the submitter's open cases index

Revision ID: d2899f6f4394
Revises: 4d2f8a6c1e57
Create Date: 2026-12-03 15:30:00+00:00

Issue 14: the dashboard's "my open cases" (drafts first, then what is with the board, newest first) was
one query ordered by an expression ("is a draft"), so every open case of the submitter was read and sorted
before its ten rows: 156 ms on PostgreSQL for a submitter with 60,000 cases at 100,000. It now reads the
newest ten of each open status, one range each of `ix_tumor_case_submitter_status_updated` (submitter,
status, then newest first), and merges them.

For the operator: the index is built under a lock that blocks writes to tumor_case while it builds (a
few seconds per 1,000,000 cases); upgrade in a maintenance window, as the README's "Upgrading" says.
"""
from alembic import op


revision = 'd2899f6f4394'
down_revision = '4d2f8a6c1e57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_tumor_case_submitter_status_updated',
        'tumor_case',
        ['submitter_id', 'status', 'updated_at', 'id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_tumor_case_submitter_status_updated', table_name='tumor_case')
