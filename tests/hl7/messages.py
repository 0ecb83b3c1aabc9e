"""Example messages, written after the examples of HL7 v2.5 (chapter 3, patient administration: ADT^A01,
A04, A08, A40; chapter 7, observation reporting: ORU^R01), with the hospital's MRN format and the tumour
markers of a NET board, and broken ones."""

from datetime import date, timedelta

VT, FS, CR = b"\x0b", b"\x1c", b"\r"


def frame(text: str | bytes) -> bytes:
    body = text.encode() if isinstance(text, str) else text
    return VT + body + FS + CR


def hl7_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def adt(event: str, control_id: str, *, mrn: str, family="MASSIE", given="JAMES", born="19560129", sex="M"):
    structure = {"A01": "ADT_A01", "A04": "ADT_A01", "A08": "ADT_A01"}[event]
    return "\r".join(
        [
            f"MSH|^~\\&|REGADT|MCM|TUMORBOARD|MCM|199901061000||ADT^{event}^{structure}|{control_id}|P|2.5",
            f"EVN|{event}|199901061000||||199901061000",
            f"PID|||{mrn}^^^GENHOS^MR~371-66-9256^^^USSSA^SS|253763|{family}^{given}^A||{born}|{sex}"
            '|||171 ZOBERLEIN^^ISHPEMING^MI^49849^""^||(900)485-5344|(900)485-5344||S|C',
            "PV1|1|I|2000^2012^01||||004777^LEBAUER^SIDNEY^J.|||SUR||||ADM|A0|",
        ]
    )


def a40(control_id: str, *, survivor: str, retired: str) -> str:
    return "\r".join(
        [
            f"MSH|^~\\&|REGADT|MCM|TUMORBOARD|MCM|200301051530|SEC|ADT^A40^ADT_A39|{control_id}|P|2.5",
            "EVN|A40|200301051530",
            f"PID|||{survivor}^^^XYZ^MR||EVERYWOMAN^EVE",
            f"MRG|{retired}^^^XYZ^MR",
        ]
    )


def oru(control_id: str, *, mrn: str, observed: date | None = None, obx: list[str] | None = None) -> str:
    when = hl7_date(observed or date.today() - timedelta(days=3))
    results = obx or [
        f"OBX|1|NM|9811-1^Chromogranin A^LN||182|ng/mL|0-93|H|||F|||{when}0730|GHH^GHH LAB",
        f"OBX|2|NM|1695-6^5-HIAA 24 h urine^LN||14.2|mg/24 h|2-8|H|||F|||{when}0730|GHH^GHH LAB",
    ]
    return "\r".join(
        [
            f"MSH|^~\\&|GHH LAB|ELAB-3|TUMORBOARD|BLDG4|200202150930||ORU^R01^ORU_R01|{control_id}|P|2.5",
            f"PID|||{mrn}^^^GHH^MR||EVERYWOMAN^EVE^E^^^^L|JONES|19620320|F",
            f"OBR|1|845439^GHH OE|1045813^GHH LAB|NETMARK^NET markers|||{when}0730",
            *results,
        ]
    )
