"""Recording, signing, amending and following up the board's decision: who may do what, what is refused
(with its message, leaving nothing changed), what the case and the agenda do when a decision is signed,
and the audit trail."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import give_function
from tests.decisions.support import (
    FIELDS,
    PLAN,
    PRRT_PLAN,
    a_signed_decision,
    plan_row,
    save,
    sign,
    stored,
)
from tests.meetings.support import changes, details, events
from tumorboard.auth.roles import Role
from tumorboard.cases import operations as case_operations
from tumorboard.cases.models import PriorTreatment
from tumorboard.decisions import operations
from tumorboard.decisions.models import Decision, FollowUp
from tumorboard.errors import OperationError, StaleEdit
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.meetings.operations import pool
from tumorboard.timezones import hospital_today


@pytest.fixture
def today(app_ctx):
    return hospital_today()


# Starting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SPECIALIST, Role.CHAIR, Role.COORDINATOR])
def test_the_boards_specialists_chairs_and_coordinators_start_the_decision(users, chair, item, role):
    decision = operations.start_decision(users[role], item)
    assert (decision.status, decision.number, decision.case_id) == ("draft", 1, item.case_id)
    assert decision.created_by_id == users[role].id
    assert operations.start_decision(users[role], item) is decision  # the same draft, not a second one
    assert db.session.scalars(select(Decision)).all() == [decision]
    (started,) = events("decision.started")
    assert started.entity_id == str(decision.id) and details(started) == {"case": item.case_id}


def test_others_do_not_start_it(users, item, outsider, create_user, board):
    plain_member = create_user(roles=[Role.ADMIN], boards=[board])
    for actor in (users[Role.SUBMITTER], outsider, plain_member):
        with pytest.raises(OperationError, match="Only the board's specialists, chair and coordinators"):
            operations.start_decision(actor, item)
    assert db.session.scalars(select(Decision)).all() == []
    assert events("decision.started") == []


def test_decisions_start_only_while_the_meeting_is_in_progress(start_meeting, specialist, coordinator):
    planned = start_meeting(1, start=False)
    with pytest.raises(OperationError, match="while the meeting is in progress"):
        operations.start_decision(specialist, planned.items[0])
    closed = start_meeting(1)
    meeting_operations.close_meeting(
        coordinator, closed, expected_version=closed.version, defer_remaining=True
    )
    with pytest.raises(OperationError, match="while the meeting is in progress"):
        operations.start_decision(specialist, closed.items[0])
    assert db.session.scalars(select(Decision)).all() == []


# Saving the draft ----------------------------------------------------------------------------------


def test_a_draft_saves_its_fields_and_plan(specialist, item, today):
    decision = operations.start_decision(specialist, item)
    version = decision.version
    rows = [
        plan_row(target_date=today + timedelta(days=14)),
        plan_row("", detail="", intent="", responsible_specialty=""),  # an empty row of the form is skipped
        PLAN[1],
    ]
    save(
        specialist, decision, items=rows, next_review_date=today, dissent="Surgery first.", dissent_by="Dr. B"
    )
    assert decision.version > version
    assert decision.recommendation == FIELDS["recommendation"]
    assert (decision.dissent, decision.dissent_by, decision.next_review_date) == (
        "Surgery first.",
        "Dr. B",
        today,
    )
    assert [(i.position, i.treatment, i.intent) for i in decision.items] == [
        (1, "SSA-LAN", "palliative"),
        (2, "SURV", "diagnostic"),
    ]
    assert decision.items[0].target_date == today + timedelta(days=14)
    (saved,) = events("decision.saved")
    assert changes(saved)["recommendation"] == ["", FIELDS["recommendation"]]
    assert changes(saved)["items"][0] == []
    assert len(changes(saved)["items"][1]) == 2

    save(specialist, decision, items=[PLAN[1]], trial_candidate=False, trial_identifier="NCT0001")
    assert [i.treatment for i in decision.items] == ["SURV"]
    assert decision.trial_identifier == ""  # a trial identifier only for a trial candidate
    assert list(changes(events("decision.saved")[-1])) == [
        "dissent",
        "dissent_by",
        "items",
        "next_review_date",
    ]


TOO_MANY = [plan_row(detail=f"item {n}") for n in range(operations.MAX_PLAN_ITEMS + 1)]


@pytest.mark.parametrize(
    ("items", "fields", "message"),
    [
        pytest.param([plan_row("NOT-A-TREATMENT")], {}, "Unknown treatment", id="unknown-treatment"),
        pytest.param([plan_row(intent="cure-all")], {}, "Unknown intent", id="unknown-intent"),
        pytest.param(
            [plan_row(responsible_specialty="astrology")], {}, "Unknown specialty", id="unknown-specialty"
        ),
        pytest.param(TOO_MANY, {}, "at most 20 items", id="more-than-20-items"),
        pytest.param(
            PLAN,
            {"next_review_date": timedelta(days=-1)},
            "cannot be in the past",
            id="review-in-past",
        ),
        pytest.param(PLAN, {"outcome": "maybe"}, "Unknown outcome", id="unknown-outcome"),
        pytest.param(
            [plan_row(target_date="2030-01-01")], {}, "target date as a date", id="target-not-a-date"
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(specialist, draft, today, items, fields, message):
    if isinstance(fields.get("next_review_date"), timedelta):
        fields = fields | {"next_review_date": today + fields["next_review_date"]}
    before = stored(draft.id)
    audit = len(events("decision.saved"))
    with pytest.raises(OperationError, match=message):
        save(specialist, draft, items=items, **FIELDS | {"recommendation": "Changed"} | fields)
    db.session.expire_all()
    assert stored(draft.id) == before
    assert len(events("decision.saved")) == audit


def test_a_draft_keeps_incomplete_rows_and_a_dissent_without_whose(specialist, draft):
    """A draft may be incomplete (the board is still talking); what was typed is kept as typed."""
    rows = [plan_row(intent=""), plan_row("", intent="", responsible_specialty="", detail="Ask Dr. K")]
    save(specialist, draft, items=rows, dissent="Surgery first.")
    db.session.expire_all()
    assert [(i.treatment, i.intent, i.responsible_specialty, i.detail) for i in draft.items] == [
        ("SSA-LAN", None, "medical_oncology", "Lanreotide autogel 120 mg every 28 days"),
        (None, None, None, "Ask Dr. K"),
    ]
    assert (draft.dissent, draft.dissent_by) == ("Surgery first.", "")


def test_exactly_20_items_are_accepted(specialist, draft):
    save(specialist, draft, items=TOO_MANY[:20])
    assert len(draft.items) == 20


def test_a_stale_version_is_refused(specialist, chair, draft):
    before = stored(draft.id)
    with pytest.raises(StaleEdit):
        operations.save_draft(
            chair,
            draft,
            expected_version=draft.version - 1,
            data=FIELDS | {"recommendation": "Mine"},
            items=[],
        )
    with pytest.raises(StaleEdit):
        operations.save_draft(chair, draft, expected_version=None, data=FIELDS, items=[])
    db.session.expire_all()
    assert stored(draft.id) == before


def test_only_board_members_with_a_decision_role_save(users, draft, outsider):
    before = stored(draft.id)
    for actor in (users[Role.SUBMITTER], outsider):
        with pytest.raises(OperationError, match="Only the board's specialists"):
            save(actor, draft, recommendation="Changed")
    db.session.expire_all()
    assert stored(draft.id) == before


def test_a_signed_decision_is_not_saved(specialist, signed):
    before = stored(signed.id)
    with pytest.raises(OperationError, match="signed: change it with an amendment"):
        save(specialist, signed, recommendation="Changed")
    db.session.expire_all()
    assert stored(signed.id) == before


# Signing -------------------------------------------------------------------------------------------


def test_the_chair_signs_with_the_attendance_and_the_case_follows(
    chair, specialist, coordinator, draft, item
):
    case = item.case
    assert sign(chair, draft) == []
    assert draft.status == "signed" and draft.signed_by_id == chair.id and draft.signed_at is not None
    assert draft.warnings == [] and draft.override_reason == ""
    assert sorted(a["name"] for a in draft.attendees) == sorted(
        u.name for u in (chair, specialist, coordinator)
    )
    assert all(not a["guest"] for a in draft.attendees)
    assert {a["specialty"] for a in draft.attendees} == {
        chair.specialty,
        specialist.specialty,
        coordinator.specialty,
    }
    assert (item.outcome, item.open_case_id, case.status) == ("discussed", None, "discussed")
    (signed,) = events("decision.signed")
    assert signed.actor_id == chair.id and changes(signed) == {"status": ["draft", "signed"]}
    assert details(signed) == {
        "case": case.id,
        "number": 1,
        "warnings": [],
        "override_reason": "",
        "snapshot_sha256": draft.snapshot.sha256,
        "confirmed_by": "password",
    }
    assert draft.snapshot.intact and len(draft.snapshot.sha256) == 64
    assert details(events("agenda.outcome")[-1]) == {
        "case": case.id,
        "item": item.id,
        "outcome": "discussed",
        "snapshot_sha256": item.snapshot.sha256,
    }
    assert events("case.discussed")[-1].entity_id == str(case.id)


def test_a_guest_is_listed_as_a_guest(chair, coordinator, meeting, item, specialist, create_user):
    guest = create_user(roles=[Role.SPECIALIST], specialty="surgery", name="Dr. Visiting Surgeon")
    meeting_operations.record_attendance(
        coordinator, meeting, {guest.id: "guest"}, expected_version=meeting.version
    )
    decision = a_signed_decision(specialist, chair, item)
    assert {"name": "Dr. Visiting Surgeon", "specialty": "surgery", "guest": True} in decision.attendees
    assert len(decision.attendees) == 4  # the absent submitter is not listed


def test_the_attendance_is_a_snapshot(chair, coordinator, meeting, specialist, signed):
    meeting_operations.record_attendance(
        coordinator, meeting, {specialist.id: "absent"}, expected_version=meeting.version
    )
    db.session.expire_all()
    assert specialist.name in [a["name"] for a in db.session.get(Decision, signed.id).attendees]


def test_a_deferred_outcome_defers_the_case(chair, specialist, item):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=[], outcome="deferred", recommendation="", rationale="Biopsy pending.")
    sign(chair, decision)
    assert (item.outcome, item.case.status) == ("deferred", "deferred")
    assert item.case in db.session.scalars(pool(item.meeting.board)).all()


def test_present_again_sends_the_case_back_to_the_pool(chair, specialist, item):
    a_signed_decision(specialist, chair, item, present_again=True)
    assert item.outcome == "discussed"
    assert item.case.status == "submitted"
    assert item.case in db.session.scalars(pool(item.meeting.board)).all()
    assert details(events("case.presented_again")[-1])["decision"] == db.session.scalar(select(Decision.id))


def test_further_diagnostics_needs_an_item_or_text(chair, specialist, item):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=[], outcome="further_diagnostics", recommendation="")
    with pytest.raises(OperationError, match="which diagnostics"):
        sign(chair, decision)
    save(specialist, decision, items=[], outcome="further_diagnostics", recommendation="SSTR PET/CT first.")
    sign(chair, decision)
    assert item.case.status == "discussed"


def test_only_the_boards_chair_signs(
    users, board, chair, specialist, coordinator, draft, create_board, create_user
):
    other = create_board(name="Lung NET board")
    chair_elsewhere = create_user(roles=[Role.CHAIR], boards=[board, other])
    give_function(chair_elsewhere, other, chair=True)
    chair_role_only = create_user(roles=[Role.CHAIR], boards=[board])  # not the board's chair
    chair_flag_only = give_function(create_user(roles=[Role.SPECIALIST], boards=[board]), board, chair=True)
    before = stored(draft.id)
    for actor in (chair_elsewhere, chair_role_only, chair_flag_only, specialist, coordinator):
        with pytest.raises(OperationError, match="Only the board's chair signs"):
            sign(actor, draft)
        assert not draft.can_sign(actor)
    assert draft.can_sign(chair)
    db.session.expire_all()
    assert stored(draft.id) == before
    assert events("decision.signed") == []


def test_a_wrong_password_is_refused(chair, draft, item):
    before = stored(draft.id)
    for password in ("wrong", "", "correct horse battery staple "):
        with pytest.raises(OperationError, match="password is not correct") as refused:
            sign(chair, draft, password=password)
        assert refused.value.field == "password"
    db.session.expire_all()
    assert stored(draft.id) == before
    assert item.case.status == "scheduled"


def test_a_stale_version_is_not_signed(chair, draft):
    with pytest.raises(StaleEdit):
        operations.sign_decision(
            chair, draft, expected_version=draft.version - 1, password="correct horse battery staple"
        )
    assert draft.status == "draft"


@pytest.mark.parametrize(
    ("items", "fields", "message"),
    [
        pytest.param([], {}, "at least one plan item", id="recommendation-without-plan"),
        pytest.param(
            PLAN, {"recommendation": ""}, "at least one plan item", id="recommendation-without-text"
        ),
        pytest.param([], {"outcome": "deferred", "rationale": ""}, "why the case is deferred", id="deferred"),
        pytest.param(
            [PLAN[0], plan_row(intent="")], {}, "Plan item 2 needs its intent", id="row-without-intent"
        ),
        pytest.param(
            [plan_row(responsible_specialty="")],
            {},
            "Plan item 1 needs its responsible specialty",
            id="row-without-specialty",
        ),
        pytest.param(
            [plan_row("", intent="", responsible_specialty="")],
            {},
            "Plan item 1 needs its treatment and intent and responsible specialty",
            id="row-with-detail-only",
        ),
        pytest.param(PLAN, {"dissent": "Surgery first."}, "whose dissent", id="dissent-without-whose"),
    ],
)
def test_an_incomplete_decision_is_not_signed(chair, specialist, item, items, fields, message):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=items, **fields)
    db.session.commit()
    before = stored(decision.id)
    with pytest.raises(OperationError, match=message):
        sign(chair, decision)
    db.session.expire_all()
    assert stored(decision.id) == before
    assert item.case.status == "scheduled"


def test_consistency_warnings_need_a_reason_and_are_recorded_with_it(chair, specialist, item):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=PRRT_PLAN)
    assert [w.code for w in operations.consistency_warnings(decision)] == ["prrt-without-sstr-imaging"]
    db.session.commit()
    before = stored(decision.id)
    for blank in ("", "   "):
        with pytest.raises(OperationError, match="1 consistency warning") as refused:
            sign(chair, decision, override_reason=blank)
        assert refused.value.field == "override_reason"
    db.session.expire_all()
    assert stored(decision.id) == before

    warnings = sign(chair, decision, override_reason="SSTR PET/CT from the referring hospital is positive.")
    assert [w.code for w in warnings] == ["prrt-without-sstr-imaging"]
    assert decision.status == "signed"
    assert decision.override_reason == "SSTR PET/CT from the referring hospital is positive."
    assert [w["code"] for w in decision.warnings] == ["prrt-without-sstr-imaging"]
    assert decision.warnings[0]["rule"] and decision.warnings[0]["treatment"] == "PRRT-LU177"
    assert details(events("decision.signed")[-1]) == {
        "case": item.case_id,
        "number": 1,
        "warnings": ["prrt-without-sstr-imaging"],
        "override_reason": "SSTR PET/CT from the referring hospital is positive.",
        "snapshot_sha256": decision.snapshot.sha256,
        "confirmed_by": "password",
    }


def test_a_reason_without_warnings_is_not_kept(chair, draft):
    sign(chair, draft, override_reason="Just in case.")
    assert draft.override_reason == "" and draft.warnings == []


def test_a_signed_decision_is_not_signed_again(chair, signed):
    with pytest.raises(OperationError, match="already signed"):
        sign(chair, signed)


# Amendments ----------------------------------------------------------------------------------------


def test_an_amendment_needs_a_reason(specialist, signed):
    for blank in ("", "  "):
        with pytest.raises(OperationError, match="Say why the decision changes"):
            operations.amend_decision(specialist, signed, reason=blank)
    assert db.session.scalars(select(Decision)).all() == [signed]


def test_an_amendment_copies_the_decision_and_supersedes_it_once_signed(chair, specialist, signed, item):
    original = stored(signed.id)
    amendment = operations.amend_decision(
        specialist, signed, reason="Octreotide instead: lanreotide not stocked."
    )
    assert (amendment.number, amendment.supersedes_id, amendment.status) == (2, signed.id, "draft")
    assert amendment.amendment_reason == "Octreotide instead: lanreotide not stocked."
    for name in operations.DECISION_FIELDS:
        assert getattr(amendment, name) == getattr(signed, name), name
    copied = [(i.position, i.treatment, i.detail, i.intent, i.responsible_specialty) for i in amendment.items]
    assert copied == [
        (i.position, i.treatment, i.detail, i.intent, i.responsible_specialty) for i in signed.items
    ]
    assert {i.id for i in amendment.items}.isdisjoint(i.id for i in signed.items)
    assert details(events("decision.amendment_started")[-1]) == {
        "supersedes": signed.id,
        "reason": "Octreotide instead: lanreotide not stocked.",
    }
    assert operations.current_decision(item) is amendment

    save(
        specialist,
        amendment,
        items=[plan_row("SSA-OCT-LAR", detail="Octreotide LAR 30 mg"), PLAN[1]],
        recommendation="Start octreotide LAR; restage in three months.",
    )
    sign(chair, amendment)
    db.session.commit()
    db.session.expire_all()
    old = stored(signed.id)
    assert old["decision"]["status"] == "superseded"
    for name, value in original["decision"].items():
        if name not in ("status", "version", "updated_at"):
            assert old["decision"][name] == value, name
    assert old["items"] == original["items"]
    assert db.session.get(Decision, amendment.id).status == "signed"
    assert operations.current_decision(item).id == amendment.id
    assert item.case.status == "discussed"  # the case does not move again
    assert len(events("agenda.outcome")) == 1


def test_only_one_amendment_is_prepared_at_a_time(chair, specialist, signed):
    amendment = operations.amend_decision(specialist, signed, reason="New pathology.")
    with pytest.raises(OperationError, match="already being prepared"):
        operations.amend_decision(chair, signed, reason="Another change.")
    with pytest.raises(OperationError, match="Only the signed decision in force"):
        operations.amend_decision(chair, amendment, reason="An amendment of a draft.")
    assert db.session.scalars(select(Decision).order_by(Decision.id)).all() == [signed, amendment]
    save(specialist, amendment)
    sign(chair, amendment)
    with pytest.raises(OperationError, match="Only the signed decision in force"):
        operations.amend_decision(chair, signed, reason="The superseded one.")
    third = operations.amend_decision(chair, amendment, reason="Another change.")
    assert (third.number, third.supersedes_id) == (3, amendment.id)


def test_an_amendment_is_started_by_the_boards_specialists_and_chair(users, signed, outsider):
    for actor in (users[Role.SUBMITTER], users[Role.COORDINATOR], outsider):
        with pytest.raises(OperationError, match="Only the board's specialists and chair amend"):
            operations.amend_decision(actor, signed, reason="Why not.")
    assert db.session.scalars(select(Decision)).all() == [signed]


def test_an_amendment_needs_its_reason_to_be_signed(chair, specialist, signed):
    amendment = operations.amend_decision(specialist, signed, reason="New pathology.")
    amendment.amendment_reason = ""
    db.session.flush()
    with pytest.raises(OperationError, match="amendment needs its reason"):
        sign(chair, amendment)
    assert signed.status == "signed"


# Follow-up -----------------------------------------------------------------------------------------


def follow_up(
    actor,
    decision,
    *,
    status="fully",
    reason=None,
    reason_text="",
    started_on=None,
    completed_on=None,
    expected_version=None,
):
    return operations.record_follow_up(
        actor,
        decision,
        expected_version=expected_version,
        status=status,
        reason=reason,
        reason_text=reason_text,
        started_on=started_on,
        completed_on=completed_on,
    )


def test_carried_out_fully_closes_the_case(submitter, signed, item, today):
    recorded = follow_up(submitter, signed, started_on=today - timedelta(days=20), completed_on=today)
    assert (recorded.status, recorded.reason, recorded.recorded_by_id) == ("fully", None, submitter.id)
    assert signed.follow_up is recorded
    assert item.case.status == "closed"
    (event,) = events("decision.follow_up")
    assert event.entity_id == str(signed.id)
    assert changes(event)["status"] == [None, "fully"]
    assert details(events("case.closed")[-1]) == {"decision": signed.id}


def test_partly_or_not_needs_a_reason_and_keeps_the_case_open(submitter, signed, item):
    for status in ("partly", "not"):
        with pytest.raises(OperationError, match="Choose why") as refused:
            follow_up(submitter, signed, status=status, reason="")
        assert refused.value.field == "reason"
    with pytest.raises(OperationError, match="Choose why"):
        follow_up(submitter, signed, status="partly", reason="bored")
    assert db.session.scalars(select(FollowUp)).all() == []
    recorded = follow_up(
        submitter, signed, status="partly", reason="toxicity", reason_text="Stopped after 2 cycles."
    )
    assert (recorded.status, recorded.reason) == ("partly", "toxicity")
    assert item.case.status == "discussed"
    # corrected later, at the version the submitter saw
    follow_up(submitter, signed, status="fully", expected_version=recorded.version, reason="toxicity")
    assert (recorded.status, recorded.reason) == ("fully", None)
    assert item.case.status == "closed"
    assert changes(events("decision.follow_up")[-1]) == {
        "reason": ["toxicity", None],
        "reason_text": ["Stopped after 2 cycles.", ""],
        "status": ["partly", "fully"],
    }


def test_a_follow_up_edit_at_a_stale_version_is_refused(submitter, signed):
    recorded = follow_up(submitter, signed, status="not", reason="patient_preference")
    with pytest.raises(StaleEdit):
        follow_up(submitter, signed, status="fully", expected_version=recorded.version - 1)
    assert recorded.status == "not"


def test_follow_up_dates_are_not_in_the_future(submitter, signed, today):
    tomorrow = today + timedelta(days=1)
    for dates in ({"started_on": tomorrow}, {"completed_on": tomorrow}):
        with pytest.raises(OperationError, match="cannot be in the future"):
            follow_up(submitter, signed, **dates)
    with pytest.raises(OperationError, match="cannot end before it started"):
        follow_up(submitter, signed, started_on=today, completed_on=today - timedelta(days=1))
    with pytest.raises(OperationError, match="fully, partly or not"):
        follow_up(submitter, signed, status="mostly")
    assert db.session.scalars(select(FollowUp)).all() == []
    assert signed.case.status == "discussed"


def test_only_the_submitter_records_the_follow_up(users, signed, chair, outsider):
    for actor in (chair, users[Role.SPECIALIST], users[Role.COORDINATOR], outsider):
        with pytest.raises(OperationError, match="Only the case's submitter"):
            follow_up(actor, signed)
    assert db.session.scalars(select(FollowUp)).all() == []


def test_only_a_signed_decision_in_force_is_followed_up(submitter, specialist, chair, meeting, signed):
    draft = operations.start_decision(specialist, meeting.items[1])
    save(specialist, draft)
    with pytest.raises(OperationError, match="Only the case's submitter records the follow-up of its signed"):
        follow_up(submitter, draft)
    amendment = operations.amend_decision(specialist, signed, reason="New pathology.")
    save(specialist, amendment)
    sign(chair, amendment)
    with pytest.raises(OperationError, match="Only the case's submitter"):
        follow_up(submitter, signed)  # superseded
    follow_up(submitter, amendment)
    assert [f.decision_id for f in db.session.scalars(select(FollowUp))] == [amendment.id]


def test_the_audit_trail_of_a_decision(chair, specialist, submitter, item):
    decision = a_signed_decision(specialist, chair, item)
    amendment = operations.amend_decision(specialist, decision, reason="New pathology.")
    follow_up(submitter, decision, status="not", reason="other", reason_text="Moved abroad.")
    actions = [
        (e.action, e.actor_id)
        for e in events("decision.started")
        + events("decision.saved")
        + events("decision.signed")
        + events("decision.amendment_started")
        + events("decision.follow_up")
    ]
    assert actions == [
        ("decision.started", specialist.id),
        ("decision.saved", specialist.id),
        ("decision.signed", chair.id),
        ("decision.amendment_started", specialist.id),
        ("decision.follow_up", submitter.id),
    ]
    assert events("decision.amendment_started")[0].entity_id == str(amendment.id)
    saved = changes(events("decision.saved")[0])
    assert json.dumps(saved["items"][1]).count("SSA-LAN") == 1


def test_follow_up_dates_are_not_before_the_patients_birth(signed, submitter):
    from datetime import date

    from tumorboard.decisions import operations as decision_operations

    with pytest.raises(OperationError, match="before the patient's birth"):
        decision_operations.record_follow_up(
            submitter,
            signed,
            expected_version=None,
            status="fully",
            reason=None,
            reason_text="",
            started_on=date(1, 1, 1),
            completed_on=None,
        )


def test_a_case_deferred_at_the_meeting_gets_no_decision_there(coordinator, specialist, chair, meeting):
    """Deferred is an outcome: the same meeting cannot also decide the case (nor sign a draft begun first)."""
    from tumorboard.decisions.operations import DEFERRED_HERE
    from tumorboard.meetings import operations as meeting_operations

    first, second = meeting.items
    draft = operations.start_decision(specialist, second)
    meeting_operations.set_outcome(coordinator, first, "deferred", expected_version=meeting.version)
    meeting_operations.set_outcome(coordinator, second, "deferred", expected_version=meeting.version)
    with pytest.raises(OperationError, match=DEFERRED_HERE):
        operations.start_decision(specialist, first)
    save(specialist, draft)
    with pytest.raises(OperationError, match=DEFERRED_HERE):
        sign(chair, draft)
    assert draft.status == "draft" and second.case.status == "deferred"


@pytest.mark.parametrize("reason", ["ok", "fine.    ", "x" * 9])
def test_going_on_despite_a_rule_needs_a_reason_someone_can_read(
    chair, coordinator, specialist, item, submitter, board, start_meeting, create_case, reason
):
    """Signing despite warnings, starting without quorum, submitting with something missing: each reason
    is kept with the record, so "ok" is not one."""
    from tumorboard.fields import REASON_MIN_LENGTH
    from tumorboard.meetings import operations as meeting_operations

    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=PRRT_PLAN)
    with pytest.raises(OperationError, match=f"at least {REASON_MIN_LENGTH} characters") as refused:
        sign(chair, decision, override_reason=reason)
    assert refused.value.field == "override_reason" and decision.status == "draft"
    planned = start_meeting(cases=0, start=False)
    meeting_operations.record_attendance(
        coordinator, planned, {chair.id: "absent"}, expected_version=planned.version
    )
    with pytest.raises(OperationError, match=f"at least {REASON_MIN_LENGTH} characters"):
        meeting_operations.start_meeting(
            chair, planned, expected_version=planned.version, override_reason=reason
        )
    bare = create_case(submitter=submitter, board=board)  # without findings
    with pytest.raises(OperationError, match=f"at least {REASON_MIN_LENGTH} characters"):
        case_operations.submit_case(submitter, bare, expected_version=bare.version, override_reason=reason)


def test_cabozantinib_without_recorded_prior_treatment_warns_and_with_one_does_not(chair, specialist, item):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=[plan_row("TT-CABO", responsible_specialty="medical_oncology")])
    assert "cabozantinib-without-prior-treatment" in {
        w.code for w in operations.consistency_warnings(decision)
    }
    item.case.prior_treatments.append(
        PriorTreatment(treatment="SSA-LAN", start_date=hospital_today() - timedelta(days=300))
    )
    db.session.commit()
    assert "cabozantinib-without-prior-treatment" not in {
        w.code for w in operations.consistency_warnings(db.session.get(Decision, decision.id))
    }
