"""statuses and vocabularies checked by the database

Revision ID: 5c2e9d4b7a10
Revises: 7a93487098b0
Create Date: 2026-12-01 12:30:00+00:00

Every status and vocabulary column gets the CHECK constraint its enum type declares (the values as they are
at this revision; a later change of an enum brings its own migration), and an agenda item's outcome may
only be one the board gives. On SQLite each table is copied (env.py turns foreign keys off for that);
the copy would lose the partial unique indexes of `decision` and the triggers of `access_log`, so they are
dropped first and made again after.
"""
from alembic import op
import sqlalchemy as sa


revision = '5c2e9d4b7a10'
down_revision = '7a93487098b0'
branch_labels = None
depends_on = None

# table: [(the constraint's name within the table, column, the values the database accepts)]
CHECKS = {
    'users': [
        ('specialty', 'specialty', ('medical_oncology', 'surgery', 'radiology', 'pathology', 'nuclear_medicine', 'gastroenterology', 'endocrinology', 'other',)),
    ],
    'access_log': [
        ('page', 'page', ('case', 'case_list', 'case_form', 'finding_form', 'marker_chart', 'patient', 'patient_search', 'patient_form', 'dashboard', 'meeting', 'agenda_print', 'agenda_pdf', 'meeting_mode', 'decisions', 'decision_edit', 'letter', 'letter_pdf', 'fhir', 'follow_up', 'privacy_review',)),
    ],
    'meeting_series': [
        ('frequency', 'frequency', ('weekly', 'fortnightly',)),
    ],
    'patient': [
        ('sex', 'sex', ('female', 'male', 'other', 'unknown',)),
    ],
    'user_role': [
        ('role', 'role', ('submitter', 'coordinator', 'specialist', 'chair', 'admin', 'privacy',)),
    ],
    'meeting': [
        ('status', 'status', ('planned', 'agenda_locked', 'in_progress', 'closed', 'cancelled',)),
    ],
    'tumor_case': [
        ('status', 'status', ('draft', 'submitted', 'scheduled', 'discussed', 'closed', 'deferred', 'withdrawn',)),
        ('conference_type', 'conference_type', ('pre_therapeutic', 'post_operative', 'post_therapy', 'follow_up',)),
        ('primary_site', 'primary_site', ('stomach', 'duodenum', 'ampulla', 'jejunum', 'ileum', 'appendix', 'colon', 'rectum', 'pancreas', 'lung', 'thymus', 'thyroid', 'adrenal', 'unknown primary', 'other',)),
        ('differentiation', 'differentiation', ('well', 'poor', 'unknown',)),
        ('functional_status', 'functional_status', ('functional', 'non_functional', 'unknown',)),
        ('syndrome', 'syndrome', ('carcinoid_syndrome', 'zollinger_ellison', 'insulinoma', 'glucagonoma', 'vipoma', 'somatostatinoma', 'ectopic_cushing', 'other',)),
        ('hereditary_syndrome', 'hereditary_syndrome', ('none', 'men1', 'men2', 'men4', 'vhl', 'nf1', 'tsc', 'unknown', 'suspected',)),
    ],
    'agenda_item': [
        ('mode', 'mode', ('full', 'noting',)),
        ('outcome', 'outcome', ('draft', 'submitted', 'scheduled', 'discussed', 'closed', 'deferred', 'withdrawn',)),
    ],
    'attendance': [
        ('specialty', 'specialty', ('medical_oncology', 'surgery', 'radiology', 'pathology', 'nuclear_medicine', 'gastroenterology', 'endocrinology', 'other',)),
        ('status', 'status', ('present', 'absent', 'guest',)),
    ],
    'imaging_study': [
        ('modality', 'modality', ('ct', 'mri', 'sstr_pet_ct', 'fdg_pet_ct', 'octreoscan_spect', 'endoscopy', 'eus', 'ultrasound',)),
        ('tracer', 'tracer', ('ga68_dotatate', 'ga68_dotatoc', 'ga68_dotanoc', 'cu64_dotatate',)),
        ('fdg_vs_sstr', 'fdg_vs_sstr', ('lower', 'equal', 'higher',)),
    ],
    'lab_result': [
        ('analyte', 'analyte', ('chromogranin_a', 'urine_5hiaa', 'gastrin', 'glucose', 'insulin', 'c_peptide', 'proinsulin', 'glucagon', 'vip', 'somatostatin', 'pancreatic_polypeptide', 'calcitonin', 'acth', 'pthrp', 'nse', 'serotonin',)),
    ],
    'pathology_report': [
        ('specimen_type', 'specimen_type', ('endoscopic_biopsy', 'eus_fna', 'core_biopsy', 'cytology', 'endoscopic_resection', 'local_excision', 'resection', 'lymph_node', 'metastasis', 'other',)),
        ('histology', 'histology', ('net', 'nec', 'lcnec', 'scnec', 'minen',)),
        ('differentiation', 'differentiation', ('well', 'poor', 'unknown',)),
        ('margins', 'margins', ('r0', 'r1', 'r2', 'rx',)),
    ],
    'prior_treatment': [
        ('treatment', 'treatment', ('SURV', 'SURG-ENDO', 'SURG-LOCAL', 'SURG-APPY', 'SURG-RHC', 'SURG-SEGMENT', 'SURG-PD', 'SURG-DP', 'SURG-LIVER', 'SSA-OCT-LAR', 'SSA-LAN', 'TT-EVE', 'TT-SUN', 'TT-CABO', 'PRRT-LU177', 'LDT-TAE', 'LDT-TACE', 'LDT-TARE', 'LDT-RFA', 'LDT-MWA', 'CHEMO-CAPTEM', 'CHEMO-STZ-5FU', 'CHEMO-PE', 'CHEMO-CE', 'SYMPT-TELO', 'SYMPT-PPI', 'SYMPT-DIAZOXIDE', 'RT-EBRT', 'TRIAL', 'REFER',)),
    ],
    'decision': [
        ('status', 'status', ('draft', 'signed', 'superseded',)),
        ('outcome', 'outcome', ('recommendation', 'further_diagnostics', 'deferred',)),
        ('guideline_basis', 'guideline_basis', ('enets', 'esmo', 'nccn', 'local', 'none',)),
    ],
    'follow_up': [
        ('status', 'status', ('fully', 'partly', 'not',)),
        ('reason', 'reason', ('patient_preference', 'comorbidity', 'toxicity', 'progression', 'new_information', 'payer_refusal', 'lost_to_follow_up', 'other',)),
    ],
    'plan_item': [
        ('treatment', 'treatment', ('SURV', 'SURG-ENDO', 'SURG-LOCAL', 'SURG-APPY', 'SURG-RHC', 'SURG-SEGMENT', 'SURG-PD', 'SURG-DP', 'SURG-LIVER', 'SSA-OCT-LAR', 'SSA-LAN', 'TT-EVE', 'TT-SUN', 'TT-CABO', 'PRRT-LU177', 'LDT-TAE', 'LDT-TACE', 'LDT-TARE', 'LDT-RFA', 'LDT-MWA', 'CHEMO-CAPTEM', 'CHEMO-STZ-5FU', 'CHEMO-PE', 'CHEMO-CE', 'SYMPT-TELO', 'SYMPT-PPI', 'SYMPT-DIAZOXIDE', 'RT-EBRT', 'TRIAL', 'REFER',)),
        ('intent', 'intent', ('curative', 'palliative', 'symptom_control', 'diagnostic',)),
        ('responsible_specialty', 'responsible_specialty', ('medical_oncology', 'surgery', 'radiology', 'pathology', 'nuclear_medicine', 'gastroenterology', 'endocrinology', 'other',)),
    ],
}
BOARD_OUTCOME = ('agenda_item', 'board_outcome', "outcome IN ('discussed', 'deferred')")
PARTIAL_INDEXES = (('uq_decision_item_draft', 'draft'), ('uq_decision_item_signed', 'signed'))
APPEND_ONLY = 'access_log is append-only: its rows are never changed or deleted'


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _drop_around(is_sqlite: bool) -> None:
    if not is_sqlite:
        return
    for name, _status in PARTIAL_INDEXES:
        op.drop_index(name, table_name='decision')
    for action in ('update', 'delete'):
        op.execute(f"DROP TRIGGER IF EXISTS access_log_no_{action}")


def _make_again(is_sqlite: bool) -> None:
    if not is_sqlite:
        return
    for name, status in PARTIAL_INDEXES:
        op.create_index(name, 'decision', ['agenda_item_id'], unique=True, sqlite_where=sa.text(f"status = '{status}'"))
    for action in ('UPDATE', 'DELETE'):
        op.execute(
            f"CREATE TRIGGER access_log_no_{action.lower()} BEFORE {action} ON access_log"
            f" BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def upgrade():
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    _drop_around(is_sqlite)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, column, values in checks:
                batch.create_check_constraint(op.f(f"ck_{table}_{name}"), _condition(column, values))
            if table == BOARD_OUTCOME[0]:
                batch.create_check_constraint(op.f(f"ck_{table}_{BOARD_OUTCOME[1]}"), BOARD_OUTCOME[2])
    _make_again(is_sqlite)


def downgrade():
    is_sqlite = op.get_bind().dialect.name == 'sqlite'
    _drop_around(is_sqlite)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            if table == BOARD_OUTCOME[0]:
                batch.drop_constraint(op.f(f"ck_{table}_{BOARD_OUTCOME[1]}"), type_='check')
            for name, _column, _values in checks:
                batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_='check')
    _make_again(is_sqlite)
