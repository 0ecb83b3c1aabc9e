"""What a received HL7 message does, and the coordinator's answers to a result it could not file.

`handle_message` is the listener's one entry: bytes in, the ACK out (in English), in a transaction of its
own. The message's effects go through the patient and finding operations (their validation, their audit),
inside `receive_message`, one operation: all of a message is written, or nothing, and a refusal is answered AE
with the operation's reason. The log row is written in the same transaction; (sender, control id) is
unique, so a message sent again is answered with the ACK it had and writes nothing.
"""

import logging
from collections.abc import Mapping
from dataclasses import replace

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from tumorboard import fields as v
from tumorboard.audit.recording import record
from tumorboard.auth.models import User, find_user_by_email
from tumorboard.auth.roles import Role
from tumorboard.cases.fields import PatientFields
from tumorboard.cases.finding_operations import (
    correct_received_result,
    file_received_result,
    withdraw_received_result,
)
from tumorboard.cases.models import LabStatus, Patient, Withdrawal
from tumorboard.cases.patient_operations import (
    MrnInUse,
    merge_patients,
    patient_by_mrn,
    record_refused_registration,
    register_or_match_patient,
    update_patient,
)
from tumorboard.clinical.labels import N_
from tumorboard.clinical.vocabularies import Analyte
from tumorboard.db import atomic, utcnow
from tumorboard.decisions.operations import flag_changed_result
from tumorboard.errors import OperationError, check_version
from tumorboard.extensions import db
from tumorboard.hl7 import parsing, queries
from tumorboard.hl7.fields import UnmatchedFields
from tumorboard.hl7.models import (
    AckCode,
    Hl7Message,
    MessageOutcome,
    UnmatchedReason,
    UnmatchedResult,
    UnmatchedStatus,
)

log = logging.getLogger(__name__)

# Where in the message a field the operations refused came from (the ERR segment's location).
LOCATIONS = {
    "mrn": "PID-3",
    "family_name": "PID-5",
    "given_name": "PID-5",
    "birth_date": "PID-7",
    "sex": "PID-8",
    "prior_mrn": "MRG-1",
    "value": "OBX-5",
    "unit": "OBX-6",
    "ref_low": "OBX-7",
    "ref_high": "OBX-7",
    "sample_date": "OBX-14",
    "reported_by": "OBX-15",
    "note": "OBX-7",
    "result_status": "OBX-11",
}
# OBX-11 (HL7 table 0085), what each result status does. Filed as a value, kept with its status (R: entered,
# not verified; S: partial; both preliminary until the final one replaces them) …
FILED_STATUSES = {
    "": LabStatus.FINAL,
    "F": LabStatus.FINAL,
    "P": LabStatus.PRELIMINARY,
    "R": LabStatus.PRELIMINARY,
    "S": LabStatus.PRELIMINARY,
}
# … acting on a result filed before, found by its order, code and sub-id (a correction, a withdrawal) …
AMENDING = {"C": "corrects", "D": "deletes", "W": "withdraws (wrong patient)"}
WITHDRAWALS = {"D": Withdrawal.DELETED, "W": Withdrawal.WRONG_PATIENT}
# … or no value at all: the message is answered AE.
NOT_A_VALUE = {
    "X": "the result cannot be obtained",
    "I": "the specimen is in the lab, no result yet",
    "N": "the result is not asked for",
    "U": "a status change without a result",
}
NO_OPEN_CASE = N_("No case of a patient with this MRN is open for findings on your boards.")


class InterfaceNotReady(RuntimeError):
    """HL7_ACCOUNT names no active account with the submitter role: the listener does not start."""


def interface_account() -> User:
    email = current_app.config.get("HL7_ACCOUNT") or ""
    user = find_user_by_email(email) if email else None
    if user is None or not user.active or not user.has_role(Role.SUBMITTER):
        raise InterfaceNotReady(
            "HL7_ACCOUNT must be the e-mail of an active account with the submitter role "
            "(the account the listener registers patients and files results as)."
        )
    return user


def handle_message(raw: bytes) -> str:
    """One message in, its ACK out; commits. Never raises for what a sender sent. The ACK's texts are
    English whatever the hospital's language: the laboratory's system logs them, and its interface
    team reads them (the refusals of the patient and finding operations are catalogue messages)."""
    with force_locale("en"):
        return _handled(raw)


def _handled(raw: bytes) -> str:
    try:
        parsed = parsing.parse(raw)
    except parsing.Rejected as exc:
        return _refused(_header_of(raw), AckCode.AR, exc.reason, exc.code, exc.location)
    header = parsed.header
    actor = interface_account()
    try:
        ack = receive_message(actor, parsed)
        db.session.commit()
    except IntegrityError:
        # The same message on another connection, committed first: its ACK is this one's.
        db.session.rollback()
        stored = queries.logged_message(header.sending_application, header.control_id)
        if stored is None:
            raise
        return stored.ack
    except parsing.Rejected as exc:
        db.session.rollback()
        return _refused(header, AckCode.AR, exc.reason, exc.code, exc.location)
    except OperationError as exc:
        db.session.rollback()
        if isinstance(exc, MrnInUse):
            record_refused_registration(actor, exc.holder_id, purpose="hl7")
            db.session.commit()
        return _refused(header, AckCode.AE, exc.message, "207", LOCATIONS.get(exc.field or "", ""))
    return ack


def _header_of(raw: bytes) -> parsing.Header | None:
    try:
        return parsing.read_header(raw)
    except parsing.Rejected:
        return None


def _refused(
    header: parsing.Header | None, code: AckCode, reason: str, error_code: str, location: str
) -> str:
    try:
        ack = record_refusal(header, code, reason, error_code, location)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        stored = queries.logged_message(header.sending_application, header.control_id) if header else None
        if stored is None:
            raise
        return stored.ack
    return ack


@atomic
def record_refusal(
    header: parsing.Header | None, code: AckCode, reason: str, error_code: str, location: str
) -> str:
    """A message answered AE or AR: its log row, and nothing else."""
    control_id = header.control_id if header and header.control_id else None
    if header is not None and control_id is not None:
        stored = queries.logged_message(header.sending_application, control_id)
        if stored is not None:
            return stored.ack
    ack = parsing.ack(header, code.value, text=reason, error_code=error_code, location=location)
    db.session.add(
        Hl7Message(
            sending_application=header.sending_application if header else None,
            control_id=control_id,
            message_type=header.type_label[:20] if header else "",
            outcome=MessageOutcome.ERROR if code is AckCode.AE else MessageOutcome.REJECTED,
            ack_code=code,
            error=f"{location}: {reason}"[:500] if location else reason[:500],
            ack=ack,
        )
    )
    db.session.flush()
    log.info("hl7 message answered %s (%s)", code.value, error_code)
    return ack


@atomic
def receive_message(actor, parsed: parsing.Parsed) -> str:
    header = parsed.header
    stored = queries.logged_message(header.sending_application, header.control_id)
    if stored is not None:
        return stored.ack
    message = Hl7Message(
        sending_application=header.sending_application,
        control_id=header.control_id,
        message_type=header.type_label[:20],
        outcome=MessageOutcome.PROCESSED,
        ack_code=AckCode.AA,
    )
    db.session.add(message)
    db.session.flush()
    if header.message_type == "ADT":
        text = _patient_event(actor, parsed, message)
    else:
        text = _results(actor, parsed, message)
    message.ack = parsing.ack(header, AckCode.AA.value, text=text)
    db.session.flush()
    log.info("hl7 message %s accepted (%s)", header.type_label, message.outcome.value)
    return message.ack


def _patient_event(actor, parsed: parsing.Parsed, message: Hl7Message) -> str:
    identity = parsing.identity(parsed.message)
    if parsed.header.event == "A40":
        return _merge(actor, identity, parsing.prior_mrn(parsed.message), message)
    data = identity.for_operations()
    patient = patient_by_mrn(data["mrn"].strip().upper())
    if patient is None:
        register_or_match_patient(actor, **data)
        return "Patient registered."
    data["mrn"] = patient.mrn  # an MRN a merge retired names the survivor, who keeps theirs
    update_patient(actor, patient, expected_version=patient.version, **data)
    return "Patient updated."


def _merge(actor, identity: parsing.Identity, prior: str, message: Hl7Message) -> str:
    survivor = patient_by_mrn(identity.mrn.strip().upper())
    if survivor is None:
        raise OperationError("The surviving patient (PID-3) is not registered.", field="mrn")
    prior = prior.strip().upper()
    retired = queries.patient_holding(prior)
    if retired is None:
        if patient_by_mrn(prior) is survivor:
            return "Already merged."
        raise OperationError("The patient to merge (MRG-1) is not registered.", field="prior_mrn")
    if retired.id == survivor.id:
        raise OperationError("MRG-1 names the surviving patient.", field="prior_mrn")
    for item in queries.results_held_for(retired.id):
        item.patient_id = survivor.id
    merge_patients(actor, survivor, retired)
    return "Patients merged."


def _results(actor, parsed: parsing.Parsed, message: Hl7Message) -> str:
    identity = parsing.identity(parsed.message)
    observations = parsing.observations(
        parsed.message, parsing.local_code_table(current_app.config.get("HL7_CODE_TABLE") or "")
    )
    if not observations:
        raise parsing.Rejected("The ORU^R01 holds no OBX segment.", code="100", location="OBX")
    _refuse_what_is_not_a_value(observations)
    patient = patient_by_mrn(identity.mrn.strip().upper())
    cases = [c for c in patient.cases if c.can_file_received_result(actor)] if patient else []
    filed = held = amended = 0
    for observation in observations:
        source = _source(parsed.header, observation)
        if observation.result_status in AMENDING:
            held += _amend(actor, message, identity, patient, observation, source)
            amended += 1
            continue
        reason = _why_held(patient, observation, cases)
        if reason is not None:
            _hold(actor, message, identity, patient, observation, reason)
            held += 1
            continue
        data = _lab_data(observation, observation.analyte)
        status = FILED_STATUSES[observation.result_status]
        for case in cases:
            if file_received_result(actor, case, data, message_id=message.id, source=source, status=status):
                filed += 1
    if held:
        message.outcome = MessageOutcome.HELD
    text = f"{filed} result(s) filed, {held} held for the coordinator."
    return f"{text} {amended} corrected or withdrawn." if amended else text


def _source(header: parsing.Header, observation: parsing.Observation) -> tuple[str, str] | None:
    """The result's name among the laboratory's (`LabResult.source_system`, `source_id`): the order's
    namespace (else the sending application) and the order, code and sub-id; None without an order."""
    key = observation.result_key
    if key is None:
        return None
    return f"urn:hl7v2:{observation.order_namespace or header.sending_application}"[:255], key


def _amend(actor, message, identity, patient: Patient | None, observation, source) -> int:
    """OBX-11 C, D or W on the results filed before under this name, on each of the patient's cases; W
    also holds the result for the coordinator, to be filed for the patient it belongs to. A result not
    held is no guess: the message is answered AE. Returns how many results were held (0 or 1)."""
    verb = AMENDING[observation.result_status]
    targets = queries.received_results(patient.id, source) if patient is not None and source else []
    if not targets:
        order = f"order {observation.order}, " if observation.order else "no order number (OBR-3), "
        raise OperationError(
            f"OBX {observation.position} {verb} a result TumorBoard does not hold ({order}code "
            f"{observation.code}): nothing of this message was written.",
            field="result_status",
        )
    for lab in targets:
        before = lab.shown_value, lab.unit
        if observation.result_status == "C":
            changed = bool(
                correct_received_result(
                    actor, lab, _lab_data(observation, lab.analyte), message_id=message.id
                )
            )
        else:
            why = WITHDRAWALS[observation.result_status]
            changed = withdraw_received_result(actor, lab, why, message_id=message.id)
        if changed:
            flag_changed_result(actor, lab, before=before, message_id=message.id)
    if observation.result_status != "W":
        return 0
    withdrawn = targets[0]
    sent = (
        observation
        if observation.value
        else replace(
            observation, value=withdrawn.typed_value, unit=withdrawn.unit, reference_range=_range(withdrawn)
        )
    )
    _hold(actor, message, identity, patient, sent, UnmatchedReason.WRONG_PATIENT)
    return 1


def _range(lab) -> str:
    """The lab's reference range as OBX-7 writes it ("0-93", "<5" as "-5"); "" without one."""
    if lab.ref_low is None and lab.ref_high is None:
        return ""
    low, high = ("" if limit is None else f"{limit:g}" for limit in (lab.ref_low, lab.ref_high))
    return f"{low}-{high}"


def _refuse_what_is_not_a_value(observations: list[parsing.Observation]) -> None:
    """An OBX whose status says it holds no value to file (X, I, N, U) is never filed as one: the message
    is answered AE with the reason and nothing of it is written."""
    for observation in observations:
        status = observation.result_status
        if status in FILED_STATUSES or status in AMENDING:
            continue
        why = NOT_A_VALUE.get(status, "a result status TumorBoard does not read")
        raise OperationError(
            f"OBX {observation.position} has result status {status} ({why}): not filed; nothing of this "
            "message was written.",
            field="result_status",
        )


def _why_held(patient: Patient | None, observation: parsing.Observation, cases) -> UnmatchedReason | None:
    if patient is None:
        return UnmatchedReason.UNKNOWN_PATIENT
    if observation.analyte is None:
        return UnmatchedReason.UNMAPPED_CODE
    if observation.number is None:
        return UnmatchedReason.NOT_NUMERIC
    if not cases:
        return UnmatchedReason.NO_OPEN_CASE
    return None


def _lab_data(observation, analyte) -> dict:
    low, high, read = parsing.reference_limits(observation.reference_range)
    note = "" if read else f"Reference range as reported: {observation.reference_range}"
    return {
        "analyte": analyte.value if analyte is not None else "",
        "value": observation.number if observation.number is not None else observation.value,
        "comparator": observation.comparator,
        "unit": observation.unit,
        "ref_low": low,
        "ref_high": high,
        "sample_date": observation.observed_on,
        "reported_by": observation.laboratory,
        "note": note,
    }


def _hold(actor, message, identity, patient, observation, reason: UnmatchedReason) -> UnmatchedResult:
    item = UnmatchedResult(
        message_id=message.id,
        reason=reason,
        patient_id=patient.id if patient is not None else None,
        mrn=identity.mrn[:250],
        family_name=identity.family_name[:194],
        given_name=identity.given_name[:194],
        birth_date=identity.birth_date,
        code=observation.code,
        code_text=observation.code_text,
        code_system=observation.code_system,
        analyte=observation.analyte,
        value=observation.value,
        unit=observation.unit,
        reference_range=observation.reference_range,
        observed_on=observation.observed_on,
        laboratory=observation.laboratory,
    )
    db.session.add(item)
    db.session.flush()
    record(
        "hl7.result_held",
        actor=actor,
        entity=item,
        details={"hl7_message": message.id, "reason": reason.value, "obx": observation.position},
    )
    return item


def _check_open(actor, item: UnmatchedResult, expected_version) -> None:
    if not item.can_resolve(actor):
        raise OperationError(_("This result is no longer open for you."))
    check_version(item, expected_version)


def _resolved(actor, item: UnmatchedResult, status: UnmatchedStatus) -> None:
    item.status = status
    item.resolved_by_id = actor.id
    item.resolved_at = utcnow()


@atomic
def match_result(actor, item: UnmatchedResult, *, expected_version: int | None, data: Mapping) -> list[int]:
    """The coordinator names the patient (by MRN) and the marker: the result becomes a finding on each of
    the patient's cases open for findings on the coordinator's boards. Returns the cases' ids."""
    _check_open(actor, item, expected_version)
    cleaned = v.clean_all(UnmatchedFields, data, ("mrn", "analyte"))
    mrn = v.mrn(cleaned["mrn"], current_app.config["MRN_PATTERN"], PatientFields.mrn_hint())
    patient = patient_by_mrn(mrn)
    if patient is None:
        raise OperationError(_(NO_OPEN_CASE), field="mrn")
    if item.reason is UnmatchedReason.WRONG_PATIENT and patient.id == item.patient_id:
        raise OperationError(
            _(
                "The laboratory withdrew this result from this patient's record: "
                "name the patient it belongs to."
            ),
            field="mrn",
        )
    cases = [c for c in patient.cases if c.can_file_received_result(actor)]
    if not cases:
        raise OperationError(_(NO_OPEN_CASE), field="mrn")
    comparator, number = parsing.measure(item.value)
    if number is None:
        raise OperationError(
            _("The value the laboratory sent is not a number: dismiss this result and record it by hand."),
            field="analyte",
        )
    observation = parsing.Observation(
        position=0,
        value_type="NM",
        code=item.code,
        code_text=item.code_text,
        code_system=item.code_system,
        value=item.value,
        unit=item.unit,
        reference_range=item.reference_range,
        observed_on=item.observed_on,
        laboratory=item.laboratory,
        number=number,
        comparator=comparator,
    )
    analyte = Analyte(cleaned["analyte"])
    lab = _lab_data(observation, analyte)
    filed = [case.id for case in cases if file_received_result(actor, case, lab, message_id=item.message_id)]
    item.patient_id = patient.id
    item.analyte = analyte
    _resolved(actor, item, UnmatchedStatus.MATCHED)
    db.session.flush()
    record("hl7.result_matched", actor=actor, entity=item, details={"cases": [c.id for c in cases]})
    return filed


@atomic
def dismiss_result(actor, item: UnmatchedResult, *, expected_version: int | None, reason: str) -> None:
    _check_open(actor, item, expected_version)
    cleaned = v.clean_all(UnmatchedFields, {"reason": reason}, ("reason",))
    item.dismiss_reason = cleaned["reason"]
    _resolved(actor, item, UnmatchedStatus.DISMISSED)
    db.session.flush()
    record("hl7.result_dismissed", actor=actor, entity=item, details={"reason": cleaned["reason"]})
