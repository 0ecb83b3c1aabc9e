"""search text columns and list count indexes

Revision ID: 4d2f8a6c1e57
Revises: 7b4e2c9a1f36
Create Date: 2026-12-03 07:40:00+00:00

Issue 14, measured at 1,000,000 cases (bench/RESULTS.md): a name search recomputed `tb_search_fold(...)`
(unaccent and two regular expressions) for every patient found, to recheck the trigram match (pg_trgm's
GIN index is lossy: every row it finds is rechecked, with the whole OR of words and trigrams) and twice to
rank it by words and by trigrams, which was most of the search's time once the indexes had found the rows.
PostgreSQL now keeps a patient's folded name and MRN and its tsvector in stored generated columns,
`search_text` and `search_words`: computed by the database on every insert and update of the columns they
are made of, so no code can write a name and forget them. The patient's trigram index moves onto
`search_text` (its recheck reads the column); the ranks read both columns. The words indexes stay on their
expressions: exact, never rechecked, and what keeps the planner from scanning a small table by a cheap
column instead; so does the clinical question's trigram index, rechecked only for the questions whose own
trigrams match (a name search finds none). SQLite's FTS5 tables already hold their folded words: nothing
changes there.

Both databases: `ix_tumor_case_list_filters` (board, status, site, grade, then the list's default order),
so that the case list filtered by all four, and its capped count, read exactly the matching cases in one
index range instead of scanning tumor_case (at 1,000,000 cases the count's plan was a sequential scan that
removed 170,903 rows before the 1,001st match); and `ix_tumor_case_updated_visibility` with `submitted_at`,
the last column its visibility rule reads, so that the unfiltered list's capped count reads that index
alone; `ix_tumor_case_patient_id` with the case's id, so that the cases of the patients a search found
(50,000 at 1,000,000 cases for a common name) come from that index alone, not from 50,000 heap fetches.

For the operator: on PostgreSQL, adding a stored generated column rewrites the patient table under an
ACCESS EXCLUSIVE lock, and the index changes build their indexes under locks that block writes, so the app
cannot serve while this migration runs (measured on the development machine: 9.8 s for 300,000 patients
and cases, so about half a minute per 1,000,000).
Upgrade in a maintenance window, as the README's "Upgrading" says.

The downgrade drops the columns (by ALTER TABLE, not op.drop_column: derived from the names, the MRN and
the question, which stay, so migration_guard has no data to count) and the filter index, and makes the
patient index without the id, the visibility index without submitted_at and the patient's trigram index
on the expression of cdc2d2b403c5 again.
"""
from alembic import op


revision = '4d2f8a6c1e57'
down_revision = '7b4e2c9a1f36'
branch_labels = None
depends_on = None

PATIENT_TEXT = (
    "tb_search_fold(family_name || ' ' || given_name || ' ' || mrn || ' ' "
    "|| regexp_replace(mrn, '[^[:alnum:]]+', '', 'g'))"
)
FILTER_COLUMNS = ['board_id', 'status', 'primary_site', 'computed_grade', 'updated_at', 'id']
VISIBILITY = ['updated_at', 'id', 'submitter_id', 'board_id', 'status']


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_patient_search_trigrams")
        op.execute(
            f"ALTER TABLE patient ADD COLUMN search_text text GENERATED ALWAYS AS ({PATIENT_TEXT}) STORED, "
            f"ADD COLUMN search_words tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {PATIENT_TEXT})) STORED"
        )
        op.execute("CREATE INDEX ix_patient_search_trigrams ON patient USING gin (search_text gin_trgm_ops)")
    op.create_index('ix_tumor_case_list_filters', 'tumor_case', FILTER_COLUMNS, unique=False)
    op.drop_index('ix_tumor_case_updated_visibility', table_name='tumor_case')
    op.create_index('ix_tumor_case_updated_visibility', 'tumor_case', [*VISIBILITY, 'submitted_at'], unique=False)
    op.drop_index('ix_tumor_case_patient_id', table_name='tumor_case')
    op.create_index('ix_tumor_case_patient_id', 'tumor_case', ['patient_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_tumor_case_patient_id', table_name='tumor_case')
    op.create_index('ix_tumor_case_patient_id', 'tumor_case', ['patient_id'], unique=False)
    op.drop_index('ix_tumor_case_updated_visibility', table_name='tumor_case')
    op.create_index('ix_tumor_case_updated_visibility', 'tumor_case', VISIBILITY, unique=False)
    op.drop_index('ix_tumor_case_list_filters', table_name='tumor_case')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_patient_search_trigrams")
        op.execute("ALTER TABLE patient DROP COLUMN search_words, DROP COLUMN search_text")
        op.execute(f"CREATE INDEX ix_patient_search_trigrams ON patient USING gin ({PATIENT_TEXT} gin_trgm_ops)")
