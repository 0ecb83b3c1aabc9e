"""Real MLLP round trips over TCP against the listener: the ADT and ORU^R01 messages of HL7 v2.5's
examples, resent ones, and broken ones, each answered with its ACK and (when refused) nothing written."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import give_function
from tests.hl7.conftest import INTERFACE, ack_code, read_ack, segment
from tests.hl7.messages import a40, adt, frame, hl7_date, oru
from tumorboard.audit.models import AuditEvent
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board
from tumorboard.cases.models import Case, CaseStatus, LabResult, Patient, PatientAlias, PatientRegistration
from tumorboard.clinical.vocabularies import Analyte
from tumorboard.errors import OperationError
from tumorboard.extensions import db
from tumorboard.hl7 import operations as hl7_operations
from tumorboard.hl7.models import AckCode, Hl7Message, MessageOutcome, UnmatchedReason, UnmatchedResult

TABLES = (Patient, LabResult, UnmatchedResult, PatientAlias, AuditEvent)


def counts(app) -> dict[str, int]:
    with app.app_context():
        found = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES}
        db.session.remove()
        return found


def _board_with_case(app, *, mrn: str, status=CaseStatus.SUBMITTED):
    with app.app_context():
        board = factories.create_board()
        submitter = factories.create_user(roles=[Role.SUBMITTER], boards=[board])
        patient = factories.create_patient(mrn=mrn, created_by=submitter, birth_date=date(1962, 3, 20))
        case = factories.create_case(submitter=submitter, board=board, patient=patient, status=status)
        ids = board.id, patient.id, case.id
        db.session.remove()
        return ids


def test_a01_registers_a04_registers_and_a08_updates_through_the_patient_operations(listener):
    ack = listener.send(adt("A01", "000001", mrn="191919"))
    assert ack_code(ack) == "AA"
    assert segment(ack, "MSA")[2] == "000001"
    assert segment(ack, "MSH")[8] == "ACK^A01^ACK"
    assert (
        ack_code(listener.send(adt("A04", "000002", mrn="282828", family="EVERYWOMAN", given="EVE", sex="F")))
        == "AA"
    )
    assert ack_code(listener.send(adt("A08", "000003", mrn="191919", family="MASSEY"))) == "AA"
    with listener.app.app_context():
        james = db.session.scalar(select(Patient).where(Patient.mrn == "191919"))
        assert (james.family_name, james.given_name, james.birth_date, james.sex) == (
            "MASSEY",
            "JAMES",
            date(1956, 1, 29),
            "male",
        )
        eve = db.session.scalar(select(Patient).where(Patient.mrn == "282828"))
        assert (eve.family_name, eve.sex) == ("EVERYWOMAN", "female")
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions.count("patient.registered") == 2 and actions.count("patient.updated") == 1
        updated = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patient.updated"))
        assert updated.actor_label == INTERFACE
        assert json.loads(updated.changes_json) == {
            "family_name": ["MASSIE", "MASSEY"],
            "name_key": None,
        } or ("family_name" in json.loads(updated.changes_json))
        log = db.session.scalars(select(Hl7Message).order_by(Hl7Message.id)).all()
        assert [(m.message_type, m.control_id, m.ack_code, m.outcome) for m in log] == [
            ("ADT^A01", "000001", AckCode.AA, MessageOutcome.PROCESSED),
            ("ADT^A04", "000002", AckCode.AA, MessageOutcome.PROCESSED),
            ("ADT^A08", "000003", AckCode.AA, MessageOutcome.PROCESSED),
        ]
        assert all("191919" not in m.error and "MASS" not in m.error for m in log)


def test_a_refused_identity_is_answered_ae_with_the_reason_and_writes_nothing(listener):
    before = counts(listener.app)
    future = hl7_date(date.today() + timedelta(days=30))
    ack = listener.send(adt("A01", "000010", mrn="393939", born=future))
    assert ack_code(ack) == "AE"
    assert "birth date" in segment(ack, "MSA")[3]
    err = segment(ack, "ERR")
    assert err[2] == "PID^1^7" and err[3].startswith("207^")
    ack = listener.send(adt("A01", "000011", mrn="x!", born="19560129"))
    assert ack_code(ack) == "AE" and "MRN" in segment(ack, "MSA")[3]
    assert counts(listener.app) == before
    with listener.app.app_context():
        errors = db.session.scalars(select(Hl7Message.error).order_by(Hl7Message.id)).all()
        assert errors[0].startswith("PID-7: ") and "393939" not in errors[0]
        assert all("x!" not in e for e in errors)


def test_oru_files_cga_and_5hiaa_on_the_patients_open_case_with_unit_range_and_date(listener):
    _board, _patient, case_id = _board_with_case(listener.app, mrn="555444")
    observed = date.today() - timedelta(days=3)
    ack = listener.send(oru("CNTRL-3456", mrn="555444", observed=observed))
    assert ack_code(ack) == "AA", ack
    assert "2 result(s) filed" in segment(ack, "MSA")[3]
    with listener.app.app_context():
        labs = db.session.scalars(
            select(LabResult).where(LabResult.case_id == case_id).order_by(LabResult.id)
        ).all()
        assert [
            (r.analyte, r.value, r.unit, r.ref_low, r.ref_high, r.sample_date, r.reported_by) for r in labs
        ] == [
            (Analyte.CHROMOGRANIN_A, 182.0, "ng/mL", 0.0, 93.0, observed, "GHH LAB"),
            (Analyte.URINE_5HIAA, 14.2, "mg/24 h", 2.0, 8.0, observed, "GHH LAB"),
        ]
        added = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lab.added")).all()
        assert len(added) == 2 and all(e.actor_label == INTERFACE for e in added)
        assert {json.loads(e.details_json)["case"] for e in added} == {case_id}


def test_a_message_sent_again_is_answered_with_the_same_ack_and_writes_nothing(listener):
    _board_with_case(listener.app, mrn="555445")
    message = oru("RESEND-1", mrn="555445")
    first = listener.send(message)
    after_first = counts(listener.app)
    again = listener.send(message)
    assert again == first
    assert counts(listener.app) == after_first
    with listener.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Hl7Message)) == 1


def test_results_of_an_unknown_patient_or_an_unmapped_code_wait_in_the_work_list(listener):
    when = hl7_date(date.today() - timedelta(days=2))
    ack = listener.send(oru("UNK-1", mrn="999888"))
    assert ack_code(ack) == "AA" and "2 held" in segment(ack, "MSA")[3]
    _board_with_case(listener.app, mrn="555446")
    ack = listener.send(
        oru(
            "UNMAPPED-1",
            mrn="555446",
            obx=[f"OBX|1|NM|XYZ-1^Pancreastatin^LOCAL||120|pmol/L|<135|N|||F|||{when}"],
        )
    )
    assert ack_code(ack) == "AA" and "0 result(s) filed, 1 held" in segment(ack, "MSA")[3]
    with listener.app.app_context():
        held = db.session.scalars(select(UnmatchedResult).order_by(UnmatchedResult.id)).all()
        assert [(h.reason, h.mrn, h.code, h.value, h.unit) for h in held] == [
            (UnmatchedReason.UNKNOWN_PATIENT, "999888", "9811-1", "182", "ng/mL"),
            (UnmatchedReason.UNKNOWN_PATIENT, "999888", "1695-6", "14.2", "mg/24 h"),
            (UnmatchedReason.UNMAPPED_CODE, "555446", "XYZ-1", "120", "pmol/L"),
        ]
        assert held[0].patient_id is None and held[2].patient_id is not None
        assert held[2].reference_range == "<135"
        outcomes = db.session.scalars(select(Hl7Message.outcome).order_by(Hl7Message.id)).all()
        assert outcomes == [MessageOutcome.HELD, MessageOutcome.HELD]
        assert db.session.scalar(select(func.count()).select_from(LabResult)) == 0


def test_a_local_code_table_maps_the_laboratorys_own_codes(listener, tmp_path):
    table = tmp_path / "codes.csv"
    table.write_text("system,code,analyte\nLOCAL,GAS,gastrin\n")
    listener.app.config["HL7_CODE_TABLE"] = str(table)
    _b, _p, case_id = _board_with_case(listener.app, mrn="555447")
    when = hl7_date(date.today() - timedelta(days=1))
    ack = listener.send(
        oru("LOCAL-1", mrn="555447", obx=[f"OBX|1|NM|GAS^Gastrin^LOCAL||410|pg/mL|13-115|H|||F|||{when}"])
    )
    assert ack_code(ack) == "AA" and "1 result(s) filed" in ack
    with listener.app.app_context():
        lab = db.session.scalar(select(LabResult).where(LabResult.case_id == case_id))
        assert (lab.analyte, lab.value, lab.ref_low, lab.ref_high) == (Analyte.GASTRIN, 410.0, 13.0, 115.0)


def test_a40_merges_two_mrns_and_the_retired_one_resolves_to_the_survivor(listener):
    board_id, survivor_id, survivor_case = _board_with_case(listener.app, mrn="MR100001")
    _b2, retired_id, retired_case = _board_with_case(listener.app, mrn="MR100002")
    when = hl7_date(date.today() - timedelta(days=2))
    unmapped = [f"OBX|1|NM|PST^Pancreastatin^LOCAL||120|pmol/L|<135|N|||F|||{when}"]
    assert "1 held" in listener.send(oru("BEFORE-MERGE", mrn="MR100002", obx=unmapped))
    with listener.app.app_context():
        retired_submitter = db.session.get(Patient, retired_id).cases[0].submitter_id
        db.session.remove()
    ack = listener.send(a40("00000003", survivor="MR100001", retired="MR100002"))
    assert ack_code(ack) == "AA", ack
    with listener.app.app_context():
        assert db.session.get(Patient, retired_id) is None
        assert db.session.scalar(select(UnmatchedResult.patient_id)) == survivor_id
        registered = db.session.scalars(
            select(PatientRegistration.user_id).where(PatientRegistration.patient_id == survivor_id)
        ).all()
        assert retired_submitter in registered
        survivor = db.session.get(Patient, survivor_id)
        assert sorted(c.id for c in survivor.cases) == sorted([survivor_case, retired_case])
        assert db.session.get(PatientAlias, "MR100002").patient_id == survivor_id
        merged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patient.merged"))
        assert json.loads(merged.details_json) == {"cases": [retired_case], "retired_patient": retired_id}
        db.session.remove()
    assert ack_code(listener.send(a40("00000004", survivor="MR100001", retired="MR100002"))) == "AA"
    ack = listener.send(oru("AFTER-MERGE", mrn="MR100002"))
    assert "4 result(s) filed" in ack  # two markers on each of the survivor's two open cases
    with listener.app.app_context():
        labs = db.session.scalars(select(LabResult.case_id)).all()
        assert sorted(set(labs)) == sorted([survivor_case, retired_case])
    ack = listener.send(a40("00000005", survivor="MR100001", retired="MR999999"))
    assert ack_code(ack) == "AE" and segment(ack, "ERR")[2] == "MRG^1^1"


def test_a_discussed_case_takes_no_result_the_patient_without_an_open_case_is_held(listener):
    _b, _p, case_id = _board_with_case(listener.app, mrn="555448", status=CaseStatus.DISCUSSED)
    ack = listener.send(oru("DISCUSSED-1", mrn="555448"))
    assert ack_code(ack) == "AA" and "2 held" in ack
    with listener.app.app_context():
        reasons = db.session.scalars(select(UnmatchedResult.reason)).all()
        assert reasons == [UnmatchedReason.NO_OPEN_CASE] * 2


BROKEN = {
    "missing MSH": ("PID|||555-44-4444^^^GHH^MR||EVERYWOMAN^EVE", "AR", "MSH"),
    "wrong encoding characters": (
        "MSH|^~\\#|GHH LAB|ELAB-3|TB|BLDG4|200202150930||ORU^R01|BAD-ENC|P|2.5\rPID|||1",
        "AR",
        "MSH-2",
    ),
    "unknown event": (adt("A01", "EVT-1", mrn="191920").replace("ADT^A01^", "ADT^A03^"), "AR", "MSH-9"),
    "unknown message type": ("MSH|^~\\&|SCH|X|TB|Y|200202150930||SIU^S12|SIU-1|P|2.5\rSCH|1", "AR", "MSH-9"),
    "no control id": (
        "MSH|^~\\&|GHH LAB|ELAB-3|TB|BLDG4|200202150930||ORU^R01||P|2.5\rPID|||1",
        "AR",
        "MSH-10",
    ),
    "no PID": (
        "MSH|^~\\&|GHH LAB|ELAB-3|TB|BLDG4|200202150930||ORU^R01|NOPID|P|2.5\rOBX|1|NM|9811-1^CgA^LN||1",
        "AR",
        "PID",
    ),
    "no OBX": (oru("NOOBX", mrn="555444", obx=[" "]).rsplit("\r", 1)[0], "AR", "OBX"),
    "garbage bytes": (bytes(range(256)) * 3, "AR", ""),
    "not the character set MSH-18 names": (
        (
            "MSH|^~\\&|REGADT|MCM|TB|MCM|199901061000||ADT^A01|CS-1|P|2.5||||||UNICODE UTF-8"
            "\rPID|||191960^^^G^MR||M\xfcller"
        ).encode("latin-1"),
        "AR",
        "",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_message_is_answered_with_ar_and_writes_nothing(listener, name):
    message, code, where = BROKEN[name]
    before = counts(listener.app)
    ack = listener.send(message)
    assert ack_code(ack) == code
    assert segment(ack, "MSA")[3]  # the reason
    if where:
        name, _, number = where.partition("-")
        assert segment(ack, "ERR")[2] == (f"{name}^1^{number}" if number else name)
    assert counts(listener.app) == before
    with listener.app.app_context():
        logged = db.session.scalar(select(Hl7Message).order_by(Hl7Message.id.desc()))
        assert logged.ack_code == AckCode.AR and logged.ack == ack


def test_a_message_over_the_limit_is_refused_without_being_read_whole(listener):
    before = counts(listener.app)
    big = oru("BIG-1", mrn="555444") + "\rNTE|1||" + "A" * (1024 * 1024)
    with listener.connect() as sock:

        def send() -> None:
            with contextlib.suppress(OSError):  # the listener hangs up long before the megabyte is sent
                sock.sendall(frame(big))

        sender = threading.Thread(target=send)
        sender.start()
        ack = read_ack(sock)
        assert ack_code(ack) == "AR" and "longer than" in segment(ack, "MSA")[3]
        sock.settimeout(5)
        try:
            closed = sock.recv(10) == b""
        except ConnectionResetError:
            closed = True
        assert closed  # and the connection is closed
        sender.join(10)
    assert counts(listener.app) == before
    assert ack_code(listener.send(adt("A01", "AFTER-BIG", mrn="191930"))) == "AA"


def test_a_truncated_frame_or_unframed_bytes_are_not_answered_and_write_nothing(listener):
    before = counts(listener.app)
    with listener.connect() as sock:
        sock.sendall(b"\x0b" + adt("A01", "CUT-1", mrn="191931").encode()[:60])
        sock.shutdown(1)  # the sender goes away mid-frame
        assert sock.recv(10) == b""
    with listener.connect() as sock:
        sock.sendall(b"no frame at all")  # never framed: closed at the read timeout
        sock.settimeout(10)
        assert sock.recv(10) == b""
    with listener.connect() as sock:
        sock.sendall(b"MSH|^~\\&|not framed\x1c\r")  # an end without a start
        ack = read_ack(sock)
        assert ack_code(ack) == "AR"
    after = counts(listener.app)
    assert after == before
    assert ack_code(listener.send(adt("A01", "AFTER-CUT", mrn="191932"))) == "AA"


def test_a_latin_1_message_as_msh_18_says_keeps_its_umlauts(listener):
    message = adt("A01", "LATIN-1", mrn="191950", family="M\u00dcLLER", given="J\u00dcRGEN").replace(
        "|P|2.5\r", "|P|2.5||||||8859/1\r", 1
    )
    assert ack_code(listener.send(message.encode("latin-1"))) == "AA"
    with listener.app.app_context():
        patient = db.session.scalar(select(Patient).where(Patient.mrn == "191950"))
        assert (patient.family_name, patient.given_name) == ("M\u00dcLLER", "J\u00dcRGEN")


def test_many_connections_at_once_are_each_answered(listener):
    results: dict[int, str] = {}

    def one(n: int) -> None:
        results[n] = listener.send(adt("A01", f"MANY-{n}", mrn=f"77{n:04d}"))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == list(range(16))
    assert {ack_code(a) for a in results.values()} == {"AA"}
    with listener.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Patient)) == 16


def test_two_connections_sending_the_same_message_at_once_write_it_once(listener):
    """The unique index on (sender, control id) holds the rule when two connections race (PostgreSQL:
    two transactions in parallel; SQLite serialises them)."""
    _board_with_case(listener.app, mrn="555449")
    message = oru("RACE-1", mrn="555449")
    barrier = threading.Barrier(2)
    acks: list[str] = []

    def send() -> None:
        with listener.connect() as sock:
            barrier.wait()
            acks.append(listener.send(message, sock))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(acks) == 2 and acks[0] == acks[1] and ack_code(acks[0]) == "AA"
    with listener.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Hl7Message)) == 1
        assert db.session.scalar(select(func.count()).select_from(LabResult)) == 2


def test_the_command_listens_on_a_free_port_and_stops_cleanly_on_sigterm(hl7_app):
    env = {
        **os.environ,
        "TUMORBOARD_CONFIG": "development",
        "DATABASE_URL": hl7_app.config["SQLALCHEMY_DATABASE_URI"],
        "HL7_ACCOUNT": INTERFACE,
    }
    process = subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "tumorboard",
            "hl7",
            "listen",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Listening for HL7 on 127.0.0.1:"), line
        port = int(line.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(frame(adt("A01", "CLI-1", mrn="191940")))
            assert ack_code(read_ack(sock)) == "AA"
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        process.stdout.close()
    with hl7_app.app_context():
        assert db.session.scalar(select(Patient).where(Patient.mrn == "191940")) is not None


def test_the_command_refuses_to_start_without_the_interface_account_or_with_a_broken_code_table(
    isolated_app, tmp_path
):
    app = isolated_app(HL7_ACCOUNT="")
    result = app.test_cli_runner().invoke(args=["hl7", "listen", "--port", "0"])
    assert result.exit_code != 0 and "HL7_ACCOUNT" in result.output
    with app.app_context():
        factories.create_user(roles=[Role.COORDINATOR], email="not-an-interface@hospital.org")
        factories.create_user(roles=[Role.SUBMITTER], email=INTERFACE)
    app.config["HL7_ACCOUNT"] = "not-an-interface@hospital.org"
    result = app.test_cli_runner().invoke(args=["hl7", "listen", "--port", "0"])
    assert result.exit_code != 0 and "submitter role" in result.output
    table = tmp_path / "codes.csv"
    table.write_text("system,code,analyte\nLOCAL,X,not_a_marker\n")
    app.config.update(HL7_ACCOUNT=INTERFACE, HL7_CODE_TABLE=str(table))
    result = app.test_cli_runner().invoke(args=["hl7", "listen", "--port", "0"])
    assert result.exit_code != 0 and "HL7_CODE_TABLE" in result.output and "not a marker" in result.output


@pytest.mark.parametrize("status", ["X", "I", "N", "U", "Q"])
def test_a_result_that_holds_no_value_is_answered_ae_and_nothing_is_filed(listener, status):
    _board, _patient, case_id = _board_with_case(listener.app, mrn="616161")
    when = hl7_date(date.today() - timedelta(days=2))
    obx = [
        f"OBX|1|NM|9811-1^Chromogranin A^LN||182|ng/mL|0-93|H|||F|||{when}0730|GHH^GHH LAB",
        f"OBX|2|NM|1695-6^5-HIAA 24 h urine^LN||14.2|mg/24 h|2-8|H|||{status}|||{when}0730|GHH^GHH LAB",
    ]
    before = counts(listener.app)
    ack = listener.send(oru(f"STATUS-{status}", mrn="616161", obx=obx))
    assert ack_code(ack) == "AE", ack
    assert f"OBX 2 has result status {status}" in segment(ack, "MSA")[3]
    assert segment(ack, "ERR")[2].startswith("OBX")
    assert counts(listener.app) == before  # not the final OBX 1 either: all of a message, or nothing


CGA = "9811-1^Chromogranin A^LN"


def _cga(value: str, status: str, when: str) -> str:
    return f"OBX|1|NM|{CGA}||{value}|ng/mL|0-93|H|||{status}|||{when}0730|GHH^GHH LAB"


def _labs(app, case_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(LabResult.value, LabResult.status, LabResult.withdrawal, LabResult.source_id)
            .where(LabResult.case_id == case_id)
            .order_by(LabResult.id)
        ).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def _lab_events(app, action: str) -> list[dict]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).all()
        found = [e.changes for e in events]
        db.session.remove()
        return found


def test_a_preliminary_result_is_kept_as_such_and_the_final_one_replaces_it(listener):
    """OBX-11 P (and R, S), then F for the same order and code: one result, its value and status those
    of the final one, the preliminary value in the audit trail (lab.updated, before → after)."""
    _board, _patient, case_id = _board_with_case(listener.app, mrn="626262")
    when = hl7_date(date.today() - timedelta(days=2))
    assert ack_code(listener.send(oru("PREL-1", mrn="626262", obx=[_cga("182", "P", when)]))) == "AA"
    assert _labs(listener.app, case_id) == [(182.0, "preliminary", None, "1045813|LN|9811-1|")]
    assert ack_code(listener.send(oru("PREL-2", mrn="626262", obx=[_cga("190", "F", when)]))) == "AA"
    assert _labs(listener.app, case_id) == [(190.0, "final", None, "1045813|LN|9811-1|")]
    updated = _lab_events(listener.app, "lab.updated")
    assert updated[-1]["value"] == [182.0, 190.0] and updated[-1]["status"] == ["preliminary", "final"]
    # the final one sent again under a new control id records nothing more
    before = counts(listener.app)
    assert ack_code(listener.send(oru("PREL-3", mrn="626262", obx=[_cga("190", "F", when)]))) == "AA"
    assert counts(listener.app) == before


def _filed_then(listener, mrn: str, tag: str, value: str, status: str) -> tuple[tuple[int, int, int], str]:
    """A final chromogranin A of 182 filed for a new case of `mrn`, then an OBX of `status` for the same
    order and code: the case's (board, patient, case) ids and the second message's ACK."""
    ids = _board_with_case(listener.app, mrn=mrn)
    when = hl7_date(date.today() - timedelta(days=2))
    assert ack_code(listener.send(oru(f"{tag}-1", mrn=mrn, obx=[_cga("182", "F", when)]))) == "AA"
    return ids, listener.send(oru(f"{tag}-2", mrn=mrn, obx=[_cga(value, status, when)]))


def test_a_correction_corrects_the_filed_result_and_keeps_its_history(listener):
    (_board, _patient, case_id), ack = _filed_then(listener, "627272", "CORR", "128", "C")
    assert ack_code(ack) == "AA", ack
    assert "1 corrected or withdrawn" in segment(ack, "MSA")[3]
    assert _labs(listener.app, case_id) == [(128.0, "corrected", None, "1045813|LN|9811-1|")]
    corrected = _lab_events(listener.app, "lab.corrected")
    assert corrected[-1]["value"] == [182.0, 128.0] and corrected[-1]["status"] == ["final", "corrected"]


def test_a_deletion_withdraws_the_result_and_never_deletes_it(listener):
    (_board, _patient, case_id), ack = _filed_then(listener, "628282", "DEL", "", "D")
    assert ack_code(ack) == "AA", ack
    when = hl7_date(date.today() - timedelta(days=2))
    assert _labs(listener.app, case_id) == [(182.0, "withdrawn", "deleted", "1045813|LN|9811-1|")]
    with listener.app.app_context():
        case = db.session.get(Case, case_id)
        assert case.labs == [] and [lab.value for lab in case.withdrawn_labs] == [182.0]
        db.session.remove()
    assert _lab_events(listener.app, "lab.withdrawn")[-1]["withdrawal"] == [None, "deleted"]
    # withdrawn twice: the second one changes nothing and is still answered AA
    before = counts(listener.app)
    assert ack_code(listener.send(oru("DEL-3", mrn="628282", obx=[_cga("", "D", when)]))) == "AA"
    assert counts(listener.app) == before


def test_a_result_sent_for_the_wrong_patient_is_withdrawn_and_waits_in_the_work_list(listener):
    (board_id, patient_id, case_id), ack = _filed_then(listener, "629292", "WRONG", "", "W")
    assert ack_code(ack) == "AA", ack
    assert _labs(listener.app, case_id) == [(182.0, "withdrawn", "wrong_patient", "1045813|LN|9811-1|")]
    with listener.app.app_context():
        held = db.session.scalars(select(UnmatchedResult).where(UnmatchedResult.mrn == "629292")).one()
        assert (held.reason, held.patient_id, held.value, held.unit, held.reference_range) == (
            UnmatchedReason.WRONG_PATIENT,
            patient_id,
            "182",
            "ng/mL",
            "0-93",
        )
        assert db.session.get(Hl7Message, held.message_id).outcome is MessageOutcome.HELD
        # the coordinator files it for the patient it belongs to, never back on the one it was withdrawn from
        board = db.session.get(Board, board_id)
        coordinator = give_function(
            factories.create_user(roles=[Role.COORDINATOR], boards=[board]), board, coordinator=True
        )
        right = factories.create_patient(mrn="639393", created_by=coordinator)
        right_case = factories.create_case(
            submitter=coordinator, board=board, patient=right, status=CaseStatus.SUBMITTED
        )
        db.session.commit()
        with pytest.raises(OperationError, match="withdrew this result from this patient"):
            hl7_operations.match_result(
                coordinator,
                held,
                expected_version=held.version,
                data={"mrn": "629292", "analyte": Analyte.CHROMOGRANIN_A.value},
            )
        db.session.rollback()
        filed = hl7_operations.match_result(
            coordinator,
            held,
            expected_version=held.version,
            data={"mrn": "639393", "analyte": Analyte.CHROMOGRANIN_A.value},
        )
        db.session.commit()
        assert filed == [right_case.id]
        db.session.remove()


@pytest.mark.parametrize("status", ["C", "D", "W"])
def test_a_correction_or_withdrawal_of_a_result_not_held_is_answered_ae(listener, status):
    """Not filed before (another order, or a patient whose results were never filed), or no order number
    to find it by: AE with the reason, nothing written, nothing guessed."""
    _board, _patient, case_id = _board_with_case(listener.app, mrn="646464")
    when = hl7_date(date.today() - timedelta(days=2))
    assert ack_code(listener.send(oru(f"NT-{status}-0", mrn="646464", obx=[_cga("182", "F", when)]))) == "AA"
    before = counts(listener.app)
    other_order = oru(f"NT-{status}-1", mrn="646464", obx=[_cga("128", status, when)]).replace(
        "1045813^GHH LAB", "2222222^GHH LAB"
    )
    ack = listener.send(other_order)
    assert ack_code(ack) == "AE", ack
    assert "a result TumorBoard does not hold (order 2222222, code 9811-1)" in segment(ack, "MSA")[3]
    assert segment(ack, "ERR")[2] == "OBX^1^11"
    no_order = oru(f"NT-{status}-2", mrn="646464", obx=[_cga("128", status, when)]).replace(
        "|845439^GHH OE|1045813^GHH LAB|", "|||"
    )
    ack = listener.send(no_order)
    assert ack_code(ack) == "AE" and "no order number (OBR-3)" in segment(ack, "MSA")[3], ack
    ack = listener.send(oru(f"NT-{status}-3", mrn="999111", obx=[_cga("128", status, when)]))
    assert ack_code(ack) == "AE", ack
    assert counts(listener.app) == before
    assert _labs(listener.app, case_id) == [(182.0, "final", None, "1045813|LN|9811-1|")]


def test_a_censored_result_is_filed_with_its_comparator_over_mllp(listener):
    """OBX-5 "<2" (NM as laboratories send it) and SN "<^5" (HL7 v2.5 2.A.71: comparator^number): the
    comparator is kept beside the number; an SN range (1^-^5) is no one value and is held."""
    _board, _patient, case_id = _board_with_case(listener.app, mrn="636363")
    when = hl7_date(date.today() - timedelta(days=2))
    obx = [
        f"OBX|1|NM|9811-1^Chromogranin A^LN||<2|ng/mL|0-93||||F|||{when}0730|GHH^GHH LAB",
        f"OBX|2|SN|2333-3^Gastrin^LN||>=^1000|pg/mL|13-115|H|||F|||{when}0730|GHH^GHH LAB",
        f"OBX|3|SN|2338-2^Glucagon^LN||^5|pg/mL|||||F|||{when}0730|GHH^GHH LAB",
        f"OBX|4|SN|3125-2^VIP^LN||^1^-^5|pg/mL|||||F|||{when}0730|GHH^GHH LAB",
    ]
    ack = listener.send(oru("CENSORED-1", mrn="636363", obx=obx))
    assert ack_code(ack) == "AA", ack
    with listener.app.app_context():
        filed = db.session.execute(
            select(LabResult.analyte, LabResult.comparator, LabResult.value)
            .where(LabResult.case_id == case_id)
            .order_by(LabResult.id)
        ).all()
        assert [tuple(row) for row in filed] == [
            (Analyte.CHROMOGRANIN_A, "<", 2.0),
            (Analyte.GASTRIN, ">=", 1000.0),
            (Analyte.GLUCAGON, None, 5.0),
        ]
        (held,) = db.session.scalars(select(UnmatchedResult).where(UnmatchedResult.code == "3125-2")).all()
        assert (held.reason, held.value) == (UnmatchedReason.NOT_NUMERIC, "1-5")
