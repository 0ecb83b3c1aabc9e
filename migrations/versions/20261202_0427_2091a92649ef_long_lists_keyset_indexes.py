"""long lists keyset indexes

Revision ID: 2091a92649ef
Revises: c3a1d5e8f0b2
Create Date: 2026-12-02 04:16:00+00:00

The UI's long lists in keyset pages (issue 14): the audit log newest first by (occurred_at, seq), alone,
by record and by actor; each user's notifications newest first by (created_at, id); each user's sessions
by (last_seen_at, id); the admin's user list by (lower(name), id). So that any page, first,
deep or last, and a jump to a day is one index range. Indexes only: the downgrade drops them and no data.
"""
from alembic import op
import sqlalchemy as sa


revision = '2091a92649ef'
down_revision = 'c3a1d5e8f0b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_occurred_seq', 'audit_event', ['occurred_at', 'seq'], unique=False)
    op.create_index(
        'ix_audit_event_entity_occurred', 'audit_event', ['entity_type', 'entity_id', 'occurred_at', 'seq'], unique=False
    )
    op.create_index('ix_audit_event_actor_occurred', 'audit_event', ['actor_id', 'occurred_at', 'seq'], unique=False)
    op.create_index('ix_notification_user_created', 'notification', ['user_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_user_session_user_seen', 'user_session', ['user_id', 'last_seen_at', 'id'], unique=False)
    op.create_index('ix_users_name_lower', 'users', [sa.literal_column('lower(name)'), 'id'], unique=False)


def downgrade():
    op.drop_index('ix_users_name_lower', table_name='users')
    op.drop_index('ix_user_session_user_seen', table_name='user_session')
    op.drop_index('ix_notification_user_created', table_name='notification')
    op.drop_index('ix_audit_event_actor_occurred', table_name='audit_event')
    op.drop_index('ix_audit_event_entity_occurred', table_name='audit_event')
    op.drop_index('ix_audit_event_occurred_seq', table_name='audit_event')
