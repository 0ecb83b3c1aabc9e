"""The FHIR import pages: upload or fetch, preview (nothing written), confirm (written once); the
anonymous redirect, the 403 of a board member who may not add findings, the 404 of other boards' cases."""

import io
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from tests.cases import fhir_examples as ex
from tests.conftest import log_in
from tumorboard.audit.models import AccessEvent
from tumorboard.auth.roles import Role
from tumorboard.cases.models import LabResult
from tumorboard.extensions import db

BUNDLE = json.dumps(ex.bundle(ex.PATIENT_F001, ex.OBSERVATION_F001_GLUCOSE))


@pytest.fixture
def case(app_ctx, create_patient, create_case, submitter, board):
    patient = create_patient(mrn="738472983", birth_date=date(1944, 11, 17), sex="male", created_by=submitter)
    return create_case(submitter=submitter, board=board, patient=patient, status="submitted")


def upload(client, case, content: bytes | str = BUNDLE, name="bundle.json"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/cases/{case.id}/fhir-import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, case, bundle: str = BUNDLE, version=None, **extra):
    return client.post(
        f"/cases/{case.id}/fhir-import/confirm",
        data={
            "bundle": bundle,
            "version": case.version if version is None else version,
            "patient_version": case.patient.version,
            **extra,
        },
    )


def labs() -> int:
    return db.session.scalar(select(func.count()).select_from(LabResult))


def test_anonymous_is_sent_to_sign_in(app, case):
    client = app.test_client()
    for response in (
        client.get(f"/cases/{case.id}/fhir-import"),
        upload(client, case),
        confirm(client, case),
        client.post(f"/cases/{case.id}/fhir-import/fetch"),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_board_member_who_adds_no_findings_gets_403(app, case, coordinator):
    client = log_in(app.test_client(), coordinator)
    assert client.get(f"/cases/{case.id}/fhir-import").status_code == 403
    assert upload(client, case).status_code == 403
    assert confirm(client, case).status_code == 403
    assert labs() == 0


def test_other_boards_and_unknown_cases_are_404(app, case, create_user, create_board):
    other_board = create_board(name="Thoracic NET board")
    outsider = create_user(roles=[Role.SUBMITTER, Role.SPECIALIST, Role.CHAIR], boards=[other_board])
    client = log_in(app.test_client(), outsider)
    for response in (
        client.get(f"/cases/{case.id}/fhir-import"),
        upload(client, case),
        confirm(client, case),
        client.post(f"/cases/{case.id}/fhir-import/fetch"),
        client.get("/cases/999999/fhir-import"),
    ):
        assert response.status_code == 404
    assert labs() == 0


def test_upload_preview_then_confirm_creates_once(app, case, submitter, specialist):
    client = log_in(app.test_client(), specialist)
    assert "Import from FHIR" in client.get(f"/cases/{case.id}").text
    page = client.get(f"/cases/{case.id}/fhir-import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    preview = upload(client, case)
    assert preview.status_code == 200
    assert "Glucose: 6.3 mmol/l" in preview.text and "New" in preview.text
    assert labs() == 0  # nothing written before the confirm
    pages = db.session.scalars(select(AccessEvent.page).where(AccessEvent.case_id == case.id)).all()
    assert "finding_form" in pages

    version = case.version
    done = confirm(client, case)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/cases/{case.id}")
    assert labs() == 1
    again = confirm(client, case, version=version)  # the confirm retried (Back, Import again)
    assert again.status_code == 302 and labs() == 1
    assert "already imported" in client.get(f"/cases/{case.id}").text

    corrected = json.loads(BUNDLE)
    corrected["entry"][1]["resource"]["valueQuantity"]["value"] = 6.1
    db.session.expire_all()
    stale = confirm(client, case, bundle=json.dumps(corrected), version=version)
    assert stale.status_code == 422 and "was changed since this preview" in stale.text
    assert "Update" in stale.text and "6.3 → 6.1" in stale.text
    db.session.expire_all()
    assert confirm(client, case, bundle=json.dumps(corrected)).status_code == 302  # confirmed knowingly
    assert labs() == 1
    db.session.expire_all()
    assert db.session.scalar(select(LabResult.value)) == 6.1


def test_a_refused_confirm_keeps_the_preview_and_writes_nothing(app, case, specialist):
    client = log_in(app.test_client(), specialist)
    stale = confirm(client, case, version=case.version + 5)
    assert stale.status_code == 422
    assert "Glucose: 6.3 mmol/l" in stale.text  # the preview again
    assert json.loads(_hidden_bundle(stale.text)) == json.loads(BUNDLE)  # with the same bundle
    assert labs() == 0
    broken = confirm(client, case, bundle="{")
    assert broken.status_code == 422 and "This is not JSON" in broken.text
    assert labs() == 0


def _hidden_bundle(html: str) -> str:
    import html as html_module
    import re

    (value,) = re.findall(r"<textarea[^>]*hidden[^>]*>(.*?)</textarea>", html, flags=re.S)
    return html_module.unescape(value).strip()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Choose a FHIR Bundle"),
        (b"\xff\xfe\x00not utf-8", "not UTF-8 text"),
        ("{", "This is not JSON"),
        (json.dumps(ex.PATIENT_F001), "not a Bundle"),
        (json.dumps(ex.bundle(ex.PATIENT_EXAMPLE, ex.DIAGNOSTICREPORT_ULTRASOUND)), "this case&#39;s MRN"),
    ],
    ids=["empty", "not-utf8", "not-json", "not-a-bundle", "another-patient"],
)
def test_a_bad_upload_comes_back_with_its_reason(app, case, specialist, content, message):
    client = log_in(app.test_client(), specialist)
    response = upload(client, case, content, name="" if content == b"" else "bundle.json")
    assert response.status_code == 422
    assert message in response.text and "nothing has been saved" in response.text
    assert labs() == 0


class _FhirServer(BaseHTTPRequestHandler):
    """A hospital FHIR server for one patient: the search by MRN (POSTed) and $everything."""

    seen: list[tuple[str, str, str]] = []
    answer_status = 200

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.seen.append(("POST", self.path, body))
        if self.answer_status != 200:
            return self._send(self.answer_status, {"resourceType": "OperationOutcome"})
        found = [ex.PATIENT_F001] if body == "identifier=738472983" else []
        return self._send(200, ex.bundle(*found, kind="searchset") | ({} if found else {"entry": []}))

    def do_GET(self):
        self.seen.append(("GET", self.path, ""))
        if self.path == "/fhir/Patient/f001/$everything":
            return self._send(200, ex.bundle(ex.PATIENT_F001, ex.OBSERVATION_F001_GLUCOSE, kind="searchset"))
        return self._send(404, {"resourceType": "OperationOutcome"})


@pytest.fixture
def fhir_server(app, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FhirServer)  # an ephemeral port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FhirServer.seen = []
    _FhirServer.answer_status = 200
    monkeypatch.setitem(app.config, "FHIR_SOURCE_URL", f"http://127.0.0.1:{server.server_port}/fhir/")
    yield _FhirServer
    server.shutdown()
    server.server_close()
    thread.join()


def test_fetch_by_mrn_from_the_hospitals_fhir_server(app, case, specialist, fhir_server):
    client = log_in(app.test_client(), specialist)
    assert "Fetch from the hospital" in client.get(f"/cases/{case.id}/fhir-import").text
    preview = client.post(f"/cases/{case.id}/fhir-import/fetch")
    assert preview.status_code == 200 and "Glucose: 6.3 mmol/l" in preview.text
    assert fhir_server.seen == [
        ("POST", "/fhir/Patient/_search", "identifier=738472983"),  # the MRN in the body, not the URL
        ("GET", "/fhir/Patient/f001/$everything", ""),
    ]
    assert labs() == 0
    assert confirm(client, case, bundle=_hidden_bundle(preview.text)).status_code == 302
    assert labs() == 1


def test_a_failed_fetch_says_why(
    app, case, specialist, fhir_server, create_patient, create_case, submitter, board
):
    client = log_in(app.test_client(), specialist)
    fhir_server.answer_status = 503
    response = client.post(f"/cases/{case.id}/fhir-import/fetch")
    assert response.status_code == 422 and "answered HTTP 503" in response.text
    fhir_server.answer_status = 200
    unknown = create_case(submitter=submitter, board=board, status="submitted")
    response = client.post(f"/cases/{unknown.id}/fhir-import/fetch")
    assert response.status_code == 422 and "knows no patient with this case" in response.text
    assert labs() == 0


def test_without_a_fhir_server_there_is_no_fetch(app, case, specialist, monkeypatch):
    monkeypatch.setitem(app.config, "FHIR_SOURCE_URL", "")
    client = log_in(app.test_client(), specialist)
    assert "Fetch from the hospital" not in client.get(f"/cases/{case.id}/fhir-import").text
    assert client.post(f"/cases/{case.id}/fhir-import/fetch").status_code == 404


def test_the_preview_flags_the_patients_differences_and_the_update_is_a_choice(
    app, case, submitter, specialist
):
    from tumorboard.audit.models import AuditEvent

    client = log_in(app.test_client(), specialist)
    preview = upload(client, case)
    assert 'id="patient-comparison"' in preview.text and "Differs" in preview.text
    assert "van de Heuvel" in preview.text and 'id="patient-differs"' in preview.text
    assert 'name="update_patient"' not in preview.text  # a specialist does not correct the identity
    assert "corrected by the clinician who registered the patient" in preview.text
    refused = confirm(client, case, update_patient="y")
    assert refused.status_code == 422 and "registered the patient" in refused.text
    assert labs() == 0

    own = log_in(app.test_client(), submitter)
    preview = upload(own, case)
    assert (
        'name="update_patient"' in preview.text
        and "checked" not in preview.text.split("update_patient")[1][:80]
    )
    family = case.patient.family_name
    stale = confirm(own, case, update_patient="y", patient_version=case.patient.version + 3)
    assert stale.status_code == 422 and "details were changed since this preview" in stale.text
    assert labs() == 0
    assert confirm(own, case).status_code == 302  # findings only: the record is kept
    db.session.expire_all()
    assert case.patient.family_name == family and labs() == 1
    done = confirm(own, case, update_patient="y")
    assert done.status_code == 302
    assert "patient&#39;s details were updated" in own.get(f"/cases/{case.id}").text
    db.session.expire_all()
    assert (case.patient.family_name, case.patient.given_name) == ("van de Heuvel", "Pieter")
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "patient.updated")
        )
        == 1
    )


def test_a_german_reader_reads_why_a_bundle_was_refused_in_german(app, case, specialist):
    client = log_in(app.test_client(), specialist)
    other_patient = json.dumps(ex.bundle(ex.PATIENT_EXAMPLE, ex.DIAGNOSTICREPORT_ULTRASOUND)).encode()
    response = client.post(
        f"/cases/{case.id}/fhir-import",
        data={"file": (io.BytesIO(other_patient), "bundle.json")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 422
    assert "Der Patient im Bundle trägt nicht die Patientennummer dieses Falls" in response.text
    assert "another patient" not in response.text
    assert labs() == 0
