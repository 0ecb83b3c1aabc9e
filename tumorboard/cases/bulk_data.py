"""A large synthetic data set for benchmarks: `flask seed-demo --cases N`.

Rows go in by COPY on PostgreSQL (psycopg 3's `cursor.copy`, the ids drawn from the tables' sequences
first, one statement per batch) and by executemany on SQLite (the ids counted on from the largest one), never
row by row through the ORM; one audit event records the whole load, and ANALYZE runs at the end so the
planner knows the tables' new sizes.
"""

import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import cast

from sqlalchemy import Table, func, select, text

from tumorboard import statistics
from tumorboard.audit.recording import record
from tumorboard.auth.models import User
from tumorboard.boards.models import Board
from tumorboard.cases.models import Case, CaseStatus, ImagingStudy, LabResult, PathologyReport, Patient
from tumorboard.clinical import grading
from tumorboard.db import utcnow
from tumorboard.extensions import Model, db
from tumorboard.timezones import hospital_today

SITES = ("pancreas", "ileum", "jejunum", "rectum", "stomach", "appendix", "colon", "duodenum", "lung")
FAMILY = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Hartmann",
    "Krüger",
)
GIVEN = ("Anna", "Peter", "Maria", "Thomas", "Julia", "Michael", "Laura", "Stefan", "Sarah", "Andreas")
STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.SUBMITTED,
    CaseStatus.SCHEDULED,
    CaseStatus.DISCUSSED,
    CaseStatus.CLOSED,
    CaseStatus.DRAFT,
    CaseStatus.DEFERRED,
    CaseStatus.WITHDRAWN,
)


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def bulk_cases(
    count: int, *, seed: int = 7, batch_size: int = 2000, progress: Callable[[int], None] = lambda n: None
) -> int:
    """Insert `count` synthetic cases with a patient, an imaging study, a laboratory result and a pathology
    report each, by bulk INSERT (no per-row audit: one audit event records the whole load)."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    submitters = [u.id for u in db.session.scalars(select(User).where(User.role_rows.any(role="submitter")))]
    boards = [b.id for b in db.session.scalars(select(Board).where(Board.active.is_(True)))]
    if not submitters or not boards:
        raise ValueError("Load the demo data first: bulk cases need submitters and boards.")
    first_mrn = (db.session.scalar(select(func.count(Patient.id))) or 0) + 1
    today, now = hospital_today(), utcnow()
    for batch in _batches(count, batch_size):
        patients, cases, imaging, labs, pathology = [], [], [], [], []
        for i in batch:
            family, given = rng.choice(FAMILY), rng.choice(GIVEN)
            patients.append(
                {
                    "mrn": f"Z{first_mrn + i:09d}",
                    "family_name": family,
                    "given_name": given,
                    "name_key": f"{family} {given}".casefold(),
                    "sex": rng.choice(("female", "male")),
                    "birth_date": date(
                        1940 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)
                    ),
                    "created_by_id": submitters[0],
                    "created_at": now,
                    "version": 1,
                }
            )
        ids = write_rows(Patient, patients)
        indices = []
        for patient_id in ids:
            ki67, mitoses = round(rng.uniform(0.5, 40), 1), round(rng.uniform(0, 25), 1)
            indices.append((ki67, mitoses))
            site = rng.choice(SITES)
            grade = (
                grading.lung_category(mitoses, False)
                if site == "lung"
                else grading.who_grade(ki67, mitoses, "well")
            )
            changed = now - timedelta(minutes=rng.randrange(60 * 24 * 700))
            cases.append(
                {
                    "patient_id": patient_id,
                    "board_id": rng.choice(boards),
                    "submitter_id": rng.choice(submitters),
                    "status": rng.choice(STATUSES).value,
                    "conference_type": "pre_therapeutic",
                    "primary_site": site,
                    "tumour_size_cm": round(rng.uniform(0.3, 6), 1),
                    "metastatic_sites": rng.choice(("", "liver")),
                    "differentiation": "well",
                    "functional_status": "non_functional",
                    "hereditary_syndrome": "none",
                    "clinical_question": rng.choice(QUESTIONS),
                    "computed_grade": str(grade.category),
                    "readiness_missing": "[]",
                    "status_changed_at": changed,
                    "created_at": changed,
                    "updated_at": changed,
                    "submitted_at": changed,
                    "version": 1,
                    "symptoms": "",
                    "comorbidities": "",
                    "patient_preferences": "",
                    "no_pathology_reason": "",
                    "readiness_override_reason": "",
                }
            )
        case_ids = write_rows(Case, cases)
        for case_id, case, (ki67, mitoses) in zip(case_ids, cases, indices, strict=True):
            day = today - timedelta(days=rng.randrange(1, 300))
            common = {
                "case_id": case_id,
                "created_by_id": case["submitter_id"],
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "reported_by": "",
            }
            imaging.append(
                {
                    **common,
                    "study_date": day,
                    "modality": "ct",
                    "region": "Abdomen",
                    "new_lesions": False,
                    "report_text": "Staging CT.",
                }
            )
            labs.append(
                {
                    **common,
                    "sample_date": day,
                    "analyte": "chromogranin_a",
                    "value": round(rng.uniform(20, 900)),
                    "unit": "ng/mL",
                    "ref_high": 93.0,
                    "note": "",
                }
            )
            pathology.append(
                {
                    **common,
                    "report_date": day,
                    "specimen_type": "core_biopsy",
                    "differentiation": "well",
                    "ki67_percent": ki67,
                    "mitoses_per_2mm2": mitoses,
                    "ihc_results": "{}",
                    "specimen_site": "",
                    "reported_tnm": "",
                    "report_text": "",
                }
            )
        write_rows(ImagingStudy, imaging)
        write_rows(LabResult, labs)
        write_rows(PathologyReport, pathology)
        db.session.commit()
        progress(len(batch))
    record("seed.bulk_cases", details={"cases": count})
    db.session.commit()
    statistics.refresh_all()  # the planner must know the new sizes (tumorboard/statistics.py)
    return count


def write_rows(model: type[Model], rows: list[dict]) -> list[int]:
    """Insert `rows` into the model's table with ids of their own, in one COPY (PostgreSQL) or one
    executemany of the driver (SQLite); the ids given, in the rows' order. The columns' Python defaults
    and bind conversions (UTCDateTime, enums, SQLite's dates) are applied here, since neither goes through
    SQLAlchemy's insert."""
    table = cast(Table, model.__table__)
    ids = _reserve_ids(table, len(rows))
    for row, row_id in zip(rows, ids, strict=True):
        row["id"] = row_id
    connection = db.session.connection()
    dialect = connection.dialect
    columns = list(table.columns)
    plan = [_column_plan(column, dialect) for column in columns]

    def values(row: dict) -> list:
        out = []
        for key, default, convert in plan:
            value = row[key] if key in row else default()
            out.append(value if convert is None or value is None else convert(value))
        return out

    quote = dialect.identifier_preparer.quote  # names from our own metadata, quoted all the same
    into = f"{quote(table.name)} ({', '.join(quote(column.name) for column in columns)})"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if dialect.name == "postgresql":
        with cursor.copy(f"COPY {into} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values(row))
    else:
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {into} VALUES ({marks})"  # noqa: S608 (no input: the names are ours)
        cursor.executemany(statement, [values(r) for r in rows])
    return ids


def _column_plan(column, dialect) -> tuple[str, Callable[[], object], Callable | None]:
    """A column's key, its Python default (None when it has none) and its bind conversion."""
    default = column.default
    if default is None:
        make: Callable[[], object] = lambda: None  # noqa: E731
    elif default.is_callable:
        make = lambda: default.arg(None)  # noqa: E731
    else:
        make = lambda: default.arg  # noqa: E731
    return column.key, make, column.type._cached_bind_processor(dialect)


def _reserve_ids(table: Table, count: int) -> list[int]:
    """`count` new ids for `table`: drawn from its sequence on PostgreSQL (so concurrent writers never get
    them), counted on from the largest one on SQLite (one writer at a time holds the database)."""
    if db.session.connection().dialect.name == "postgresql":
        ids = db.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count},
        ).all()
        return [int(row_id) for row_id in ids]
    largest = db.session.scalar(select(func.max(table.c.id))) or 0
    return list(range(largest + 1, largest + 1 + count))


QUESTIONS = (
    "Surgery or surveillance?",
    "PRRT or everolimus after progression on a somatostatin analogue?",
    "Is liver-directed therapy an option?",
    "Adjuvant treatment after R1 resection?",
    "Restaging: continue the current treatment?",
)
