"""Every cell of the published AJCC 8th edition stage-group tables for the lung (IASLC 8th edition,
Goldstraw et al., J Thorac Oncol 2016, applied by AJCC 8 to lung carcinoids) and the thymus (IASLC/ITMIG,
Detterbeck et al., J Thorac Oncol 2014), written out as the tables print them, and checked against
``stage_group`` (clinical reference, section 2)."""

import pytest

from tumorboard.clinical.staging import MCategory, NCategory, StageGroup, TCategory, stage_group

param = pytest.param
S = StageGroup

# The lung table for M0: one row per T, one column per N (N0, N1, N2, N3).
LUNG_M0 = {
    "T1mi": ("IA1", None, None, None),  # the table lists T1mi only as T1mi N0 M0
    "T1a": ("IA1", "IIB", "IIIA", "IIIB"),
    "T1b": ("IA2", "IIB", "IIIA", "IIIB"),
    "T1c": ("IA3", "IIB", "IIIA", "IIIB"),
    "T2a": ("IB", "IIB", "IIIA", "IIIB"),
    "T2b": ("IIA", "IIB", "IIIA", "IIIB"),
    "T3": ("IIB", "IIIA", "IIIB", "IIIC"),
    "T4": ("IIIA", "IIIA", "IIIB", "IIIC"),
}
LUNG_M1 = {"M1a": "IVA", "M1b": "IVA", "M1c": "IVB"}  # any T, any N
LUNG_N = ("N0", "N1", "N2", "N3")

# The thymus table for M0 and M1a: one row per T, one column per N (N0, N1, N2).
THYMUS = {
    "M0": {
        "T1a": ("I", "IVA", "IVB"),
        "T1b": ("I", "IVA", "IVB"),
        "T2": ("II", "IVA", "IVB"),
        "T3": ("IIIA", "IVA", "IVB"),
        "T4": ("IIIB", "IVA", "IVB"),
    },
    "M1a": dict.fromkeys(("T1a", "T1b", "T2", "T3", "T4"), ("IVA", "IVA", "IVB")),
    "M1b": dict.fromkeys(("T1a", "T1b", "T2", "T3", "T4"), ("IVB", "IVB", "IVB")),
}
THYMUS_N = ("N0", "N1", "N2")


def _lung_cells():
    for t, groups in LUNG_M0.items():
        for n, group in zip(LUNG_N, groups, strict=True):
            yield param(t, n, "M0", group or "not staged", id=f"{t} {n} M0")
        for m, group in LUNG_M1.items():
            for n in LUNG_N:
                yield param(t, n, m, group, id=f"{t} {n} {m}")


def _thymus_cells():
    for m, rows in THYMUS.items():
        for t, groups in rows.items():
            for n, group in zip(THYMUS_N, groups, strict=True):
                yield param(t, n, m, group, id=f"{t} {n} {m}")


@pytest.mark.parametrize(("t", "n", "m", "group"), list(_lung_cells()))
def test_lung_stage_group_table(t, n, m, group):
    result = stage_group("lung", t, n, m)
    assert result.category == StageGroup(group)
    assert "AJCC 8" in result.rule
    assert dict(result.inputs) == {
        "site": "lung",
        "t": TCategory(t),
        "n": NCategory(n),
        "m": MCategory(m),
    }


@pytest.mark.parametrize(("t", "n", "m", "group"), list(_thymus_cells()))
def test_thymus_stage_group_table(t, n, m, group):
    result = stage_group("thymus", t, n, m)
    assert result.category == StageGroup(group)
    assert result.rule.startswith("AJCC 8 thymus stage groups (IASLC/ITMIG")


def test_the_tables_cover_every_category():
    assert len(list(_lung_cells())) == 8 * 4 * 4
    assert len(list(_thymus_cells())) == 5 * 3 * 3


@pytest.mark.parametrize(
    ("site", "t", "n", "m", "message"),
    [
        param("lung", "T1", "N0", "M0", "T1 is not a T category for lung.", id="lung T1"),
        param("lung", "T2", "N0", "M0", "T2 is not a T category for lung.", id="lung T2"),
        param("thymus", "T1c", "N0", "M0", "T1c is not a T category for thymus.", id="thymus T1c"),
        param("thymus", "T1a", "N3", "M0", "N3 is not an N category for thymus.", id="thymus N3"),
        param("thymus", "T1a", "N0", "M1c", "M1c is not an M category for thymus.", id="thymus M1c"),
        param("lung", "T1a", "N0", "M2", "Unknown M category 'M2'.", id="lung M2"),
    ],
)
def test_categories_outside_the_tables_are_refused(site, t, n, m, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        stage_group(site, t, n, m)
