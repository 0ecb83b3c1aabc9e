"""chart render cache

Revision ID: 8820a925c4ee
Revises: 0115ce984184
Create Date: 2026-12-01 22:12:00+00:00

The rendered charts (issue 14): one SVG per key of what it was drawn from (tumorboard/render_cache.py),
pruned by age and count. A downgrade drops the table: only renders are lost, each drawn again on its next
view (the migration guard still asks for --i-know-this-drops-data when it holds rows).
"""
from alembic import op
import sqlalchemy as sa


revision = '8820a925c4ee'
down_revision = '0115ce984184'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chart_render',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('svg', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_chart_render'))
    )
    with op.batch_alter_table('chart_render', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chart_render_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('chart_render', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chart_render_created_at'))

    op.drop_table('chart_render')
