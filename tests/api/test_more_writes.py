"""The API's writes of prior treatments, decision drafts and follow-ups: through the same operations as
the forms (their refusals, their audit events), If-Match with 412 and 428, one record per
Idempotency-Key; a signed decision is never written (409 with a title that says why), and signing is
not done through the API (403)."""

import pytest
from sqlalchemy import func, select

from tests.api.conftest import bearer, personal
from tests.decisions.conftest import draft, item, meeting, signed, start_meeting, waiting_case  # noqa: F401
from tumorboard.audit.models import AuditEvent
from tumorboard.cases.models import CaseStatus, PriorTreatment
from tumorboard.decisions.models import FollowUp
from tumorboard.extensions import db

TREATMENT = {"treatment": "SURV", "start_date": "2021-05-01", "note": "6-monthly MRI"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json(force=True)


# Prior treatments -----------------------------------------------------------------------------------


def test_a_prior_treatment_is_added_once_per_key_and_removed_with_the_cases_etag(client, world):
    url = f"/api/v1/cases/{world.case.id}/prior-treatments"
    token = bearer(world.tokens["write"], **{"Idempotency-Key": "treatment-key-000001"})
    made = client.post(url, headers=token, json=TREATMENT)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (
        body["treatment"] == "SURV" and body["note"] == "6-monthly MRI" and body["case_id"] == world.case.id
    )
    again = client.post(url, headers=token, json=TREATMENT)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    assert _count(PriorTreatment) == 1 and _events("case.prior_treatment_added") == 1
    listed = client.get(url, headers=bearer(world.tokens["read"])).get_json()
    assert [row["id"] for row in listed] == [body["id"]]

    gone = f"{url}/{body['id']}"
    _problem(client.delete(gone, headers=bearer(world.tokens["write"])), 428)
    stale = bearer(world.tokens["write"], **{"If-Match": '"v0"'})
    _problem(client.delete(gone, headers=stale), 412)
    assert _count(PriorTreatment) == 1
    etag = client.get(f"/api/v1/cases/{world.case.id}", headers=bearer(world.tokens["read"])).headers["ETag"]
    assert etag == made.headers["ETag"]
    removed = client.delete(gone, headers=bearer(world.tokens["write"], **{"If-Match": etag}))
    assert removed.status_code == 204
    assert _count(PriorTreatment) == 0 and _events("case.prior_treatment_removed") == 1
    _problem(client.delete(gone, headers=bearer(world.tokens["write"], **{"If-Match": etag})), 404)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"treatment": "NOPE"}, "treatment"),
        ({"start_date": "2999-01-01"}, "start_date"),
        ({"end_date": "2020-01-01"}, "end_date"),  # before the start
        ({"note": "x" * 501}, "note"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_prior_treatment_is_refused_by_field_and_nothing_is_saved(client, world, change, field):
    response = client.post(
        f"/api/v1/cases/{world.case.id}/prior-treatments",
        headers=bearer(world.tokens["write"]),
        json={**TREATMENT, **change},
    )
    problem = _problem(response, 422)
    assert field in str(problem.get("errors", {})), problem
    assert _count(PriorTreatment) == 0


def test_another_boards_user_cannot_add_or_remove_a_prior_treatment(client, world):
    url = f"/api/v1/cases/{world.case.id}/prior-treatments"
    _problem(client.post(url, headers=bearer(world.tokens["other_board"]), json=TREATMENT), 404)
    made = client.post(url, headers=bearer(world.tokens["write"]), json=TREATMENT).get_json()
    other = bearer(world.tokens["other_board"], **{"If-Match": '"v1"'})
    _problem(client.delete(f"{url}/{made['id']}", headers=other), 404)
    # a treatment of one case is not reached through another case's URL
    wrong = f"/api/v1/cases/{world.draft.id}/prior-treatments/{made['id']}"
    _problem(client.delete(wrong, headers=bearer(world.tokens["write"], **{"If-Match": '"v1"'})), 404)
    assert _count(PriorTreatment) == 1


# Decision drafts ------------------------------------------------------------------------------------


def test_a_specialist_saves_a_draft_with_if_match(client, world, specialist, draft):  # noqa: F811
    token = personal(specialist)
    url = f"/api/v1/decisions/{draft.id}"
    etag = f'"v{draft.version}"'  # drafts are not among the API's reads: the version the writer knows
    body = {
        "recommendation": "Somatostatin analogue, restage in three months.",
        "rationale": "Well differentiated, Ki-67 8 %.",
        "items": [{"treatment": "SURV", "detail": "MRI liver"}],
    }
    _problem(client.put(url, headers=bearer(token), json=body), 428)
    _problem(client.put(url, headers=bearer(token, **{"If-Match": '"v0"'}), json=body), 412)
    saved = client.put(url, headers=bearer(token, **{"If-Match": etag}), json=body)
    assert saved.status_code == 200, saved.get_json()
    answer = saved.get_json()
    assert answer["recommendation"] == body["recommendation"]
    assert [(i["treatment"], i["detail"]) for i in answer["items"]] == [("SURV", "MRI liver")]
    assert saved.headers["ETag"] != etag
    bad = {**body, "items": [{"treatment": "NOPE"}]}
    problem = _problem(
        client.put(url, headers=bearer(token, **{"If-Match": saved.headers["ETag"]}), json=bad), 422
    )
    assert "items" in problem["errors"]
    db.session.expire_all()
    assert draft.recommendation == body["recommendation"]


def test_the_submitter_may_not_write_a_draft(client, world, draft):  # noqa: F811
    response = client.put(
        f"/api/v1/decisions/{draft.id}",
        headers=bearer(world.tokens["write"], **{"If-Match": f'"v{draft.version}"'}),
        json={"recommendation": "Mine"},
    )
    _problem(response, 403)


def test_a_signed_decision_is_never_written_409_and_signing_is_not_an_api_act(
    client,
    world,
    specialist,
    chair,
    signed,  # noqa: F811
):
    before = (signed.recommendation, signed.version)
    url = f"/api/v1/decisions/{signed.id}"
    problem = _problem(
        client.put(
            url,
            headers=bearer(personal(specialist), **{"If-Match": f'"v{signed.version}"'}),
            json={"recommendation": "Changed"},
        ),
        409,
    )
    assert problem["title"] == "The decision is signed" and "amend" in problem["detail"]
    sign = _problem(client.post(f"{url}/signature", headers=bearer(personal(chair)), json={}), 403)
    assert sign["title"] == "Signing is not done through the API"
    db.session.expire_all()
    assert (signed.recommendation, signed.version) == before


# Follow-ups -----------------------------------------------------------------------------------------


def test_the_submitter_records_the_follow_up_then_changes_it_with_if_match(
    client,
    world,
    submitter,
    signed,  # noqa: F811
):
    token = personal(submitter)
    url = f"/api/v1/decisions/{signed.id}/follow-up"
    problem = _problem(client.post(url, headers=bearer(token), json={"status": "partly"}), 422)
    assert "reason" in problem["errors"]
    assert _count(FollowUp) == 0
    once = bearer(token, **{"Idempotency-Key": "follow-up-retry-0001"})
    made = client.post(url, headers=once, json={"status": "partly", "reason": "toxicity"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["status"] == "partly" and made.headers["Location"].endswith(url)
    again = client.post(url, headers=once, json={"status": "fully"})  # its retry: what the first made
    assert again.status_code == 200 and again.get_json() == made.get_json()
    assert again.headers["ETag"] == made.headers["ETag"]
    _problem(client.post(url, headers=bearer(token), json={"status": "fully"}), 409)  # another POST
    _problem(client.put(url, headers=bearer(token), json={"status": "fully"}), 428)
    _problem(client.put(url, headers=bearer(token, **{"If-Match": '"v0"'}), json={"status": "fully"}), 412)
    changed = client.put(
        url, headers=bearer(token, **{"If-Match": made.headers["ETag"]}), json={"status": "fully"}
    )
    assert changed.status_code == 200 and changed.get_json()["status"] == "fully"
    assert _count(FollowUp) == 1 and _events("decision.follow_up") == 2
    db.session.expire_all()
    assert signed.case.status == CaseStatus.CLOSED


def test_only_the_submitter_records_a_follow_up(client, world, specialist, signed):  # noqa: F811
    url = f"/api/v1/decisions/{signed.id}/follow-up"
    _problem(client.post(url, headers=bearer(personal(specialist)), json={"status": "fully"}), 403)
    _problem(client.post(url, headers=bearer(world.tokens["other_board"]), json={"status": "fully"}), 404)
    assert _count(FollowUp) == 0
