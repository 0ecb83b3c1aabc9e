"""hl7 messages, unmatched results, patient aliases

Revision ID: 40b571c83a83
Revises: 19a61b21bec0
Create Date: 2026-12-01 21:31:49+00:00

HL7 v2 in (issue 13): the log of every message answered, unique per sender and control id (a message sent
again is answered with its first ACK); the laboratory results that could not be filed (the coordinators'
work list); the MRNs a merge (A40) retired; and the access log's page "unmatched_results". On SQLite the
access log is copied to change its CHECK, which would lose its append-only triggers: they are dropped
first and made again after. A downgrade drops the three tables (the migration guard counts their rows).
"""
from alembic import op
import sqlalchemy as sa


revision = '40b571c83a83'
down_revision = '19a61b21bec0'
branch_labels = None
depends_on = None


PAGES = ('case', 'case_list', 'case_form', 'finding_form', 'marker_chart', 'patient', 'patient_search', 'patient_form', 'dashboard', 'meeting', 'agenda_print', 'agenda_pdf', 'meeting_mode', 'decisions', 'decision_edit', 'letter', 'letter_pdf', 'fhir', 'follow_up', 'privacy_review')
APPEND_ONLY = 'access_log is append-only: its rows are never changed or deleted'


def _access_pages(pages: tuple[str, ...]) -> None:
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    if is_sqlite:
        for action in ('update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS access_log_no_{action}")
    with op.batch_alter_table('access_log') as batch:
        batch.drop_constraint(op.f('ck_access_log_page'), type_='check')
        batch.create_check_constraint(op.f('ck_access_log_page'), f"page IN ({', '.join(repr(p) for p in pages)})")
    if is_sqlite:
        for action in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER access_log_no_{action.lower()} BEFORE {action} ON access_log"
                f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def upgrade():
    _access_pages((*PAGES, 'unmatched_results'))
    op.create_table('hl7_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sending_application', sa.String(length=227), nullable=True),
    sa.Column('control_id', sa.String(length=199), nullable=True),
    sa.Column('message_type', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.Enum('processed', 'held', 'error', 'rejected', name='outcome', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('ack_code', sa.Enum('AA', 'AE', 'AR', name='ack_code', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('ack', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hl7_message'))
    )
    with op.batch_alter_table('hl7_message', schema=None) as batch_op:
        batch_op.create_index('ix_hl7_message_received', ['received_at', 'id'], unique=False)
        batch_op.create_index('uq_hl7_message_sender_control_id', ['sending_application', 'control_id'], unique=True)

    op.create_table('hl7_unmatched_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Enum('unknown_patient', 'unmapped_code', 'no_open_case', 'not_numeric', name='reason', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('mrn', sa.String(length=250), nullable=False),
    sa.Column('family_name', sa.String(length=194), nullable=False),
    sa.Column('given_name', sa.String(length=194), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('code', sa.String(length=250), nullable=False),
    sa.Column('code_text', sa.String(length=250), nullable=False),
    sa.Column('code_system', sa.String(length=40), nullable=False),
    sa.Column('analyte', sa.Enum('chromogranin_a', 'urine_5hiaa', 'gastrin', 'glucose', 'insulin', 'c_peptide', 'proinsulin', 'glucagon', 'vip', 'somatostatin', 'pancreatic_polypeptide', 'calcitonin', 'acth', 'pthrp', 'nse', 'serotonin', name='analyte', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('value', sa.String(length=250), nullable=False),
    sa.Column('unit', sa.String(length=250), nullable=False),
    sa.Column('reference_range', sa.String(length=60), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=True),
    sa.Column('laboratory', sa.String(length=250), nullable=False),
    sa.Column('status', sa.Enum('open', 'matched', 'dismissed', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismiss_reason', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['hl7_message.id'], name=op.f('fk_hl7_unmatched_result_message_id_hl7_message')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_hl7_unmatched_result_patient_id_patient'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_hl7_unmatched_result_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hl7_unmatched_result'))
    )
    with op.batch_alter_table('hl7_unmatched_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hl7_unmatched_result_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hl7_unmatched_result_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_hl7_unmatched_status_received', ['status', 'received_at', 'id'], unique=False)

    op.create_table('patient_alias',
    sa.Column('mrn', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_alias_patient_id_patient'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('mrn', name=op.f('pk_patient_alias'))
    )
    with op.batch_alter_table('patient_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patient_alias_patient_id'), ['patient_id'], unique=False)



def downgrade():
    with op.batch_alter_table('patient_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_alias_patient_id'))

    op.drop_table('patient_alias')
    with op.batch_alter_table('hl7_unmatched_result', schema=None) as batch_op:
        batch_op.drop_index('ix_hl7_unmatched_status_received')
        batch_op.drop_index(batch_op.f('ix_hl7_unmatched_result_patient_id'))
        batch_op.drop_index(batch_op.f('ix_hl7_unmatched_result_message_id'))

    op.drop_table('hl7_unmatched_result')
    with op.batch_alter_table('hl7_message', schema=None) as batch_op:
        batch_op.drop_index('uq_hl7_message_sender_control_id')
        batch_op.drop_index('ix_hl7_message_received')

    op.drop_table('hl7_message')
    _access_pages(PAGES)
