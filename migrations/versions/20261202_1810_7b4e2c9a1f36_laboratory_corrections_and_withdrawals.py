"""laboratory corrections and withdrawals

Revision ID: 7b4e2c9a1f36
Revises: 2091a92649ef
Create Date: 2026-12-02 18:10:00+00:00

HL7 OBX-11 C, D and W (issue 13): a laboratory result keeps its status (final, preliminary, corrected,
withdrawn; results already recorded are final) and, once withdrawn, why and when; the work list of
unmatched results takes a result withdrawn as sent for the wrong patient; a signed decision whose frozen
record holds a result the laboratory later corrected or withdrew gets a notice (result_notice). Every
vocabulary is held by a CHECK constraint. The downgrade drops the notices and the new columns (with what
they hold, the results not final: migration_guard counts them) and refuses while a wrong-patient result
is in the work list.
"""
import warnings
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

from tumorboard.db import UTCDateTime


revision = '7b4e2c9a1f36'
down_revision = '2091a92649ef'
branch_labels = None
depends_on = None

REASONS = ('unknown_patient', 'unmapped_code', 'no_open_case', 'not_numeric')


@contextmanager
def _batch(table):
    """SQLite rebuilds the table, reflecting the tables its keys point at; users' index on lower(name) is
    an expression SQLAlchemy does not reflect (and needs not: users is not rebuilt)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        with op.batch_alter_table(table, schema=None) as batch_op:
            yield batch_op


def _in(values):
    return ', '.join(f"'{v}'" for v in values)


def upgrade():
    with _batch('lab_result') as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='final', nullable=False))
        batch_op.add_column(sa.Column('withdrawal', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_lab_result_status'), "status IN ('final', 'preliminary', 'corrected', 'withdrawn')"
        )
        batch_op.create_check_constraint(
            op.f('ck_lab_result_withdrawal'), "withdrawal IN ('deleted', 'wrong_patient')"
        )
    with _batch('hl7_unmatched_result') as batch_op:
        batch_op.drop_constraint(op.f('ck_hl7_unmatched_result_reason'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_hl7_unmatched_result_reason'), f"reason IN ({_in((*REASONS, 'wrong_patient'))})"
        )
    op.create_table(
        'result_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('lab_result_id', sa.Integer(), nullable=False),
        sa.Column('hl7_message_id', sa.Integer(), nullable=True),
        sa.Column(
            'change',
            sa.Enum('corrected', 'deleted', 'wrong_patient', name='change', native_enum=False,
                    create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column('before', sa.String(length=60), nullable=False),
        sa.Column('after', sa.String(length=60), nullable=False),
        sa.Column('received_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_result_notice_decision_id_decision')),
        sa.ForeignKeyConstraint(['hl7_message_id'], ['hl7_message.id'], name=op.f('fk_result_notice_hl7_message_id_hl7_message')),
        sa.ForeignKeyConstraint(['lab_result_id'], ['lab_result.id'], name=op.f('fk_result_notice_lab_result_id_lab_result')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_result_notice')),
        sa.UniqueConstraint('decision_id', 'lab_result_id', 'hl7_message_id', name=op.f('uq_result_notice_decision_id_lab_result_id_hl7_message_id')),
    )
    with op.batch_alter_table('result_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_notice_decision_id'), ['decision_id'], unique=False)


def downgrade():
    held = op.get_bind().execute(
        sa.text("SELECT count(*) FROM hl7_unmatched_result WHERE reason = 'wrong_patient'")
    ).scalar()
    if held:
        raise RuntimeError(
            f"{held} result(s) withdrawn as sent for the wrong patient are in the work list of unmatched "
            "results: the earlier schema cannot hold them. Match or dismiss them first."
        )
    with op.batch_alter_table('result_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_notice_decision_id'))
    op.drop_table('result_notice')
    with _batch('hl7_unmatched_result') as batch_op:
        batch_op.drop_constraint(op.f('ck_hl7_unmatched_result_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_hl7_unmatched_result_reason'), f"reason IN ({_in(REASONS)})")
    # "final" is what the earlier schema means by a result: only other statuses are data the drop loses
    with _batch('lab_result') as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=16), nullable=True, server_default=None)
    op.execute("UPDATE lab_result SET status = NULL WHERE status = 'final'")
    with _batch('lab_result') as batch_op:
        batch_op.drop_constraint(op.f('ck_lab_result_withdrawal'), type_='check')
        batch_op.drop_constraint(op.f('ck_lab_result_status'), type_='check')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('withdrawal')
        batch_op.drop_column('status')
