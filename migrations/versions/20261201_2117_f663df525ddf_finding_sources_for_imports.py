"""finding sources for imports: each imported finding keeps its source system and identifier (a FHIR
resource's), unique per case, so that a second import updates it instead of adding a copy

Revision ID: f663df525ddf
Revises: 730a06f574f0
Create Date: 2026-12-01 21:17:44.971131+00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f663df525ddf'
down_revision = '730a06f574f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('imaging_study', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_system', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.String(length=255), nullable=True))
        batch_op.create_index('uq_imaging_study_case_source', ['case_id', 'source_system', 'source_id'], unique=True)

    with op.batch_alter_table('lab_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_system', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.String(length=255), nullable=True))
        batch_op.create_index('uq_lab_result_case_source', ['case_id', 'source_system', 'source_id'], unique=True)

    with op.batch_alter_table('pathology_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_system', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.String(length=255), nullable=True))
        batch_op.create_index('uq_pathology_report_case_source', ['case_id', 'source_system', 'source_id'], unique=True)


def downgrade():
    with op.batch_alter_table('pathology_report', schema=None) as batch_op:
        batch_op.drop_index('uq_pathology_report_case_source')
        batch_op.drop_column('source_id')
        batch_op.drop_column('source_system')

    with op.batch_alter_table('lab_result', schema=None) as batch_op:
        batch_op.drop_index('uq_lab_result_case_source')
        batch_op.drop_column('source_id')
        batch_op.drop_column('source_system')

    with op.batch_alter_table('imaging_study', schema=None) as batch_op:
        batch_op.drop_index('uq_imaging_study_case_source')
        batch_op.drop_column('source_id')
        batch_op.drop_column('source_system')
