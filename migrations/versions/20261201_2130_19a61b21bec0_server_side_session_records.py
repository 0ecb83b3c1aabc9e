"""server-side session records

Revision ID: 19a61b21bec0
Revises: 2784ff5ff44c
Create Date: 2026-12-01 21:30:41+00:00

Sessions on the server (issue 12): one row per signed-in browser, found by the SHA-256 of the key its
cookie carries, with its times, how it ended and why, how it signed in, and a short browser summary and
address for the person to recognise it. Every cookie signed before this migration is void afterwards (it
carries no session key): everyone signs in again. A downgrade drops the table (the migration guard asks
for --i-know-this-drops-data when it holds rows).
"""
from alembic import op
import sqlalchemy as sa


revision = '19a61b21bec0'
down_revision = '2784ff5ff44c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Enum('signed_out', 'ended_by_user', 'ended_by_admin', 'idle', 'lifetime', 'password_changed', 'password_reset', 'account_disabled', 'second_factor_reset', name='session_end', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('method', sa.Enum('password', 'password_code', 'provider', name='sign_in_method', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('user_agent', sa.String(length=120), nullable=False),
    sa.Column('client_address', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_session_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_session_key_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_last_seen_at', ['last_seen_at'], unique=False)
        batch_op.create_index('ix_user_session_user_id_ended_at', ['user_id', 'ended_at'], unique=False)



def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_id_ended_at')
        batch_op.drop_index('ix_user_session_last_seen_at')

    op.drop_table('user_session')
