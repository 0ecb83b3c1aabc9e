"""Reading an HL7 v2 message (python-hl7 parses it) into what TumorBoard uses, and writing the ACK.

A message that cannot be read at all (no MSH, other encoding characters, an event we do not take) is a
`Rejected` (AR); a message whose content cannot be used (a field the operations refuse) is answered AE
by the operations. Nothing here reads the database.
"""

import contextlib
import csv
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import hl7
from hl7.exceptions import HL7Exception

from tumorboard.clinical.vocabularies import Analyte, analyte_of_loinc
from tumorboard.db import utcnow

ENCODING_CHARACTERS = "^~\\&"
# The events TumorBoard takes, by message type.
SUPPORTED = {
    "ADT": frozenset({"A01", "A04", "A08", "A40"}),
    "ORU": frozenset({"R01"}),
}
LOINC_SYSTEMS = frozenset({"LN", "LOINC"})
SEXES = {"F": "female", "M": "male", "O": "other", "A": "other", "N": "other", "U": "unknown", "": "unknown"}
RANGE = re.compile(r"^\s*(?P<low>\d+(?:\.\d+)?)?\s*(?:-\s*(?P<high>\d+(?:\.\d+)?))?\s*$")
# A censored value in OBX-5 (NM or ST written "<2", "> 1000"); SN carries it in its first component.
LEADING_COMPARATOR = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*")
COMPARATORS = {"<": "<", "<=": "<=", "≤": "<=", ">": ">", ">=": ">=", "≥": ">="}
BOUND = re.compile(r"^\s*(?P<op><=?|>=?)\s*(?P<limit>\d+(?:\.\d+)?)\s*$")


class Rejected(Exception):
    """The message cannot be used as a message (AR). `location` is the HL7 position, e.g. "MSH-9"."""

    def __init__(self, reason: str, *, code: str = "207", location: str = ""):
        super().__init__(reason)
        self.reason, self.code, self.location = reason, code, location


@dataclass(frozen=True)
class Header:
    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    message_type: str = ""
    event: str = ""
    control_id: str = ""
    processing_id: str = "P"
    version: str = "2.5"

    @property
    def type_label(self) -> str:
        return f"{self.message_type}^{self.event}" if self.event else self.message_type


@dataclass(frozen=True)
class Identity:
    """PID (or MRG) as the hospital sent it, in the words of the patient operations."""

    mrn: str
    family_name: str = ""
    given_name: str = ""
    birth_date: date | None = None
    sex: str = "unknown"

    def for_operations(self) -> dict:
        return {
            "mrn": self.mrn,
            "family_name": self.family_name,
            "given_name": self.given_name,
            "birth_date": self.birth_date,
            "sex": self.sex,
        }


@dataclass(frozen=True)
class Observation:
    """One OBX of an ORU^R01."""

    position: int
    value_type: str
    code: str
    code_text: str
    code_system: str
    value: str
    unit: str
    reference_range: str
    observed_on: date | None
    laboratory: str
    number: float | None = None
    comparator: str | None = None  # "<", "<=", ">=", ">" of a censored value ("<2"); None: the value itself
    ref_low: float | None = None
    ref_high: float | None = None
    analyte: Analyte | None = field(default=None)
    result_status: str = ""  # OBX-11 (HL7 table 0085): F final, P preliminary, C corrected, X, D, W …
    # which result this is, for a later message that corrects or withdraws it: the order (the filler's
    # number, OBR-3, else the placer's, OBR-2, with its namespace) and OBX-4's sub-id
    order: str = ""
    order_namespace: str = ""
    sub_id: str = ""

    @property
    def result_key(self) -> str | None:
        """The result's identifier among the sender's: order, code and sub-id; None without an order."""
        if not self.order:
            return None
        return "|".join((self.order, self.code_system, self.code, self.sub_id))[:255]


@dataclass(frozen=True)
class Parsed:
    header: Header
    message: hl7.Message


# MSH-18 (HL7 table 0211) and the codec it names; empty: the hospital's interfaces send UTF-8.
CHARACTER_SETS = {
    "": "utf-8",
    "UNICODE UTF-8": "utf-8",
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "8859/15": "iso8859-15",
}


def _character_set(raw: bytes) -> str:
    first = raw.split(b"\r", 1)[0].split(b"\n", 1)[0]
    fields = first.split(b"|")
    named = fields[17].decode("ascii", "replace").split("~")[0].strip().upper() if len(fields) > 17 else ""
    if named not in CHARACTER_SETS:
        raise Rejected(
            f"MSH-18 names a character set not taken here ({named[:20]}).", code="102", location="MSH-18"
        )
    return CHARACTER_SETS[named]


def _text(raw: bytes) -> str:
    codec = _character_set(raw)
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        raise Rejected(f"The message is not {codec} text, as MSH-18 says.", code="102") from None
    if "\x00" in text:
        raise Rejected("The message holds NUL characters.", code="102")
    return text.replace("\r\n", "\r").replace("\n", "\r").strip("\r")


def read_header(raw: bytes) -> Header:
    """MSH alone, read by hand, so that even a message python-hl7 cannot parse is answered to its sender
    with its control id. Refuses a message without MSH or with other encoding characters."""
    text = _text(raw)
    if not text.startswith("MSH"):
        raise Rejected("The message does not begin with an MSH segment.", code="100", location="MSH")
    if text[3:4] != "|":
        raise Rejected("MSH-1, the field separator, must be |.", code="102", location="MSH-1")
    first = text.split("\r", 1)[0]
    fields = first.split("|")
    if len(fields) < 2 or fields[1] != ENCODING_CHARACTERS:
        raise Rejected("MSH-2, the encoding characters, must be ^~\\&.", code="102", location="MSH-2")

    def part(index: int) -> str:
        return fields[index] if index < len(fields) else ""

    kind = part(8).split("^")
    return Header(
        sending_application=part(2)[:227],
        sending_facility=part(3)[:227],
        receiving_application=part(4)[:227],
        receiving_facility=part(5)[:227],
        message_type=kind[0][:3],
        event=(kind[1] if len(kind) > 1 else "")[:3],
        control_id=part(9)[:199],
        processing_id=part(10)[:3] or "P",
        version=part(11)[:8] or "2.5",
    )


def parse(raw: bytes) -> Parsed:
    header = read_header(raw)
    if not header.control_id:
        raise Rejected("MSH-10, the message control id, is empty.", code="101", location="MSH-10")
    if header.message_type not in SUPPORTED:
        raise Rejected(
            f"Message type {header.message_type or '(none)'} is not taken here.", code="200", location="MSH-9"
        )
    if header.event not in SUPPORTED[header.message_type]:
        raise Rejected(f"Event {header.type_label} is not taken here.", code="201", location="MSH-9")
    try:
        message = hl7.parse(_text(raw))
    except (HL7Exception, ValueError, IndexError) as exc:
        raise Rejected(f"The message cannot be parsed ({type(exc).__name__}).", code="100") from None
    return Parsed(header, message)


def _get(segment, field_no: int, component: int = 1, repetition: int = 1) -> str:
    try:
        value = segment(field_no)
    except (IndexError, KeyError):
        return ""
    with contextlib.suppress(IndexError, TypeError):
        value = value(repetition)
    try:
        value = value(component)
    except (IndexError, TypeError):
        if component != 1:
            return ""
    return str(value).strip()


def _repetitions(segment, field_no: int) -> int:
    try:
        value = segment(field_no)
    except (IndexError, KeyError):
        return 0
    return len(value) if isinstance(value, hl7.Repetition) else 1


def segment(message: hl7.Message, name: str, location: str):
    try:
        return message.segment(name)
    except KeyError:
        raise Rejected(f"The message has no {name} segment.", code="100", location=location) from None


def _hl7_date(value: str, location: str) -> date | None:
    digits = value.strip()[:8]
    if not digits:
        return None
    try:
        return datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        raise Rejected(f"{location} is not a date (YYYYMMDD).", code="102", location=location) from None


def _medical_record_number(segment, field_no: int, location: str) -> str:
    """The repetition whose identifier type (CX.5) is MR, else the first."""
    count = _repetitions(segment, field_no)
    for repetition in range(1, count + 1):
        if _get(segment, field_no, 5, repetition) == "MR":
            return _get(segment, field_no, 1, repetition)
    mrn = _get(segment, field_no, 1, 1) if count else ""
    if not mrn:
        raise Rejected(f"{location} names no patient identifier.", code="101", location=location)
    return mrn


def identity(message: hl7.Message) -> Identity:
    pid = segment(message, "PID", "PID")
    sex = _get(pid, 8).upper()
    return Identity(
        mrn=_medical_record_number(pid, 3, "PID-3"),
        family_name=_get(pid, 5, 1),
        given_name=_get(pid, 5, 2),
        birth_date=_hl7_date(_get(pid, 7), "PID-7"),
        sex=SEXES.get(sex, "unknown"),
    )


def prior_mrn(message: hl7.Message) -> str:
    mrg = segment(message, "MRG", "MRG")
    return _medical_record_number(mrg, 1, "MRG-1")


def number(value: str) -> float | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def measure(value: str) -> tuple[str | None, float | None]:
    """A result as laboratories write it: "182", "<2", ">= 1000" (the comparator and the number), or
    (None, None) for what is no number."""
    comparator = None
    found = LEADING_COMPARATOR.match(value)
    if found:
        comparator = COMPARATORS[found.group(1)]
        value = value[found.end() :]
    result = number(value)
    return (comparator, result) if result is not None else (None, None)


def _structured_numeric(seg) -> str:
    """OBX-5 of type SN (comparator^number^separator^number) as text, "<2" or "2": a range or ratio
    ("1^-^5", "1^:^128") is not one value, and is kept as the laboratory sent it, to be held."""
    comparator, first, separator, second = (_get(seg, 5, n) for n in (1, 2, 3, 4))
    if separator or second:
        return f"{comparator}{first}{separator}{second}"
    return f"{comparator}{first}"


def reference_limits(text: str) -> tuple[float | None, float | None, bool]:
    """OBX-7 as the lab wrote it ("2-8", "<93", ">0.5", "≤ 5"): the limits, and whether it was read."""
    text = text.strip().replace("≤", "<=").replace("≥", ">=")
    if not text:
        return None, None, True
    bound = BOUND.match(text)
    if bound:
        limit = float(bound["limit"])
        return (None, limit, True) if bound["op"].startswith("<") else (limit, None, True)
    span = RANGE.match(text)
    if span and span["low"] and span["high"]:
        return float(span["low"]), float(span["high"]), True
    return None, None, False


def observations(message: hl7.Message, local_codes: dict[tuple[str, str], Analyte]) -> list[Observation]:
    """Each OBX with the marker its code maps to (LOINC, else the local code table), its value, unit and
    the lab's reference range; the observation date from OBX-14, else OBR-7."""
    header_facility = _get(message.segment("MSH"), 4)
    found: list[Observation] = []
    current_obr_date: date | None = None
    order, namespace = "", ""
    for seg in message:
        name = str(seg[0])
        if name == "OBR":
            current_obr_date = _hl7_date(_get(seg, 7), "OBR-7")
            field = 3 if _get(seg, 3, 1) else 2  # the filler's order number, else the placer's
            order, namespace = _get(seg, field, 1)[:100], _get(seg, field, 2)[:100]
            continue
        if name != "OBX":
            continue
        position = len(found) + 1
        code, code_text, system = _get(seg, 3, 1), _get(seg, 3, 2), _get(seg, 3, 3)
        value_type = _get(seg, 2).upper()
        value = _structured_numeric(seg) if value_type == "SN" else _get(seg, 5)
        comparator, measured = measure(value)
        unit = _get(seg, 6, 1) or _get(seg, 6, 2)
        reference = _get(seg, 7)
        low, high, _read = reference_limits(reference)
        observed = _hl7_date(_get(seg, 14), f"OBX-14 (OBX {position})") or current_obr_date
        if system.upper() in LOINC_SYSTEMS:
            analyte = analyte_of_loinc(code) or local_codes.get((system.upper(), code))
        else:
            analyte = local_codes.get((system.upper(), code))
        found.append(
            Observation(
                position=position,
                value_type=value_type,
                code=code[:250],
                code_text=code_text[:250],
                code_system=system[:40],
                value=value[:250],
                unit=unit[:250],
                reference_range=reference[:60],
                observed_on=observed,
                laboratory=(_get(seg, 15, 2) or _get(seg, 15, 1) or header_facility)[:250],
                number=measured,
                comparator=comparator,
                ref_low=low,
                ref_high=high,
                analyte=analyte,
                result_status=_get(seg, 11).strip().upper()[:1],
                order=order,
                order_namespace=namespace,
                sub_id=_get(seg, 4)[:20],
            )
        )
    return found


@lru_cache(maxsize=4)
def _load_table(path: str, _mtime: float) -> dict[tuple[str, str], Analyte]:
    table: dict[tuple[str, str], Analyte] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), 2):
            try:
                system, code, analyte = (
                    row["system"].strip().upper(),
                    row["code"].strip(),
                    row["analyte"].strip(),
                )
            except (KeyError, AttributeError):
                raise ValueError(f"{path}: the header must be system,code,analyte") from None
            if not system or not code:
                raise ValueError(f"{path}, line {number}: a system and a code are needed")
            try:
                table[(system, code)] = Analyte(analyte)
            except ValueError:
                raise ValueError(
                    f"{path}, line {number}: {analyte!r} is not a marker of TumorBoard"
                ) from None
    return table


def local_code_table(path: str) -> dict[tuple[str, str], Analyte]:
    """The laboratory's own codes (`HL7_CODE_TABLE`, a CSV file of system,code,analyte the admin edits),
    read again when the file changes."""
    if not path:
        return {}
    return _load_table(path, Path(path).stat().st_mtime)


def ack(header: Header | None, code: str, *, text: str = "", error_code: str = "", location: str = "") -> str:
    """The ACK (HL7 v2.5 2.9.2): MSH back to the sender, MSA with the code and the message's control id,
    and for AE/AR an ERR with the position, the HL7 error code (table 0357) and the reason."""
    header = header or Header()
    now = utcnow().strftime("%Y%m%d%H%M%S")
    msh = "|".join(
        [
            "MSH",
            ENCODING_CHARACTERS,
            "TUMORBOARD",
            header.receiving_facility,
            header.sending_application,
            header.sending_facility,
            now,
            "",
            f"ACK^{header.event}^ACK" if header.event else "ACK",
            hl7.generate_message_control_id(),
            header.processing_id or "P",
            "2.5",
        ]
    )
    segments = [msh, "|".join(["MSA", code, header.control_id, _escape(text)])]
    if code != "AA":
        where = _error_location(location)
        segments.append("|".join(["ERR", "", where, f"{error_code or '207'}^{_escape(text)}^HL70357", "E"]))
    return "\r".join(segments) + "\r"


def _error_location(location: str) -> str:
    """ERR-2 (ERL): segment^sequence^field, e.g. "PID-7" is PID^1^7."""
    if not location:
        return ""
    name, _, number = location.partition("-")
    return f"{name}^1^{number}" if number.isdigit() else name[:3]


def _escape(text: str) -> str:
    """A reason in an HL7 field: its delimiters escaped (v2.5 2.7.4)."""
    return (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
        .replace("\r", " ")
    )[:200]
