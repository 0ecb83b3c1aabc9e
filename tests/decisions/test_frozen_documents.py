"""A signed version is a frozen document: the letter (HTML and PDF), the FHIR bundle, the signed decision
on screen and the meeting's pages show what was there at signing, whatever happens to the case, its
findings, the patient, the board or the people afterwards. Only a later signed version marks it
superseded. The snapshot itself cannot change: the ORM guard and the database's triggers refuse, and
`flask audit verify` finds a body edited behind their back."""

import io
import json
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.decisions.races import meeting_in_progress
from tests.decisions.support import a_signed_decision, client_of, save, sign
from tumorboard.auth.models import User
from tumorboard.cases import finding_operations, patient_operations
from tumorboard.cases.models import Case
from tumorboard.decisions import documents, operations
from tumorboard.decisions.models import Decision, DecisionSnapshot
from tumorboard.extensions import db
from tumorboard.frozen import FrozenRecordChanged, sha256_hex
from tumorboard.meetings import operations as meeting_operations
from tumorboard.meetings.models import AgendaItem, AgendaSnapshot

PRINTED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _signed_card(page: str) -> str:
    """The signed decision's card on a page."""
    start = page.index('<div class="card border-success">')
    return page[start : page.index("Document fingerprint", start)]


def _page(client, url: str) -> str:
    """The page without its one-time values (CSP nonce, CSRF token)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return re.sub(r'(nonce|value)="[A-Za-z0-9_\-.]{16,}"', "", response.get_data(as_text=True))


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _everything(client, decision: Decision, meeting_id: int) -> dict:
    item = decision.agenda_item_id
    return {
        "letter": _page(client, f"/decisions/{decision.id}/letter"),
        "letter_pdf_text": re.sub(
            r"Printed [^\n]*", "", _pdf_text(client.get(f"/decisions/{decision.id}/letter.pdf").data)
        ),
        "letter_pdf_bytes": documents.letter_pdf(db.session.get(Decision, decision.id), generated_at=PRINTED),
        "fhir": client.get(f"/decisions/{decision.id}/fhir.json").get_data(as_text=True),
        "history": _page(client, f"/cases/{decision.case_id}/decisions"),
        "meeting_mode": _page(client, f"/meetings/{meeting_id}/mode?item={item}"),
        "meeting": _page(client, f"/meetings/{meeting_id}"),
        "print": _page(client, f"/meetings/{meeting_id}/print"),
    }


def _change_everything(submitter, chair, specialist, decision: Decision) -> None:
    """After signing: the case presented again with a new question, findings added and changed, the
    patient's identity corrected, the board renamed, people renamed."""
    case = decision.case
    operations.present_case_again(submitter, decision)
    from tumorboard.cases import operations as case_operations

    fields = {name: getattr(case, name) for name in case_operations.CASE_FIELDS}
    fields["metastatic_sites"] = case.metastatic_site_list
    case_operations.update_case(
        submitter,
        case,
        expected_version=case.version,
        **(fields | {"clinical_question": "A NEW QUESTION ASKED AFTER SIGNING?", "tumour_size_cm": 9.5}),
    )
    finding_operations.add_finding(submitter, case, "lab", _lab(9999.0))
    report = case.pathology[0]
    data = {
        c: getattr(report, c)
        for c in (
            "report_date",
            "specimen_type",
            "specimen_site",
            "histology",
            "differentiation",
            "mitoses_per_2mm2",
            "mitoses_count",
            "mitoses_area_mm2",
            "margins",
            "nodes_examined",
            "nodes_positive",
            "reported_grade",
            "reported_tnm",
            "report_text",
            "reported_by",
        )
    }
    data |= {"ki67_percent": 55.0, "ihc": {}}
    finding_operations.update_finding(
        submitter, case, "pathology", report, expected_version=report.version, data=data
    )
    patient = case.patient
    patient_operations.update_patient(
        submitter,
        patient,
        expected_version=patient.version,
        mrn=patient.mrn,
        family_name="Renamedafter",
        given_name="Someone",
        birth_date=patient.birth_date,
        sex=patient.sex,
    )
    decision.meeting.board.name = "A board renamed later"
    chair.name = "Dr. Renamed Chair"
    specialist.name = "Dr. Renamed Specialist"
    db.session.commit()


def test_signed_documents_do_not_change_when_the_case_does(
    app, specialist, chair, submitter, signed, meeting
):
    client = client_of(app, specialist)
    before = _everything(client, signed, meeting.id)
    assert "Renamedafter" not in before["letter"] and signed.snapshot is not None
    _change_everything(submitter, chair, specialist, signed)
    app.config["HOSPITAL_NAME"], hospital = "A hospital renamed later", app.config["HOSPITAL_NAME"]
    try:
        after = _everything(client, db.session.get(Decision, signed.id), meeting.id)
    finally:
        app.config["HOSPITAL_NAME"] = hospital
    for name in ("letter", "letter_pdf_text", "letter_pdf_bytes", "fhir"):
        assert after[name] == before[name], name
    for later in (
        "A NEW QUESTION ASKED AFTER SIGNING",
        "9999",
        "Renamedafter",
        "renamed later",
        "Renamed Chair",
    ):
        for name in ("letter", "letter_pdf_text", "fhir"):
            assert later not in after[name], (later, name)
    # the signed decision on screen: the same card, word for word
    assert _signed_card(after["history"]) == _signed_card(before["history"])
    assert _signed_card(after["meeting_mode"]) == _signed_card(before["meeting_mode"])
    # the meeting's pages show the case as discussed
    for name in ("meeting_mode", "meeting", "print"):
        for later in ("A NEW QUESTION ASKED AFTER SIGNING", "Renamedafter", "9999"):
            assert later not in after[name], (later, name)
    case_page = _page(client, f"/cases/{signed.case_id}")
    assert "Renamedafter" in case_page and "A NEW QUESTION ASKED AFTER SIGNING" in case_page


def test_the_snapshot_hash_is_the_one_in_the_signing_event(signed):
    from tests.meetings.support import details, events

    (event,) = [e for e in events("decision.signed") if e.entity_id == str(signed.id)]
    assert details(event)["snapshot_sha256"] == signed.snapshot.sha256 == sha256_hex(signed.snapshot.body)
    data = signed.snapshot.data
    assert data["schema"] == 2 and data["decision"]["id"] == signed.id
    assert data["hospital"]["public_url"] and data["hospital"]["timezone"] == "Europe/Berlin"
    assert data["presented"]["patient"]["mrn"] == signed.case.patient.mrn
    assert data["presented"]["summary"]["grade"]["result"]["rule"]  # the rule that computed the grade
    assert data["attendees"] and data["signed"]["by"]["id"] == signed.signed_by_id


def test_a_superseded_version_says_so_everywhere_and_stays_downloadable(app, specialist, chair, signed):
    amendment = operations.amend_decision(chair, signed, reason="The PET/CT was re-read.")
    save(chair, amendment, recommendation="PRRT after all.")
    sign(chair, amendment)
    db.session.commit()
    client = client_of(app, specialist)
    old_letter = _page(client, f"/decisions/{signed.id}/letter")
    assert "Superseded by version 2 on" in old_letter
    old_pdf = _pdf_text(client.get(f"/decisions/{signed.id}/letter.pdf").data)
    assert "Superseded by version 2 on" in " ".join(old_pdf.split())
    old_plan = _care_plan(client.get(f"/decisions/{signed.id}/fhir.json").json)
    new_plan = _care_plan(client.get(f"/decisions/{amendment.id}/fhir.json").json)
    assert old_plan["status"] == "revoked" and new_plan["status"] == "active"
    (replaced,) = new_plan["replaces"]
    assert replaced["identifier"]["value"] == str(signed.id) and replaced["display"] == "version 1"
    assert any("Superseded by version 2" in n["text"] for n in old_plan["note"])
    history = _page(client, f"/cases/{signed.case_id}/decisions")
    assert "Superseded by version 2 on" in history
    # the old snapshot itself did not change
    assert db.session.get(DecisionSnapshot, signed.id).intact


def _care_plan(bundle: dict) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")


def test_the_orm_refuses_to_change_or_delete_a_snapshot(signed, item):
    snapshot = signed.snapshot
    snapshot.body = snapshot.body.replace("Start lanreotide", "Start nothing")
    with pytest.raises(FrozenRecordChanged):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(DecisionSnapshot, signed.id))
    with pytest.raises(FrozenRecordChanged):
        db.session.flush()
    db.session.rollback()
    agenda = db.session.get(AgendaItem, item.id).snapshot
    agenda.sha256 = "0" * 64
    with pytest.raises(FrozenRecordChanged):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("table", ["decision_snapshot", "agenda_snapshot"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET body = 'x'", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_or_delete_a_snapshot(signed, table, statement):
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement.format(table=table)))


def _drop_triggers(table: str, action: str = "update") -> None:
    """What someone with the database's owner rights could do (the test's transaction undoes it)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text(f"DROP TRIGGER {table}_no_{action}"))
    else:
        db.session.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))


def test_audit_verify_finds_an_edited_snapshot(isolated_app):
    app = isolated_app()
    world = meeting_in_progress(app)
    with app.app_context():
        chair, specialist = (db.session.get(User, i) for i in (world["chairs"][0], world["specialists"][0]))
        decision = a_signed_decision(specialist, chair, db.session.get(AgendaItem, world["item"]))
        decision_id = decision.id
        db.session.remove()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        _drop_triggers("decision_snapshot")
        body = db.session.scalar(
            select(DecisionSnapshot.body).where(DecisionSnapshot.decision_id == decision_id)
        )
        forged = body.replace("Start lanreotide", "Start everolimus")
        db.session.execute(
            text("UPDATE decision_snapshot SET body = :b WHERE decision_id = :d"),
            {"b": forged, "d": decision_id},
        )
        db.session.commit()
        db.session.remove()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"decision_snapshot {decision_id}: the frozen document was changed" in broken.output
    with app.app_context():  # and a forger who also fixes the row's hash is caught by the audit event's
        db.session.execute(
            text("UPDATE decision_snapshot SET sha256 = :h WHERE decision_id = :d"),
            {"h": sha256_hex(forged), "d": decision_id},
        )
        db.session.commit()
        db.session.remove()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "differs from its recorded hash" in broken.output


def test_past_meetings_show_each_case_as_discussed(app, coordinator, specialist, submitter, signed, meeting):
    """The meeting is over: its pages keep each case as it was, the case page moves on."""
    meeting_operations.close_meeting(
        coordinator, meeting, expected_version=meeting.version, defer_remaining=True
    )
    db.session.commit()
    deferred = next(i for i in meeting.items if i.id != signed.agenda_item_id)
    assert isinstance(deferred.snapshot, AgendaSnapshot) and deferred.snapshot.intact
    # the deferred case is open again: a new, striking marker value
    finding_operations.add_finding(submitter, db.session.get(Case, deferred.case_id), "lab", _lab(7777.0))
    db.session.commit()
    client = client_of(app, specialist)
    for url in (
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/print",
        f"/meetings/{meeting.id}/mode?item={deferred.id}",
    ):
        assert "7777" not in _page(client, url), url
    pdf = _pdf_text(client.get(f"/meetings/{meeting.id}/agenda.pdf").data)
    assert "7777" not in pdf
    assert "7777" in _page(client, f"/cases/{deferred.case_id}")


def _lab(value: float) -> dict:
    return {
        "analyte": "chromogranin_a",
        "value": value,
        "unit": "µg/L",
        "sample_date": datetime.now(UTC).date(),
        "ref_low": None,
        "ref_high": 100.0,
        "note": "",
        "reported_by": "",
    }


def test_a_legacy_decision_without_snapshot_says_so(app, specialist, signed):
    """A decision signed before snapshots were kept: its documents come from the live case, and say it."""
    _drop_triggers("decision_snapshot", "delete")
    db.session.execute(text("DELETE FROM decision_snapshot WHERE decision_id = :d"), {"d": signed.id})
    db.session.expire_all()
    document = documents.decision_document(db.session.get(Decision, signed.id))
    assert document.frozen is False and document.fingerprint == ""
    page = _page(client_of(app, specialist), f"/cases/{signed.case_id}/decisions")
    assert "Signed before TumorBoard kept a frozen copy" in page
    assert json.loads(client_of(app, specialist).get(f"/decisions/{signed.id}/fhir.json").data)


def test_the_screen_shows_every_field_the_letter_shows():
    """The signed decision on screen and the letter read the same frozen document; every part of it the
    letter prints, the screen shows too (the letterhead and the addressee aside)."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates" / "decisions"
    letter = set(re.findall(r"doc\.(\w+)", (templates / "letter.html").read_text()))
    form = (templates / "_form.html").read_text()
    screen = set(re.findall(r"doc\.(\w+)", form[form.index("{% macro signed_decision") :]))
    assert letter - screen - {"hospital", "letterhead_lines", "referrer_name", "case_id"} == set()
