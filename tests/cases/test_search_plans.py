"""The search's statements, as the case list (its pages and capped count) and the patient search run them,
explained after a bulk load and ANALYZE: the PostgreSQL plan reads the GIN indexes (words, and trigrams
for one word of letters) and SQLite's the FTS5 tables, and neither reads the case table by a sequential
scan."""

from sqlalchemy import select

from tests.cases.test_case_list_plans import _captured, _plan, _scans_the_case_table, loaded  # noqa: F401
from tumorboard.auth.models import User
from tumorboard.cases import queries
from tumorboard.cases.models import Patient
from tumorboard.extensions import db

SEARCHES = ("schmidt", "müll", "schmidt anna", "surveillance", "Z000000012", "Z-0000000", "lutetium prrt")


def test_the_search_reads_its_indexes_and_never_scans_the_case_table(loaded):  # noqa: F811
    app, member_id = loaded
    with app.app_context():
        member = db.session.get(User, member_id)
        assert member.board_ids  # loaded before the statements are captured
        assert db.session.scalar(select(Patient.id).limit(1)) is not None
        connection = db.session.connection()
        postgresql = connection.dialect.name == "postgresql"
        plans: list[tuple[str, str]] = []
        for text in SEARCHES:
            with _captured(connection) as statements:
                queries.search_patients(member, text)
                queries.case_page(member, queries.CaseFilters(text=text), limit=25)
                queries.case_page(member, queries.CaseFilters(text=text, sort="patient"), limit=25)
                searched = queries.CaseFilters(text=text)
                queries.count_capped(member, searched)
            assert len(statements) == 4
            plans += [(text, _plan(connection, s, p)) for s, p in statements]
        scans = [f"{text}:\n{plan}" for text, plan in plans if _scans_the_case_table(plan)]
        assert not scans, "\n\n".join(scans)
        everything = "\n".join(plan for _, plan in plans)
        if postgresql:
            assert "Seq Scan on patient " not in everything, everything  # its registrations may be
            for index in (
                "ix_patient_search_words",
                "ix_patient_search_trigrams",
                "ix_tumor_case_search_words",
            ):
                assert index in everything, index
        else:
            for table in ("patient_search", "case_search"):
                assert f"SCAN {table} VIRTUAL TABLE" in everything, table
