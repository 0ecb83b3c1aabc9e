"""A board's history stays in the board. A case that has been on an agenda cannot move to another board (a
crafted POST included); the submitter refers it instead: a new case on the other board, linked, with the
findings copied and each copy audited. Afterwards every route that takes a case, decision, meeting or
agenda item id shows each board its own records only."""

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import give_function
from tests.decisions.support import a_signed_decision, client_of
from tests.meetings.support import a_plan, details, events
from tumorboard.auth.roles import Role
from tumorboard.cases import operations as case_operations
from tumorboard.cases.models import Case, ImagingStudy, LabResult, PathologyReport
from tumorboard.cases.referrals import refer_case
from tumorboard.decisions import operations
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations


@pytest.fixture
def other_board(app_ctx, create_board, submitter):
    board = create_board(name="Lung NET board")
    from tumorboard.boards.models import BoardMembership

    db.session.add(BoardMembership(board_id=board.id, user_id=submitter.id))
    db.session.commit()
    return board


@pytest.fixture
def discussed(signed, create_lab, submitter):
    """The signed decision's case, discussed by the GEP-NET board, with a marker result."""
    create_lab(signed.case, created_by=submitter)
    return signed.case


def _fields(case: Case) -> dict:
    data = {name: getattr(case, name) for name in case_operations.CASE_FIELDS}
    return data | {"metastatic_sites": case.metastatic_site_list}


def test_a_case_on_an_agenda_keeps_its_board(submitter, discussed, other_board):
    operations.present_case_again(submitter, operations.current_decision(discussed_item(discussed)))
    assert discussed.can_edit(submitter) and discussed.board_is_fixed
    board_id, version = discussed.board_id, discussed.version
    with pytest.raises(OperationError) as refused:
        case_operations.update_case(
            submitter,
            discussed,
            expected_version=version,
            **(_fields(discussed) | {"board_id": other_board.id}),
        )
    assert refused.value.field == "board_id" and "refer it" in refused.value.message
    db.session.expire_all()
    assert (discussed.board_id, discussed.version) == (board_id, version)


def discussed_item(case: Case):
    from tumorboard.meetings.models import AgendaItem

    return db.session.scalar(select(AgendaItem).where(AgendaItem.case_id == case.id))


def test_a_crafted_post_cannot_move_the_case(app, submitter, discussed, other_board):
    operations.present_case_again(submitter, operations.current_decision(discussed_item(discussed)))
    db.session.commit()
    client = client_of(app, submitter)
    page = client.get(f"/cases/{discussed.id}/edit").text
    assert 'id="board-fixed"' in page and "refer it" in page  # the form shows the board as fixed
    form = {k: ("" if v is None else v) for k, v in _fields(discussed).items()}
    form |= {"board_id": other_board.id, "version": discussed.version}
    response = client.post(f"/cases/{discussed.id}/edit", data=form)
    assert response.status_code == 422
    assert "its history stays with that board" in response.text
    db.session.expire_all()
    assert db.session.get(Case, discussed.id).board_id != other_board.id


def test_a_draft_never_on_an_agenda_may_still_change_board(submitter, board, other_board, create_case):
    case = create_case(submitter=submitter, board=board)
    case_operations.update_case(
        submitter, case, expected_version=case.version, **(_fields(case) | {"board_id": other_board.id})
    )
    assert case.board_id == other_board.id and not case.can_refer(submitter)


def test_referral_makes_a_linked_case_with_the_findings_copied(submitter, discussed, other_board):
    before = {
        model: db.session.scalar(select(db.func.count()).select_from(model))
        for model in (ImagingStudy, LabResult, PathologyReport)
    }
    referral = refer_case(
        submitter,
        discussed,
        board_id=other_board.id,
        expected_version=discussed.version,
        question="Thoracic board: is this a lung primary?",
    )
    assert (referral.board_id, referral.status, referral.referred_from_id) == (
        other_board.id,
        "draft",
        discussed.id,
    )
    assert referral.patient_id == discussed.patient_id and referral.clinical_question.startswith("Thoracic")
    assert (
        referral.primary_site == discussed.primary_site
        and referral.tumour_size_cm == discussed.tumour_size_cm
    )
    for collection, model in (("imaging", ImagingStudy), ("labs", LabResult), ("pathology", PathologyReport)):
        originals, copies = getattr(discussed, collection), getattr(referral, collection)
        assert len(copies) == len(originals) >= 1
        assert db.session.scalar(select(db.func.count()).select_from(model)) == before[model] + len(originals)
        assert {c.id for c in copies}.isdisjoint(o.id for o in originals)
    copied = events("lab.copied") + events("imaging.copied") + events("pathology.copied")
    assert len(copied) == len(referral.labs) + len(referral.imaging) + len(referral.pathology)
    assert all(details(e)["from_case"] == discussed.id and details(e)["case"] == referral.id for e in copied)
    assert details(events("case.referred")[-1]) == {"from_case": discussed.id}
    assert details(events("case.referred_out")[-1]) == {"to_case": referral.id}
    # the original did not move or change status
    assert (discussed.board_id, discussed.status) != (other_board.id, "draft")
    assert discussed.status == "discussed"


@pytest.mark.parametrize(
    "board_of, message",
    [("same", "Choose another of your active boards."), ("foreign", "Choose another of your active boards.")],
)
def test_referral_only_to_the_submitters_other_boards(
    submitter, discussed, other_board, create_board, board_of, message
):
    target = discussed.board if board_of == "same" else create_board(name="A board the submitter is not on")
    with pytest.raises(OperationError, match=message):
        refer_case(
            submitter, discussed, board_id=target.id, expected_version=discussed.version, question="Q?"
        )


def test_only_the_submitter_refers(specialist, discussed, other_board):
    with pytest.raises(OperationError, match="Only the case's submitter"):
        refer_case(
            specialist, discussed, board_id=other_board.id, expected_version=discussed.version, question="Q"
        )


def test_the_refer_page(app, submitter, specialist, discussed, other_board):
    client = client_of(app, submitter)
    assert "Refer to another board" in client.get(f"/cases/{discussed.id}").text
    assert client.get(f"/cases/{discussed.id}/refer").status_code == 200
    refused = client.post(
        f"/cases/{discussed.id}/refer",
        data={"board_id": other_board.id, "clinical_question": "", "version": discussed.version},
    )
    assert refused.status_code == 422 and "Ask that board its question." in refused.text
    done = client.post(
        f"/cases/{discussed.id}/refer",
        data={
            "board_id": other_board.id,
            "clinical_question": "Second opinion?",
            "version": discussed.version,
        },
    )
    assert done.status_code == 302
    referral = db.session.scalar(select(Case).where(Case.referred_from_id == discussed.id))
    assert done.headers["Location"] == f"/cases/{referral.id}"
    assert client_of(app, specialist).get(f"/cases/{discussed.id}/refer").status_code == 403
    # the same POST again (a double click, a retry after a timeout) makes no second case
    again = client.post(
        f"/cases/{discussed.id}/refer",
        data={
            "board_id": other_board.id,
            "clinical_question": "Second opinion?",
            "version": discussed.version,
        },
    )
    assert again.status_code == 302 and again.headers["Location"] == f"/cases/{referral.id}"
    assert len(db.session.scalars(select(Case).where(Case.referred_from_id == discussed.id)).all()) == 1
    too_long = client.post(
        f"/cases/{discussed.id}/refer",
        data={"board_id": other_board.id, "clinical_question": "x" * 4001, "version": discussed.version},
    )
    assert too_long.status_code == 422 and "x" * 4001 in too_long.text  # refused, and kept as typed


# Each board sees its own ------------------------------------------------------------------------------


@pytest.fixture
def two_boards(app, users, board, other_board, submitter, discussed, signed, create_user, create_imaging):
    """Board A (GEP-NET) discussed and signed the case; the submitter referred it to board B (Lung),
    which discussed and signed the referral at a meeting of its own."""
    referral = refer_case(
        submitter, discussed, board_id=other_board.id, expected_version=discussed.version, question="Lung?"
    )
    case_operations.submit_case(
        submitter,
        referral,
        expected_version=referral.version,
        override_reason="Urgent surgery.",
    )
    chair_b = give_function(
        create_user(roles=[Role.CHAIR, Role.SPECIALIST, Role.COORDINATOR], boards=[other_board]),
        other_board,
        chair=True,
        coordinator=True,
    )
    meeting_b = meeting_operations.plan_meeting(chair_b, other_board, a_plan())
    meeting_operations.add_to_agenda(chair_b, meeting_b, referral, expected_version=meeting_b.version)
    meeting_operations.start_meeting(
        chair_b,
        meeting_b,
        expected_version=meeting_b.version,
        override_reason="Surgeon by phone.",
        confirm_early=True,
    )
    decision_b = a_signed_decision(chair_b, chair_b, meeting_b.items[0], override_reason="Checked by phone.")
    db.session.commit()
    return {
        "A": {
            "member": users[Role.SPECIALIST],
            "case": discussed,
            "decision": signed,
            "meeting": signed.meeting,
            "item": signed.agenda_item,
        },
        "B": {
            "member": chair_b,
            "case": referral,
            "decision": decision_b,
            "meeting": meeting_b,
            "item": meeting_b.items[0],
        },
    }


ID_ARGUMENTS = {"case_id", "decision_id", "meeting_id", "item_id"}


# routes whose `item_id` is not an agenda item's (a result the HL7 listener held: tests/hl7 walk them)
OTHER_ITEMS = {"hl7.unmatched_item"}


def _routes(app: Flask):
    """Every route of the web UI that takes one of the board-scoped ids, with the method a user would use
    (the REST API's, which answer a bearer token only, are walked the same way by tests/api's table)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or rule.endpoint in OTHER_ITEMS:
            continue
        if rule.arguments & ID_ARGUMENTS and not rule.arguments & {"patient_id", "board_id", "user_id"}:
            method = "GET" if "GET" in rule.methods else "POST"
            yield rule, method


NOBODYS = 2_000_000_000  # an id no record has


def _url(rule, records: dict | None) -> str:
    """The route's URL for one board's records, or (None) for ids no record has."""
    if records is None:
        values = dict.fromkeys(ID_ARGUMENTS | {"finding_id", "treatment_id"}, NOBODYS)
    else:
        case = records["case"]
        values = {
            "case_id": case.id,
            "decision_id": records["decision"].id,
            "meeting_id": records["meeting"].id,
            "item_id": records["item"].id,
            "finding_id": case.labs[0].id if case.labs else NOBODYS,
            "treatment_id": NOBODYS,
        }
    values |= {"kind": "lab", "analyte": "chromogranin_a"}
    return rule.build({name: values[name] for name in rule.arguments})[1]


def test_after_a_referral_each_board_sees_only_its_own(app, two_boards):
    routes = list(_routes(app))
    assert len(routes) >= 30  # the walk covers the app's case, decision, meeting and agenda routes
    for viewer, other in (("A", "B"), ("B", "A")):
        client = client_of(app, two_boards[viewer]["member"])
        for rule, method in routes:
            # the other board's record answers exactly as a record that does not exist: 404, or the
            # refusal of the viewer's role that every id gets
            theirs = client.open(_url(rule, two_boards[other]), method=method, data={})
            nobodys = client.open(_url(rule, None), method=method, data={})
            assert theirs.status_code == nobodys.status_code in (403, 404), (viewer, method, rule.rule)
        for rule, method in routes:
            if method != "GET":
                continue
            own = _url(rule, two_boards[viewer])
            response = client.get(own)
            assert response.status_code != 404 or rule.endpoint in ALLOWED_OWN_404, (viewer, own)


# routes whose extra ids (a marker chart of a frozen agenda item, a finding's edit form once the case is
# discussed, a prior treatment) may not exist for a record: a 404 there says nothing about the board
ALLOWED_OWN_404 = {"cases.edit_finding", "meetings.frozen_marker_chart", "cases.marker_chart"}


def test_the_submitter_of_both_sees_both_and_each_decision_stays_with_its_board(app, submitter, two_boards):
    client = client_of(app, submitter)
    for side in ("A", "B"):
        records = two_boards[side]
        assert client.get(f"/cases/{records['case'].id}").status_code == 200
        assert client.get(f"/decisions/{records['decision'].id}/letter").status_code == 200
    letter_a = client.get(f"/decisions/{two_boards['A']['decision'].id}/letter").text
    assert "GEP-NET board" in letter_a and "Lung NET board" not in letter_a
    referral_page = client.get(f"/cases/{two_boards['B']['case'].id}").text
    assert "Referred from" in referral_page and f"case {two_boards['A']['case'].id}" in referral_page


def test_the_original_boards_chair_can_still_amend_and_sign(chair, two_boards):
    signed = two_boards["A"]["decision"]
    amendment = operations.amend_decision(chair, signed, reason="Pathology revised.")
    assert amendment.can_sign(chair)
    assert not amendment.can_sign(two_boards["B"]["member"])


def test_a_referral_cannot_move_back_to_the_board_it_came_from(submitter, discussed, other_board):
    referral = refer_case(
        submitter, discussed, board_id=other_board.id, expected_version=discussed.version, question="Lung?"
    )
    before = referral.version
    with pytest.raises(OperationError, match="referred from the") as refused:
        case_operations.update_case(
            submitter,
            referral,
            expected_version=referral.version,
            **(_fields(referral) | {"board_id": discussed.board_id}),
        )
    assert refused.value.field == "board_id"
    db.session.expire_all()
    assert (referral.board_id, referral.version) == (other_board.id, before)


def test_no_referral_is_offered_when_the_other_board_no_longer_takes_cases(submitter, discussed, other_board):
    assert discussed.can_refer(submitter)
    other_board.active = False
    db.session.commit()
    assert not discussed.can_refer(submitter)
