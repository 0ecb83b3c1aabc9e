"""single sign-on: the provider identity on the user, and the admin's group mapping

Revision ID: af5e0a0fb341
Revises: 04900918e5ac
Create Date: 2026-12-01 18:29:00+00:00

A user signed in through the hospital's OpenID provider is found again by (issuer, subject), unique; the
group mapping gives a provider group a role and optionally a board's membership. A downgrade drops both:
the links are made again at each person's next single sign-on, the mapping must be entered again.
"""
from alembic import op
import sqlalchemy as sa

import tumorboard.db


revision = 'af5e0a0fb341'
down_revision = '04900918e5ac'
branch_labels = None
depends_on = None

ROLES = ('submitter', 'coordinator', 'specialist', 'chair', 'admin', 'privacy')


def upgrade():
    op.create_table(
        'oidc_group_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_name', sa.String(length=200), nullable=False),
        sa.Column(
            'role',
            sa.Enum(*ROLES, name='role', native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column('board_id', sa.Integer(), nullable=True),
        sa.Column('created_at', tumorboard.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['board_id'], ['board.id'], name=op.f('fk_oidc_group_mapping_board_id_board'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_group_mapping')),
        sa.UniqueConstraint(
            'group_name', 'role', 'board_id', name=op.f('uq_oidc_group_mapping_group_name_role_board_id')
        ),
    )
    with op.batch_alter_table('oidc_group_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_group_mapping_board_id'), ['board_id'], unique=False)
        batch_op.create_index(
            'uq_oidc_group_mapping_group_name_role_no_board',
            ['group_name', 'role'],
            unique=True,
            sqlite_where=sa.text('board_id IS NULL'),
            postgresql_where=sa.text('board_id IS NULL'),
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_users_oidc_issuer_oidc_subject'), ['oidc_issuer', 'oidc_subject']
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_oidc_issuer_oidc_subject'), type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')
    with op.batch_alter_table('oidc_group_mapping', schema=None) as batch_op:
        batch_op.drop_index('uq_oidc_group_mapping_group_name_role_no_board')
        batch_op.drop_index(batch_op.f('ix_oidc_group_mapping_board_id'))
    op.drop_table('oidc_group_mapping')
