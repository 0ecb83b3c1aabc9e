"""Every API route × every kind of caller: 401 without a working token (none, expired, revoked, a
disabled user's), 403 for a read token's change, 404 for another board's records (their user, or a
service account limited to that board), and through for the records' own board. The table is built from
the app's url_map, so a new route is in it without a word."""

import re

import pytest

from tests.api.conftest import bearer, path_ids

NO_ACCESS = ("none", "expired", "revoked", "disabled")
OTHER_BOARD = ("other_board", "other_service")
BODIES = {
    "patient": {
        "mrn": "TBL-0001",
        "family_name": "Table",
        "given_name": "Test",
        "birth_date": "1970-01-01",
        "sex": "female",
    },
    "case": {"board_id": 0, "conference_type": "pre_therapeutic", "primary_site": "pancreas"},
    "lab": {"sample_date": "2026-11-01", "analyte": "chromogranin_a", "value": 100.0, "unit": "ng/mL"},
    "imaging": {"study_date": "2026-11-01", "modality": "ct"},
    "pathology": {"report_date": "2026-11-01", "specimen_type": "core_biopsy", "differentiation": "well"},
    "prior-treatments": {"treatment": "SURV", "start_date": "2020-01-01"},
    "decisions": {"recommendation": "Surveillance imaging in six months."},
    "signature": {},
    "follow-up": {"status": "fully"},
    "meetings": {"start": "2030-01-07T15:00:00", "duration_minutes": 90, "room": "Room 2"},
    "cancellation": {"reason": "Public holiday"},
    "agenda-lock": {"locked": True},
    "agenda": {"case_id": 0},
    "order": {"item_ids": [0]},
}
# What the write token (the submitter's) gets where its operation answers before the version check: the
# signed decision's draft is never written (409), its follow-up is recorded already (409 for a second
# POST), and signing is not done through the API (403).
WRITE_ANSWERS = {
    ("/api/v1/decisions/<id:decision_id>", "PUT"): 409,
    ("/api/v1/decisions/<id:decision_id>/follow-up", "POST"): 409,
    ("/api/v1/decisions/<id:decision_id>/signature", "POST"): 403,
    # meetings and agendas are the board's coordinators' (tests/api/test_meeting_writes.py goes through)
    **{
        (f"/api/v1{path}", method): 403
        for path, method in (
            ("/boards/<id:board_id>/meetings", "POST"),
            ("/meetings/<id:meeting_id>", "PUT"),
            ("/meetings/<id:meeting_id>/cancellation", "PUT"),
            ("/meetings/<id:meeting_id>/agenda-lock", "PUT"),
            ("/meetings/<id:meeting_id>/agenda", "POST"),
            ("/meetings/<id:meeting_id>/agenda/order", "PUT"),
            ("/agenda-items/<id:item_id>", "DELETE"),
        )
    },
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _url(rule, method, records) -> str:
    ids = path_ids(rule.rule, method, records)
    return re.sub(r"<id:([a-z_]+)>", lambda match: str(ids[match.group(1)]), rule.rule)


def _body(rule, method, records):
    if method in ("GET", "DELETE"):
        return None
    last = [part for part in rule.rule.split("/") if part and not part.startswith("<")][-1]
    kind = {"patients": "patient", "cases": "case", "labs": "lab"}.get(last, last)
    if (rule.rule, method) == ("/api/v1/decisions/<id:decision_id>", "PUT"):
        kind = "decisions"
    if (rule.rule, method) == ("/api/v1/meetings/<id:meeting_id>", "PUT"):
        kind = "meetings"
    body = dict(BODIES[kind])
    if kind == "agenda":
        body["case_id"] = records["case_id"]
    if kind == "order":
        body["item_ids"] = [records["item_id"]]
    if kind == "case":
        body["board_id"] = records["board_id"]
        if method == "POST":
            body["patient_id"] = records["patient_id"]
    return body


def _has_record(rule, method) -> bool:
    return "<id:" in rule.rule or (rule.rule, method) == ("/api/v1/cases", "POST")  # names its patient


def _call(client, token, rule, method, records):
    return client.open(
        _url(rule, method, records),
        method=method,
        headers=bearer(token),
        json=_body(rule, method, records if method == "GET" else {**records, **records["changes"]}),
    )


def test_the_table_covers_every_route(app):
    routes = list(_routes(app))
    assert len(routes) >= 49
    assert {m for _r, m in routes} == {"GET", "POST", "PUT", "DELETE"}


@pytest.mark.parametrize("caller", NO_ACCESS)
def test_no_working_token_is_401_everywhere(app, client, world, records, caller):
    token = None if caller == "none" else world.tokens[caller]
    for rule, method in _routes(app):
        response = _call(client, token, rule, method, records)
        assert response.status_code == 401, (caller, method, rule.rule)
        assert response.mimetype == "application/problem+json"


def test_a_read_token_reads_everything_of_its_board_and_changes_nothing(app, client, world, records):
    for rule, method in _routes(app):
        response = _call(client, world.tokens["read"], rule, method, records)
        expected = 200 if method == "GET" else 403
        assert response.status_code == expected, (method, rule.rule, response.get_json(silent=True))


def test_a_write_token_gets_through_to_the_version_check(app, client, world, records):
    """Past authentication, scope and visibility: a change without If-Match is a 428, a create is made
    (201) or refused by its operation (422), never a 401, 403 or 404."""
    for rule, method in _routes(app):
        response = _call(client, world.tokens["write"], rule, method, records)
        if (rule.rule, method) in WRITE_ANSWERS:
            assert response.status_code == WRITE_ANSWERS[rule.rule, method], (method, rule.rule)
            assert response.mimetype == "application/problem+json"
        elif method == "GET":
            assert response.status_code == 200, (method, rule.rule)
        elif method == "POST":
            assert response.status_code in (200, 201, 422), (method, rule.rule, response.get_json())
        else:
            assert response.status_code == 428, (method, rule.rule, response.get_json())


@pytest.mark.parametrize("caller", OTHER_BOARD)
def test_another_boards_callers_get_404_for_this_boards_records(app, client, world, records, caller):
    token = world.tokens[caller]
    checked = 0
    for rule, method in _routes(app):
        if not _has_record(rule, method):
            continue
        response = _call(client, token, rule, method, records)
        if method != "GET" and caller == "other_service":  # a read token: refused before any lookup
            assert response.status_code == 403, (caller, method, rule.rule)
        else:
            assert response.status_code == 404, (caller, method, rule.rule, response.get_json())
        checked += 1
    assert checked >= 30


@pytest.mark.parametrize(
    "path", ["/api/v1/cases", "/api/v1/patients", "/api/v1/decisions", "/api/v1/meetings"]
)
@pytest.mark.parametrize("caller", OTHER_BOARD)
def test_another_boards_lists_leave_this_boards_records_out(client, world, records, path, caller):
    response = client.get(path, headers=bearer(world.tokens[caller]))
    assert response.status_code == 200
    ids = {row["id"] for row in response.get_json()}
    key = {"cases": "case_id", "patients": "patient_id", "decisions": "decision_id", "meetings": "meeting_id"}
    assert records[key[path.rsplit("/", 1)[1]]] not in ids


def test_a_service_account_sees_its_boards_submitted_cases_not_the_drafts(client, world, records):
    token = world.tokens["service"]
    assert client.get(f"/api/v1/cases/{records['case_id']}", headers=bearer(token)).status_code == 200
    assert client.get(f"/api/v1/cases/{world.draft.id}", headers=bearer(token)).status_code == 404
    assert client.get(f"/api/v1/cases/{world.other_case.id}", headers=bearer(token)).status_code == 404
    listed = {row["id"] for row in client.get("/api/v1/cases?limit=100", headers=bearer(token)).get_json()}
    assert records["case_id"] in listed and world.draft.id not in listed and world.other_case.id not in listed
