"""Fixtures of the API tests: two boards, their people and records, and a token for each kind of caller."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

# a signed decision of the board, on a meeting's agenda (`records`)
from tests.decisions.conftest import item, meeting, signed, start_meeting, waiting_case  # noqa: F401
from tumorboard.auth import token_operations
from tumorboard.auth.roles import Role
from tumorboard.cases import operations as case_operations
from tumorboard.cases.models import CaseStatus
from tumorboard.db import utcnow
from tumorboard.decisions import operations as decision_operations
from tumorboard.extensions import db


def bearer(secret: str | None, **headers) -> dict[str, str]:
    return {**({"Authorization": f"Bearer {secret}"} if secret else {}), **headers}


@dataclass
class World:
    board: object
    other_board: object
    submitter: object
    outsider: object
    patient: object
    case: object
    draft: object
    lab: object
    other_case: object
    tokens: dict[str, str]
    service: object


def personal(user, scope="write", name="test token") -> str:
    _token, secret = token_operations.create_personal_token(user, name=name, scope=scope, lifetime="30")
    db.session.commit()
    return secret


@pytest.fixture
def world(app_ctx, users, board, create_board, create_user, create_case, create_lab) -> World:
    """`board`'s submitter with a submitted case (and a lab) and a draft; another board with its own
    submitter and case; tokens: read and write of the submitter, the other board's user, a service account
    of each board, an expired one, a revoked one, and one of a user since disabled."""
    submitter, admin = users[Role.SUBMITTER], users[Role.ADMIN]
    other_board = create_board(name="Lung NET board")
    outsider = create_user(roles=[Role.SUBMITTER], boards=[other_board])
    case = create_case(
        submitter=submitter, board=board, status=CaseStatus.SUBMITTED.value, submitted_at=utcnow()
    )
    draft = create_case(submitter=submitter, board=board, patient=case.patient)
    lab = create_lab(case, created_by=submitter)
    other_case = create_case(
        submitter=outsider, board=other_board, status=CaseStatus.SUBMITTED.value, submitted_at=utcnow()
    )
    tokens = {
        "read": personal(submitter, "read"),
        "write": personal(submitter, "write"),
        "other_board": personal(outsider, "write"),
    }
    service = token_operations.create_service_account(admin, name="Lab interface", board_ids=[board.id])
    _t, tokens["service"] = token_operations.create_service_token(
        admin, service, name="lab feed", scope="write", lifetime="365"
    )
    other_service = token_operations.create_service_account(
        admin, name="Registry export", board_ids=[other_board.id]
    )
    _t, tokens["other_service"] = token_operations.create_service_token(
        admin, other_service, name="export", scope="read", lifetime="30"
    )
    expired, tokens["expired"] = token_operations.create_personal_token(
        submitter, name="old", scope="write", lifetime="7"
    )
    expired.expires_at = utcnow() - timedelta(seconds=1)
    revoked, tokens["revoked"] = token_operations.create_personal_token(
        submitter, name="revoked", scope="write", lifetime="7"
    )
    token_operations.revoke_token(submitter, revoked)
    leaver = create_user(roles=[Role.SUBMITTER], boards=[board])
    tokens["disabled"] = personal(leaver, "write")
    leaver.active = False
    db.session.commit()
    return World(
        board=board,
        other_board=other_board,
        submitter=submitter,
        outsider=outsider,
        patient=case.patient,
        case=case,
        draft=draft,
        lab=lab,
        other_case=other_case,
        tokens=tokens,
        service=service,
    )


@pytest.fixture
def records(world, signed, submitter, create_lab, create_imaging, create_pathology):  # noqa: F811
    """A signed decision of `world.board` with its follow-up; its case with a lab, imaging and pathology;
    for the changes, `world`'s submitted case and its findings (a discussed case's are closed)."""
    case = signed.case
    decision_operations.record_follow_up(
        submitter,
        signed,
        expected_version=None,
        status="fully",
        reason=None,
        reason_text="",
        started_on=None,
        completed_on=None,
    )
    lab = create_lab(case, created_by=submitter)
    open_case = world.case  # submitted, not yet discussed: its details and findings may still change
    treatment = case_operations.add_prior_treatment(
        submitter, open_case, treatment="SURV", start_date=date(2021, 3, 1)
    )
    db.session.commit()
    changes = {
        "treatment_id": treatment.id,
        "patient_id": open_case.patient_id,
        "case_id": open_case.id,
        "labs": world.lab.id,
        "imaging": create_imaging(open_case, created_by=submitter).id,
        "pathology": create_pathology(open_case, created_by=submitter).id,
    }
    return {
        "changes": changes,
        "patient_id": case.patient_id,
        "case_id": case.id,
        "board_id": signed.meeting.board_id,
        "meeting_id": signed.meeting_id,
        "item_id": signed.agenda_item_id,
        "decision_id": signed.id,
        "labs": lab.id,
        "imaging": case.imaging[0].id,
        "pathology": case.pathology[0].id,
    }


def path_ids(path: str, method: str, records: dict) -> dict[str, int]:
    """The ids of a route's path ("/api/v1/labs/<id:finding_id>" or the document's "{finding_id}") from
    `records`: a change goes to the open case's records, a finding's id is of the path's kind."""
    if method.upper() != "GET":
        records = {**records, **records["changes"]}
    kind = path.split("/")[3]
    return {
        name: records[kind] if name == "finding_id" else records[name]
        for name in re.findall(r"(?:<id:|\{)([a-z_]+)[>}]", path)
    }
