"""The API's reads and writes: keyset pages with Link headers, the access log, the same operations as the
forms (validation, audit, version: ETag / If-Match with 412 and 428), one record per Idempotency-Key, and
bad input answered as problem+json, never a 500, with nothing changed."""

import re

import pytest
from sqlalchemy import func, select

from tests.api.conftest import bearer
from tests.decisions.conftest import item, meeting, signed, start_meeting, waiting_case  # noqa: F401
from tumorboard.audit.models import AccessEvent, AuditEvent
from tumorboard.cases.models import LabResult, Patient
from tumorboard.decisions import operations as decision_operations
from tumorboard.extensions import db

NEW_PATIENT = {
    "mrn": "API-0001",
    "family_name": "Schmidt",
    "given_name": "Anna",
    "birth_date": "1965-03-02",
    "sex": "female",
}
NEW_LAB = {
    "sample_date": "2026-11-20",
    "analyte": "chromogranin_a",
    "value": 240.0,
    "unit": "ng/mL",
    "ref_high": 93.0,
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _links(response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))}


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json(force=True)


# Reads ----------------------------------------------------------------------------------------------


def test_keyset_pages_link_forward_and_back(client, world, create_case):
    for _ in range(4):
        create_case(submitter=world.submitter, board=world.board)
    token = bearer(world.tokens["read"])
    first = client.get("/api/v1/cases?limit=2", headers=token)
    ids = [row["id"] for row in first.get_json()]
    assert len(ids) == 2 and "prev" not in _links(first)
    second = client.get(_links(first)["next"], headers=token)
    second_ids = [row["id"] for row in second.get_json()]
    assert len(second_ids) == 2 and min(second_ids) > max(ids)
    back = client.get(_links(second)["prev"], headers=token)
    assert [row["id"] for row in back.get_json()] == ids
    seen, page = [], first
    while True:
        seen += [row["id"] for row in page.get_json()]
        if "next" not in _links(page):
            break
        page = client.get(_links(page)["next"], headers=token)
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 6  # 2 of world's, 4 made here


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=x", "after=-1", "before=0", "after=99999999999"]
)
def test_bad_page_arguments_are_422_problems(client, world, query):
    body = _problem(client.get(f"/api/v1/cases?{query}", headers=bearer(world.tokens["read"])), 422)
    assert body["errors"]


def test_reading_patient_data_is_in_the_access_log(client, world):
    before = _count(AccessEvent)
    response = client.get(f"/api/v1/cases/{world.case.id}", headers=bearer(world.tokens["read"]))
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"v{world.case.version}"'
    event = db.session.scalars(select(AccessEvent).order_by(AccessEvent.id.desc())).first()
    assert _count(AccessEvent) == before + 1
    assert (event.user_id, event.case_id, event.patient_id) == (
        world.submitter.id,
        world.case.id,
        world.patient.id,
    )


def test_another_boards_case_is_404_and_not_logged(client, world):
    before = _count(AccessEvent)
    _problem(client.get(f"/api/v1/cases/{world.other_case.id}", headers=bearer(world.tokens["read"])), 404)
    assert _count(AccessEvent) == before


def test_a_signed_decision_and_its_fhir_bundle(client, world, signed):  # noqa: F811
    token = bearer(world.tokens["read"])
    decision = client.get(f"/api/v1/decisions/{signed.id}", headers=token)
    assert decision.status_code == 200 and decision.get_json()["status"] == "signed"
    assert decision.get_json()["items"]
    bundle = client.get(f"/api/v1/decisions/{signed.id}/fhir", headers=token)
    assert bundle.status_code == 200 and bundle.mimetype == "application/fhir+json"
    body = bundle.get_json(force=True)
    assert body["resourceType"] == "Bundle" and body["type"] == "collection"
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "decision.fhir_exported", AuditEvent.entity_id == str(signed.id)
        )
    )


def test_a_draft_decision_is_not_served(client, world, specialist, item):  # noqa: F811
    draft = decision_operations.start_decision(specialist, item)
    db.session.commit()
    _problem(client.get(f"/api/v1/decisions/{draft.id}", headers=bearer(world.tokens["read"])), 404)


# Writes ---------------------------------------------------------------------------------------------


def test_registering_a_patient_goes_through_the_operation(client, world):
    response = client.post("/api/v1/patients", headers=bearer(world.tokens["write"]), json=NEW_PATIENT)
    assert response.status_code == 201
    body = response.get_json()
    assert body["mrn"] == "API-0001" and body["matched"] is False
    assert response.headers["Location"].endswith(f"/api/v1/patients/{body['id']}")
    assert response.headers["ETag"] == '"v1"'
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "patient.registered").order_by(AuditEvent.seq.desc())
    )
    assert event.entity_id == str(body["id"]) and event.actor_id == world.submitter.id


def test_a_retried_post_with_its_idempotency_key_makes_one_patient(client, world):
    headers = bearer(world.tokens["write"], **{"Idempotency-Key": "retry-0123456789abcdef"})
    first = client.post("/api/v1/patients", headers=headers, json=NEW_PATIENT)
    count = _count(Patient)
    again = client.post("/api/v1/patients", headers=headers, json=NEW_PATIENT)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _count(Patient) == count


def test_a_retried_finding_makes_one_lab_result(client, world):
    headers = bearer(world.tokens["write"], **{"Idempotency-Key": "lab-feed-0000000000000001"})
    url = f"/api/v1/cases/{world.case.id}/labs"
    first = client.post(url, headers=headers, json=NEW_LAB)
    count = _count(LabResult)
    again = client.post(url, headers=headers, json=NEW_LAB)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and _count(LabResult) == count
    assert first.get_json()["flag"] == "high"


def test_a_censored_value_is_written_and_read_with_its_comparator(client, world):
    url = f"/api/v1/cases/{world.case.id}/labs"
    created = client.post(
        url, headers=bearer(world.tokens["write"]), json={**NEW_LAB, "value": 2.0, "comparator": "<"}
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["comparator"], body["value"], body["flag"]) == ("<", 2.0, None)
    plain = client.post(url, headers=bearer(world.tokens["write"]), json=NEW_LAB).get_json()
    assert plain["comparator"] is None


def test_a_bad_idempotency_key_is_refused(client, world):
    headers = bearer(world.tokens["write"], **{"Idempotency-Key": "short"})
    body = _problem(client.post("/api/v1/patients", headers=headers, json=NEW_PATIENT), 422)
    assert "Idempotency-Key" in body["detail"]


def test_an_mrn_in_use_is_refused_the_same_way_and_audited(client, world):
    taken = {**NEW_PATIENT, "mrn": world.patient.mrn}
    body = _problem(client.post("/api/v1/patients", headers=bearer(world.tokens["write"]), json=taken), 422)
    assert "mrn" in body["errors"] and world.patient.family_name not in str(body)
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "patient.registration_refused", AuditEvent.entity_id == str(world.patient.id)
        )
    )


def test_changing_a_patient_needs_the_version_read(client, world):
    url = f"/api/v1/patients/{world.patient.id}"
    token = bearer(world.tokens["write"])
    read = client.get(url, headers=token)
    change = {**NEW_PATIENT, "mrn": world.patient.mrn, "family_name": "Neumann"}
    _problem(client.put(url, headers=token, json=change), 428)
    _problem(client.put(url, headers={**token, "If-Match": '"v999"'}, json=change), 412)
    _problem(client.put(url, headers={**token, "If-Match": "garbage"}, json=change), 412)
    db.session.refresh(world.patient)
    assert world.patient.family_name != "Neumann"
    done = client.put(url, headers={**token, "If-Match": read.headers["ETag"]}, json=change)
    assert done.status_code == 200 and done.get_json()["family_name"] == "Neumann"
    assert done.headers["ETag"] != read.headers["ETag"]
    _problem(client.put(url, headers={**token, "If-Match": read.headers["ETag"]}, json=change), 412)


def test_another_users_patient_is_not_theirs_to_correct(client, world):
    token = bearer(world.tokens["service"], **{"If-Match": '"v1"'})
    change = {**NEW_PATIENT, "mrn": world.patient.mrn}
    _problem(client.put(f"/api/v1/patients/{world.patient.id}", headers=token, json=change), 403)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"unit": "u" * 21}, "unit"),
        ({"value": -1}, "value"),
        ({"analyte": "unobtainium"}, "analyte"),
        ({"sample_date": "1900-01-01"}, "sample_date"),
        ({"sample_date": "not a date"}, "sample_date"),
        ({"colour": "blue"}, "colour"),
        ({"value": "12"}, "value"),
        ({"value": "<2"}, "value"),  # the API's value is a number; a comparator has its own field
        ({"comparator": "~"}, "comparator"),
        ({"comparator": 1}, "comparator"),
    ],
)
def test_bad_finding_input_is_refused_by_field_and_changes_nothing(client, world, change, field):
    count = _count(LabResult)
    response = client.post(
        f"/api/v1/cases/{world.case.id}/labs",
        headers=bearer(world.tokens["write"]),
        json={**NEW_LAB, **change},
    )
    body = _problem(response, 422)
    assert field in body["errors"], body
    assert _count(LabResult) == count


def test_the_body_must_be_json(client, world):
    url, token = f"/api/v1/cases/{world.case.id}/labs", bearer(world.tokens["write"])
    _problem(client.post(url, headers=token, data="analyte=chromogranin_a", content_type="text/plain"), 415)
    _problem(client.post(url, headers=token, data="{not json", content_type="application/json"), 400)


def test_a_body_over_the_limit_is_413(app, client, world):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/api/v1/patients", headers=bearer(world.tokens["write"]), data=big, content_type="application/json"
    )
    _problem(response, 413)


def test_a_server_error_is_a_problem_too(client, world, monkeypatch):
    from tumorboard.api import queries

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "boards", broken)
    body = _problem(client.get("/api/v1/boards", headers=bearer(world.tokens["read"])), 500)
    assert "boom" not in str(body)


def test_removing_a_finding_needs_its_version(client, world):
    url, token = f"/api/v1/labs/{world.lab.id}", bearer(world.tokens["write"])
    _problem(client.delete(url, headers=token), 428)
    assert client.delete(url, headers={**token, "If-Match": '"v1"'}).status_code == 204
    assert db.session.get(LabResult, world.lab.id) is None


def test_an_mrn_a_merge_retired_is_refused_like_one_in_use_and_audited(client, world, users, create_patient):
    from tumorboard.auth.roles import Role
    from tumorboard.cases.patient_operations import merge_patients

    retired = create_patient(mrn="API-MERGED-1", family_name="Verborgen", given_name="Kim")
    merge_patients(users[Role.SUBMITTER], world.patient, retired)
    db.session.commit()
    patients = _count(Patient)
    retired_mrn = {**NEW_PATIENT, "mrn": "API-MERGED-1"}
    body = _problem(
        client.post("/api/v1/patients", headers=bearer(world.tokens["write"]), json=retired_mrn), 422
    )
    taken = {**NEW_PATIENT, "mrn": world.patient.mrn}
    other = _problem(client.post("/api/v1/patients", headers=bearer(world.tokens["write"]), json=taken), 422)
    assert body["errors"] == other["errors"] and "mrn" in body["errors"]
    assert world.patient.mrn not in str(body) and world.patient.family_name not in str(body)
    assert _count(Patient) == patients
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "patient.registration_refused",
                AuditEvent.entity_id == str(world.patient.id),
            )
        )
        == 2
    )
