"""The access log: every view of patient data, so that "who opened this patient's record?" has an answer
(for the board's coordinators, for the data-protection officer, for a patient's request under GDPR
Art. 15).

A view notes what it shows with `log_access`; the request writes all its notes at commit, in one INSERT,
from values the view has already loaded (no extra reads). Writes are audited in the hash chain; reads go
here, append-only, outside the chain so that reading never waits for the writers' lock.
"""

from collections.abc import Iterable

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from tumorboard.audit.models import AccessEvent, AccessPage, HeldResultAccess
from tumorboard.db import utcnow
from tumorboard.extensions import db

_PENDING = "access_log_rows"
_PENDING_HELD = "held_result_access_rows"


def log_access(
    page: AccessPage, *, cases: Iterable = (), patients: Iterable = (), held_results: Iterable[int] = ()
) -> None:
    """Note that the signed-in user is shown these cases (each with its patient and board) or patients on
    `page`. Cases may be live or frozen (from a snapshot): only their ids are read. `held_results`: the ids
    of results held for a patient TumorBoard does not know (`HeldResultAccess`)."""
    if not has_request_context():
        return
    held = g.setdefault(_PENDING_HELD, set())
    held.update((result_id, page.value) for result_id in held_results)
    rows = g.setdefault(_PENDING, {})
    for case in cases:
        rows.setdefault((case.patient_id, case.id, page.value), case.board_id)
    for patient in patients:
        rows.setdefault((patient.id, None, page.value), None)


def write_access_log(status_code: int) -> None:
    """Called once per request, just before its commit: the notes of a page that was shown, in one
    statement. A refused or failed request showed nothing."""
    rows = g.pop(_PENDING, None)
    held = g.pop(_PENDING_HELD, None)
    if (not rows and not held) or status_code >= 400 or not current_user.is_authenticated:
        return
    now, user_id, request_id = utcnow(), current_user.id, g.get("request_id")
    if held:
        db.session.execute(
            insert(HeldResultAccess),
            [
                {
                    "occurred_at": now,
                    "user_id": user_id,
                    "result_id": result_id,
                    "page": page,
                    "request_id": request_id,
                }
                for result_id, page in sorted(held)
            ],
        )
    if not rows:
        return
    db.session.execute(
        insert(AccessEvent),
        [
            {
                "occurred_at": now,
                "user_id": user_id,
                "patient_id": patient_id,
                "case_id": case_id,
                "board_id": board_id,
                "page": page,
                "request_id": request_id,
            }
            for (patient_id, case_id, page), board_id in rows.items()
        ],
    )


def patient_accesses(patient_id: int, *, board_ids: Iterable[int] | None = None, limit: int = 100):
    """Who opened the patient's record, newest first: through the given boards' cases only, or (None)
    everywhere, for the data-protection officer."""
    stmt = select(AccessEvent).where(AccessEvent.patient_id == patient_id)
    if board_ids is not None:
        stmt = stmt.where(AccessEvent.board_id.in_(sorted(board_ids)))
    return db.session.scalars(
        stmt.options(joinedload(AccessEvent.user))
        .order_by(AccessEvent.occurred_at.desc(), AccessEvent.id.desc())
        .limit(limit)
    ).all()
