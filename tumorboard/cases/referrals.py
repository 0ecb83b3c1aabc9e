"""Referring a case to another board.

A case that has been on an agenda keeps its board: its meetings, decisions and letters are that board's
record and stay readable by that board only. When the submitter wants another board's opinion, the
referral is a new draft case on the other board, linked to the original, with the original's details,
prior treatments and findings copied (each copy audited). The original does not change.
"""

from flask_babel import gettext as _
from sqlalchemy import inspect

from tumorboard.audit.recording import diff, record, snapshot
from tumorboard.boards.models import Board
from tumorboard.cases.fields import CaseActionFields
from tumorboard.cases.finding_operations import KINDS
from tumorboard.cases.models import Case, CaseStatus, PriorTreatment
from tumorboard.cases.operations import CASE_FIELDS, touch_case
from tumorboard.cases.records import FINDINGS
from tumorboard.db import atomic
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db

# What a copy takes over from the finding it copies: everything the clinician recorded, and who did.
_NOT_COPIED = frozenset({"id", "case_id", "created_at", "updated_at", "version"})


class ReferralPending(OperationError):
    """The case already has a draft referral to that board (a second click, a retried POST): that one."""

    def __init__(self, referral: Case):
        super().__init__(f"This case already has a draft referral to that board: case {referral.id}.")
        self.referral = referral


def referral_boards(actor, case: Case) -> list[Board]:
    """The boards the submitter may refer the case to: their other active boards."""
    ids = sorted(actor.board_ids - {case.board_id})
    if not ids:
        return []
    return list(
        db.session.scalars(
            db.select(Board).where(Board.id.in_(ids), Board.active.is_(True)).order_by(Board.name)
        )
    )


def _copy(finding):
    model = type(finding)
    columns = [c.key for c in inspect(model).columns if c.key not in _NOT_COPIED]
    return model(**{name: getattr(finding, name) for name in columns}), columns


@atomic
def refer_case(actor, case: Case, *, board_id, expected_version: int | None, question: str) -> Case:
    """A new draft case for the other board, with the original's details and findings; the submitter
    reviews it and submits it there."""
    if not case.can_refer(actor):
        raise OperationError(
            _("Only the case's submitter refers it, once the board has had it on an agenda.")
        )
    check_version(case, expected_version)
    board = next((b for b in referral_boards(actor, case) if str(b.id) == str(board_id)), None)
    if board is None:
        raise OperationError(_("Choose another of your active boards."), field="board_id")
    question = CaseActionFields.referral_question.clean(question, "clinical_question")
    pending = db.session.scalar(
        db.select(Case).where(
            Case.referred_from_id == case.id, Case.board_id == board.id, Case.status == CaseStatus.DRAFT.value
        )
    )
    if pending is not None:
        raise ReferralPending(pending)
    fields = {name: getattr(case, name) for name in CASE_FIELDS if name != "board_id"}
    referral = Case(
        **(fields | {"clinical_question": question}),
        patient_id=case.patient_id,
        board_id=board.id,
        submitter_id=actor.id,
        status=CaseStatus.DRAFT.value,
        referred_from_id=case.id,
    )
    referral.prior_treatments = [
        PriorTreatment(treatment=t.treatment, start_date=t.start_date, end_date=t.end_date, note=t.note)
        for t in case.prior_treatments
    ]
    db.session.add(referral)
    db.session.flush()
    record(
        "case.referred",
        actor=actor,
        entity=referral,
        changes=diff({}, snapshot(referral, CASE_FIELDS)),
        details={"from_case": case.id},
    )
    record("case.referred_out", actor=actor, entity=case, details={"to_case": referral.id})
    for kind, (collection, _model) in zip(("imaging", "lab", "pathology"), FINDINGS, strict=True):
        for finding in getattr(case, collection):
            copy, columns = _copy(finding)
            getattr(referral, KINDS[kind][2]).append(copy)  # its relationship (`labs` is a view of one)
            db.session.flush()
            record(
                f"{kind}.copied",
                actor=actor,
                entity=copy,
                changes=diff({}, snapshot(copy, columns)),
                details={"case": referral.id, "from_case": case.id, "from_finding": finding.id},
            )
    touch_case(referral)
    db.session.flush()
    return referral
