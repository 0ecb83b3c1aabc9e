"""fhir publication of signed decisions: one row per signed version sent (or being sent) to the hospital's
FHIR server, with its status (CHECK), attempts and last error

Revision ID: 2784ff5ff44c
Revises: f663df525ddf
Create Date: 2026-12-01 21:27:04.983332+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2784ff5ff44c'
down_revision = 'f663df525ddf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fhir_publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='status', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_fhir_publication_decision_id_decision')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fhir_publication')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_fhir_publication_decision_id'))
    )

def downgrade():
    op.drop_table('fhir_publication')
