"""The operations' refusals in the reader's language (issue 15): a German reader's form, flash or page
reads each in German, with its values in the German formats; the English ones stay as they were (the
modules' own tests). The HL7 listener's ACK stays English whatever the hospital's language: the
laboratory's system reads it (the API's problem JSON: tests/api/test_api_language.py)."""

from datetime import date, timedelta

import pytest

from tests import factories
from tests.conftest import log_in
from tests.english_words import english_in
from tests.german import GERMAN, german_request
from tests.hl7.conftest import INTERFACE, ack_code, segment
from tests.hl7.messages import adt, hl7_date
from tests.hl7.test_unmatched_views import hold
from tests.meetings.support import a_plan
from tumorboard.auth import operations as account_operations
from tumorboard.auth import second_factor, sso_operations, token_operations
from tumorboard.auth.passwords import password_problem
from tumorboard.auth.roles import Role
from tumorboard.boards import operations as board_operations
from tumorboard.cases import finding_operations, referrals, search
from tumorboard.cases import operations as case_operations
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.hl7 import operations as hl7_operations
from tumorboard.hl7.models import UnmatchedStatus
from tumorboard.jobs import operations as job_operations
from tumorboard.meetings import operations as meeting_operations
from tumorboard.meetings.models import Meeting


def _refused(call, *args, **kwargs) -> str:
    with pytest.raises(OperationError) as refused:
        call(*args, **kwargs)
    return refused.value.message


def test_the_account_refusals_read_german(app, app_ctx, users):
    admin, submitter = users[Role.ADMIN], users[Role.SUBMITTER]
    with german_request(app):
        assert (
            _refused(
                account_operations.set_user_active, admin, admin, active=False, expected_version=admin.version
            )
            == "Sie können Ihr eigenes Konto nicht deaktivieren."
        )
        assert (
            _refused(second_factor.reset_second_factor, admin, submitter, expected_version=submitter.version)
            == f"{submitter.name} hat keinen zweiten Faktor eingerichtet."
        )
        assert (
            _refused(token_operations.create_service_account, submitter, name="KIS", board_ids=())
            == "Nur die Administration legt Dienstkonten an."
        )
        assert (
            _refused(
                sso_operations.add_group_mapping, submitter, group_name="net", role="chair", board_id=None
            )
            == "Nur die Administration ordnet Gruppen zu."
        )
        assert _refused(job_operations.retry_dead_letter, submitter, "job-1") == (
            "Nur die Administration bearbeitet fehlgeschlagene Aufträge."
        )


def test_a_board_and_a_meeting_refusal_read_german_and_write_nothing(app, users, coordinator, board):
    meetings_before = db.session.query(Meeting).count()
    with german_request(app):
        assert (
            _refused(board_operations.create_board, users[Role.ADMIN], name=board.name.upper())
            == "Eine andere Tumorkonferenz trägt bereits diesen Namen."
        )
        assert (
            _refused(meeting_operations.plan_meeting, coordinator, board, a_plan(room="", video_link=""))
            == "Bitte einen Raum, einen Videolink oder beides angeben."
        )
        assert _refused(meeting_operations.plan_meeting, coordinator, board, a_plan(days=-1)) == (
            "Die Sitzung würde in der Vergangenheit beginnen."
        )
    assert db.session.query(Meeting).count() == meetings_before


def test_the_case_refusals_read_german_with_german_numbers(app, app_ctx, submitter, specialist, board):
    case = factories.create_case(submitter=submitter, board=board, status="draft")
    with german_request(app):
        assert _refused(case_operations.close_case, submitter, case) == (
            "Ein Fall im Status „Entwurf“ kann nicht in den Status „Abgeschlossen“ wechseln."
        )
        mitoses = {"mitoses_count": "12", "mitoses_area_mm2": "10", "mitoses_per_2mm2": "5"}
        assert _refused(finding_operations.clean_pathology, case, mitoses) == (
            "12 Mitosen auf 10 mm² sind 2,4 pro 2 mm², nicht 5; lassen Sie eine der Angaben leer."
        )
        refused = _refused(
            referrals.refer_case,
            specialist,
            case,
            board_id=board.id,
            expected_version=case.version,
            question="",
        )
        assert refused.startswith("Nur die anmeldende Person überweist den Fall"), refused
        with pytest.raises(search.SearchRefused) as not_searchable:
            search.parse("*:&|!")
        assert str(not_searchable.value).startswith("Geben Sie Buchstaben oder Ziffern ein")
    assert case.status == "draft"


def test_the_same_refusal_reads_english_for_an_english_reader(app, app_ctx, submitter, board):
    case = factories.create_case(submitter=submitter, board=board, status="draft")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert _refused(case_operations.close_case, submitter, case) == "A draft case cannot become closed."


def test_a_german_admin_reads_the_refusal_of_their_own_account_in_german(app, users):
    me = users[Role.ADMIN]
    admin = log_in(app.test_client(), me)
    response = admin.post(
        f"/admin/users/{me.id}/active",
        data={"active": "0", "version": me.version},
        headers=GERMAN,
        follow_redirects=True,
    )
    assert "Sie können Ihr eigenes Konto nicht deaktivieren." in response.text
    assert "You cannot disable your own account." not in response.text
    db.session.refresh(me)
    assert me.active


def test_a_german_coordinator_reads_why_a_result_cannot_be_matched(app, coordinator):
    item = hold()
    client = log_in(app.test_client(), coordinator)
    response = client.post(
        f"/results/unmatched/{item.id}/match",
        data={"mrn": "NOPE0001", "analyte": "chromogranin_a", "version": item.version},
        headers=GERMAN,
    )
    assert response.status_code == 422
    assert (
        "In Ihren Tumorkonferenzen ist kein Fall eines Patienten mit dieser Patientennummer" in response.text
    )
    db.session.refresh(item)
    assert item.status == UnmatchedStatus.OPEN


def test_the_hl7_ack_stays_english_in_a_german_hospital(isolated_app):
    """The patient operations' refusal the ACK carries is a catalogue message: the listener (an app
    context, no request: the hospital's DEFAULT_LOCALE) answers it in English all the same."""
    app = isolated_app(HL7_ACCOUNT=INTERFACE, DEFAULT_LOCALE="de")
    with app.app_context():
        factories.create_user(roles=[Role.SUBMITTER], email=INTERFACE, name="HL7 interface")
        future = hl7_date(date.today() + timedelta(days=30))
        ack = hl7_operations.handle_message(adt("A01", "000010", mrn="393939", born=future).encode())
        assert ack_code(ack) == "AE"
        reason = segment(ack, "MSA")[3]
        assert "birth date" in reason and english_in([reason]), reason
        db.session.remove()


def test_what_a_german_admin_is_told_after_a_write_reads_german(client_as):
    admin = client_as(Role.ADMIN)
    created = admin.post(
        "/admin/boards/new",
        data={"name": "NET-Tumorkonferenz Lunge", "description": "", "active": "y"},
        headers=GERMAN,
        follow_redirects=True,
    )
    assert "Tumorkonferenz „NET-Tumorkonferenz Lunge“ angelegt." in created.text
    read = admin.post("/notifications/read", headers=GERMAN, follow_redirects=True)
    assert "0 Benachrichtigungen als gelesen markiert." in read.text


def test_a_refused_password_reads_german(app, app_ctx):
    shortest = app.config["PASSWORD_MIN_LENGTH"]
    address = "anna.kowalski.gastroenterologie@klinikum-musterstadt.example"
    with german_request(app):
        assert password_problem("kurz") == f"Das Passwort muss mindestens {shortest} Zeichen haben."
        assert password_problem(address, email=address) == "Das Passwort darf nicht Ihre E-Mail-Adresse sein."
        assert (
            password_problem("tumorboard-demo")
            == "Das ist das öffentliche Demo-Passwort: Wählen Sie ein eigenes."
        )
