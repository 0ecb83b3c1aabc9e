"""case pool order index

Revision ID: 1b05f30c8209
Revises: 91ca54bb6ca3
Create Date: 2026-12-02 04:22:33+00:00

The pools of the dashboard and the meeting page (issue 14): each (board, status) of the waiting cases
read as one ordered range, the longest waiting first, so a pool's first page is a seek whatever the size
of the case table or of the pool. An index only: the downgrade drops it and no data.
"""
from alembic import op


revision = '1b05f30c8209'
down_revision = '91ca54bb6ca3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_tumor_case_pool_order', 'tumor_case', ['board_id', 'status', 'submitted_at', 'id'], unique=False
    )


def downgrade():
    op.drop_index('ix_tumor_case_pool_order', table_name='tumor_case')
