"""The one search of the app: patients by name and MRN, cases by those and by their clinical question,
through an index on both databases (issue 14), ranked, case and accents folded (tumorboard.folding:
Müller = Mueller = muller, é = e, ß = ss), each typed word a prefix.

- PostgreSQL: the GIN indexes on the folded text `tb_search_fold(...)`: its tsvector (`schm:*` prefixes,
  `ts_rank`) and its trigrams (`<%`, word similarity: a name typed as one word with a typo still finds
  it; see `Query.fuzzy`). A patient's folded text and its tsvector are also kept in the stored generated
  columns `search_text` and `search_words` (migration 4d2f8a6c1e57: computed once per write,
  not for every candidate of every search), which the patient's trigram index and both ranks read. The
  expressions below are the indexes' own, character for character, so that the planner uses them.
- SQLite: the contentless FTS5 tables `patient_search` and `case_search` (rowid = the record's id, kept
  by triggers), queried with quoted prefix phrases and ranked by bm25.

Typed text never reaches either query language as syntax: only its folded words (letters and digits) do,
each quoted (FTS5) or a bare lexeme (tsquery), so `"`, `*`, `:`, `&|!` or NEAR are words or nothing.
Results are only ever read through `visible_patients` / `visible_cases` (the user's boards); the views
log what they show.
"""

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    UnaryExpression,
    any_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.compiler import compiles

from tumorboard import folding
from tumorboard.cases.models import Case, Patient
from tumorboard.extensions import db

MAX_LENGTH = folding.MAX_LENGTH
MAX_TERMS = folding.MAX_TERMS
FUZZY_FROM = 4  # letters: shorter words have too few trigrams to be told apart

# The SQLite index's tables (and FTS5's own shadow tables, named after them): no model maps them.
SQLITE_INDEX_TABLES = ("patient_search", "case_search")
POSTGRESQL_INDEXES = frozenset(
    {
        "ix_patient_search_words",
        "ix_patient_search_trigrams",
        "ix_tumor_case_search_words",
        "ix_tumor_case_search_trigrams",
    }
)

# the folded text, as the words indexes are made on it
_FOLDED = {
    "patient": "tb_search_fold(patient.family_name || ' ' || patient.given_name || ' ' || patient.mrn || ' ' "
    "|| regexp_replace(patient.mrn, '[^[:alnum:]]+', '', 'g'))",
    "tumor_case": "tb_search_fold(tumor_case.clinical_question)",
}
# what the trigram indexes are made on: a patient's folded text as PostgreSQL keeps it in the generated
# columns search_text (and its tsvector, search_words), which no model maps (SQLite has none)
_TRIGRAMS_OF = {"patient": "patient.search_text", "tumor_case": _FOLDED["tumor_case"]}
SEARCH_COLUMNS = {"patient": frozenset({"search_text", "search_words"})}


class _ArrayOf(ColumnElement[Any]):
    """PostgreSQL's `ARRAY(subquery)`: the ids found through the GIN indexes, computed once (an InitPlan),
    then looked up by an index with `= ANY(...)`. As `IN (subquery)` the planner may join them to a scan
    of the whole case table instead (it guesses the matches are many)."""

    inherit_cache = True

    def __init__(self, subquery: Select | CompoundSelect):
        self.subquery = subquery
        self.type = ARRAY(Integer())


@compiles(_ArrayOf)
def _compile_array_of(element: _ArrayOf, compiler, **kw) -> str:
    return f"ARRAY({compiler.process(element.subquery, **kw)})"


def in_ids(column_: Any, ids: Select | CompoundSelect) -> ColumnElement[bool]:
    """`column` among the ids the search found, each dialect's way of having an index answer it."""
    if _is_postgresql():
        return column_ == any_(_ArrayOf(ids))
    return column_.in_(ids)


class SearchRefused(ValueError):
    """Typed text that cannot be searched; the message says what to type instead (no patient data)."""


@dataclass(frozen=True)
class Query:
    terms: tuple[str, ...]
    joined: str | None  # the words run together: an MRN typed with its punctuation (NET-0001 -> net0001)
    mrn: str  # the text as an MRN is stored, which ranks an exact MRN first
    # PostgreSQL also finds a misspelt name by trigram similarity (word_similarity >= 0.6): one word of
    # letters only, so that an MRN a digit off, or a question's other words, never bring in another record
    fuzzy: bool


def parse(text: str) -> Query:
    """The search of a typed text, or SearchRefused with a message to show beside the field."""
    text = (text or "").strip()
    if len(text) > MAX_LENGTH:
        raise SearchRefused(
            _("A search is at most %(most)d characters: shorten it to a name or an MRN.", most=MAX_LENGTH)
        )
    terms = folding.words(text)
    if not terms:
        raise SearchRefused(
            _("Type letters or digits: part of a name, an MRN or words of the clinical question.")
        )
    if len(terms) > MAX_TERMS:
        raise SearchRefused(_("A search takes at most %(most)d words.", most=MAX_TERMS))
    joined = "".join(terms) if len(terms) > 1 and len(text.split()) == 1 else None
    fuzzy = len(terms) == 1 and len(terms[0]) >= FUZZY_FROM and terms[0].isalpha()
    return Query(terms=tuple(terms), joined=joined, mrn=text.upper(), fuzzy=fuzzy)


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


# PostgreSQL -----------------------------------------------------------------------------------------


def _tsquery(query: Query) -> str:
    every = " & ".join(f"{term}:*" for term in query.terms)
    return f"({every}) | {query.joined}:*" if query.joined else every


def _pg_tsquery(query: Query, name: str) -> ColumnElement[Any]:
    simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
    return func.to_tsquery(simple, bindparam(f"{name}_tsquery", _tsquery(query)))


def _pg_folded(query: Query, name: str) -> ColumnElement[str]:
    return bindparam(f"{name}_folded", query.terms[0])


def _pg_match(table_: str, query: Query, name: str) -> ColumnElement[bool]:
    """The condition of one table's indexed text against the query.

    The words match by their index's own expression (exact: never rechecked). The trigrams of a patient
    match by the stored column, first in the OR: pg_trgm rechecks every row its index finds, with the
    whole condition, and a name that matches stops the recheck there, before the expression. (A question
    is rechecked only when its own trigrams match: a name search finds none.)"""
    by_words = literal_column(f"to_tsvector('simple'::regconfig, {_FOLDED[table_]})").op("@@")(
        _pg_tsquery(query, name)
    )
    if not query.fuzzy:
        return by_words
    return or_(_pg_folded(query, name).op("<%")(literal_column(_TRIGRAMS_OF[table_])), by_words)


def _pg_patient_rank(query: Query) -> ColumnElement[float]:
    """A matching patient's rank (higher is better), from the stored columns."""
    words_rank = func.ts_rank(literal_column("patient.search_words"), _pg_tsquery(query, "patient"))
    if not query.fuzzy:
        return words_rank
    text: ColumnElement[str] = literal_column("patient.search_text")
    return words_rank + func.word_similarity(_pg_folded(query, "patient"), text)


# SQLite ---------------------------------------------------------------------------------------------


def _fts_query(query: Query) -> str:
    every = " AND ".join(f'("{term}" OR "{term}"*)' for term in query.terms)
    return f'({every}) OR "{query.joined}"*' if query.joined else every


def _fts_hits(name: str, query: Query) -> Select:
    """(id, score: lower is better) of the rows of an FTS5 table that match."""
    index = table(name, column("rowid"), column(name))
    return select(index.c.rowid.label("id"), func.bm25(literal_column(name)).label("score")).where(
        index.c[name].op("MATCH")(bindparam(f"{name}_match", _fts_query(query)))
    )


# The one query function -----------------------------------------------------------------------------


def case_ids(query: Query) -> Select | CompoundSelect:
    """The ids of the cases whose patient's name or MRN, or whose clinical question, matches."""
    if _is_postgresql():
        # two selects, not one OR: alone, `patient_id = ANY(...)` is an index condition, answered once per
        # patient found; in an OR it was also a filter, each case row compared with every patient found
        # (a linear search of the array per row: 3.4 s for 50,000 matches at 1,000,000 cases)
        found = select(Patient.id).where(patient_matches(query))
        return select(Case.id).where(in_ids(Case.patient_id, found)).union_all(question_case_ids(query))
    patients: Select = _fts_hits("patient_search", query).with_only_columns(literal_column("rowid"))
    of_patient = select(Case.id).where(Case.patient_id.in_(patients))
    return of_patient.union(_fts_hits("case_search", query).with_only_columns(literal_column("rowid")))


def patient_matches(query: Query) -> ColumnElement[bool]:
    """PostgreSQL: whether a patient matches by name or MRN, by the GIN indexes' own expressions (the
    capped count of a search joins each patient found to its cases: queries.count_capped)."""
    return _pg_match("patient", query, "patient")


def question_case_ids(query: Query) -> Select:
    """PostgreSQL: the ids of the cases whose clinical question matches (see case_ids)."""
    return select(Case.id).where(_pg_match("tumor_case", query, "case"))


def ranked(visible: Select, query: Query) -> tuple[Select, tuple[UnaryExpression[Any], ...]]:
    """The visible patients that match and their order, best first: an exact MRN, then the rank, then by
    name (the id last, so that keyset.seek pages it)."""
    exact = case((Patient.mrn == query.mrn, 0), else_=1)
    if _is_postgresql():
        condition = _pg_match("patient", query, "patient")
        score = _millionths(-_pg_patient_rank(query))
        # the matches sorted first, in a subquery the planner keeps whole (it has an ORDER BY), so that the
        # page walks them best first and checks who may see them only until it has its rows: a common name
        # matches one patient in twenty, and checking every one's cases was most of the search
        hits = (
            select(
                Patient.id.label("id"),
                exact.label("exact"),
                score.label("score"),
                Patient.name_key.label("name_key"),
            )
            .where(condition)
            .order_by(exact, score, Patient.name_key, Patient.id)
            .subquery("hits")
        )
        order = (hits.c.exact.asc(), hits.c.score.asc(), hits.c.name_key.asc(), hits.c.id.asc())
        return visible.join(hits, hits.c.id == Patient.id), order
    fts = _fts_hits("patient_search", query).subquery("hits")
    order = (exact.asc(), _millionths(fts.c.score).asc(), Patient.name_key.asc(), Patient.id.asc())
    return visible.join(fts, fts.c.id == Patient.id), order


def _millionths(score: ColumnElement[Any]) -> ColumnElement[int]:
    """The rank as a whole number (millionths): a page's cursor carries it back exactly, where a float's
    round trip through the cursor (and PostgreSQL's real) would miss the boundary row's ties."""
    return cast(func.round(score * 1_000_000), Integer)


def include_object_name(name: str | None, type_: str, parent: dict[str, Any]) -> bool:
    """Alembic's `include_name`: the search's indexes are the migration's, not a model's (SQLite's FTS5
    tables; PostgreSQL's generated `search_text` columns and the GIN indexes on them, of one dialect)."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(SQLITE_INDEX_TABLES)
    if type_ == "column":
        return name not in SEARCH_COLUMNS.get(parent.get("table_name") or "", ())
    return not (type_ == "index" and name in POSTGRESQL_INDEXES)
