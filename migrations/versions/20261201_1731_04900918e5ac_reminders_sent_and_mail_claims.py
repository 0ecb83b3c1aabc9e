"""reminders sent and mail claims

Revision ID: 04900918e5ac
Revises: e7f3a1c9b2d4
Create Date: 2026-12-01 17:31:00+00:00

The background worker's bookkeeping: which reminder went to whom (one row per kind, subject and user,
held by a unique constraint, so a reminder job run twice sends once), and the claim a mail job takes on
a notification before it sends. A downgrade drops both, and nothing clinical with them.
"""
from alembic import op
import sqlalchemy as sa



revision = '04900918e5ac'
down_revision = 'e7f3a1c9b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminder_sent_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
        sa.CheckConstraint(
            "kind IN ('cutoff', 'agenda', 'meeting', 'follow_up', 'follow_up_overdue')",
            name=op.f('ck_reminder_sent_kind'),
        ),
        sa.UniqueConstraint(
            'kind', 'subject_id', 'user_id', name=op.f('uq_reminder_sent_kind_subject_id_user_id')
        ),
    )
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sent_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('mail_claimed_at')
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_user_id'))
    op.drop_table('reminder_sent')
