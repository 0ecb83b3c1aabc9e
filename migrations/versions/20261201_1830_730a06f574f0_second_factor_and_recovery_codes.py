"""second factor and recovery codes

Revision ID: 730a06f574f0
Revises: af5e0a0fb341
Create Date: 2026-12-01 18:30:40+00:00

The second factor of local accounts (issue 12): one row per enrolled user with the TOTP secret
(Fernet-encrypted) and the last time step used, and its ten recovery codes as keyed hashes. A downgrade
drops both: every user's enrolment is lost (the migration guard asks for --i-know-this-drops-data).
"""
from alembic import op
import sqlalchemy as sa


revision = '730a06f574f0'
down_revision = 'af5e0a0fb341'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('second_factor',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_encrypted', sa.String(length=255), nullable=False),
    sa.Column('last_step', sa.Integer(), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_second_factor_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_second_factor'))
    )
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['second_factor.user_id'], name=op.f('fk_recovery_code_user_id_second_factor'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_code_code_hash'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))

    op.drop_table('recovery_code')
    op.drop_table('second_factor')
