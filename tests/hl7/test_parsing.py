"""The reading of a message without the network: reference ranges, the local code table, the header
checks, the ACK's escaping."""

import hl7
import pytest

from tests.hl7.messages import oru
from tumorboard.clinical.vocabularies import Analyte
from tumorboard.hl7 import parsing


@pytest.mark.parametrize(
    "text, limits",
    [
        ("2-8", (2.0, 8.0, True)),
        ("0.5 - 3.0", (0.5, 3.0, True)),
        ("<93", (None, 93.0, True)),
        ("<= 5", (None, 5.0, True)),
        ("≥ 0.5", (0.5, None, True)),
        ("", (None, None, True)),
        ("negative", (None, None, False)),
        ("8-2-1", (None, None, False)),
    ],
)
def test_reference_ranges_as_laboratories_write_them(text, limits):
    assert parsing.reference_limits(text) == limits


def test_the_local_code_table_maps_a_laboratorys_codes_and_refuses_a_broken_file(tmp_path):
    table = tmp_path / "codes.csv"
    table.write_text("system,code,analyte\nlocal,VIP,vip\nL,NSE1,nse\n")
    assert parsing.local_code_table(str(table)) == {("LOCAL", "VIP"): Analyte.VIP, ("L", "NSE1"): Analyte.NSE}
    table.write_text("system,code,analyte\nLOCAL,XX,no_such_marker\n")
    with pytest.raises(ValueError, match="not a marker"):
        parsing.local_code_table(str(table))
    table.write_text("code;analyte\nXX;vip\n")
    with pytest.raises(ValueError, match="header"):
        parsing.local_code_table(str(table))
    assert parsing.local_code_table("") == {}


def test_an_observation_carries_code_value_unit_range_date_and_laboratory():
    message = parsing.parse(oru("P-1", mrn="555444").encode()).message
    first, second = parsing.observations(message, {})
    assert (first.analyte, first.number, first.unit, first.ref_low, first.ref_high) == (
        Analyte.CHROMOGRANIN_A,
        182.0,
        "ng/mL",
        0.0,
        93.0,
    )
    assert second.analyte is Analyte.URINE_5HIAA and second.laboratory == "GHH LAB"
    assert first.observed_on is not None


def test_the_ack_escapes_the_reason_and_names_the_position():
    header = parsing.read_header(oru("P-2", mrn="555444").encode())
    ack = parsing.ack(header, "AE", text="a|b^c&d~e\\f", error_code="207", location="OBX-5")
    msh, msa, err = ack.rstrip("\r").split("\r")
    assert msh.split("|")[8] == "ACK^R01^ACK" and msh.split("|")[4] == "GHH LAB"
    assert msa.split("|")[:3] == ["MSA", "AE", "P-2"]
    assert msa.split("|")[3] == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f"
    assert err.split("|")[2] == "OBX^1^5" and err.split("|")[3].startswith("207^")


@pytest.mark.parametrize(
    "code, analyte",
    [
        ("9811-1", Analyte.CHROMOGRANIN_A),
        ("1695-6", Analyte.URINE_5HIAA),
        ("2333-3", Analyte.GASTRIN),
        ("2338-2", Analyte.GLUCAGON),
        ("3125-2", Analyte.VIP),
        ("27057-9", Analyte.SEROTONIN),
        ("2940-5", Analyte.SEROTONIN),
        ("2141-0", Analyte.ACTH),
        ("15060-7", Analyte.NSE),
    ],
)
def test_the_markers_loinc_codes_are_read(code, analyte):
    """The codes of docs/clinical-reference.md ("LOINC codes"); the HL7 table once had 1695-2 and 2333-9."""
    message = hl7.parse(oru("L1", mrn="123456", obx=[f"OBX|1|NM|{code}^marker^LN||5|pg/mL|||||F"]))
    assert [o.analyte for o in parsing.observations(message, {})] == [analyte]


@pytest.mark.parametrize("code", ["1695-2", "2333-9"])
def test_a_mistyped_loinc_code_is_not_guessed(code):
    message = hl7.parse(oru("L1", mrn="123456", obx=[f"OBX|1|NM|{code}^marker^LN||5|pg/mL|||||F"]))
    assert [o.analyte for o in parsing.observations(message, {})] == [None]
