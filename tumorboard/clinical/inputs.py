"""A rule's inputs in the clinic's words: each input's label, and each value as its vocabulary names it.

A ``Result`` keeps its inputs as the rule received them (vocabulary members, numbers, tuples); a frozen
record keeps them as JSON (plain strings and lists). Both read the same here: "Distant metastases:
liver", "Ki-67 index: 12 %", never a Python name or repr.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from tumorboard.clinical.tnm import Extent
from tumorboard.clinical.vocabularies import (
    Differentiation,
    FdgVsSstr,
    FunctionalSyndrome,
    Histology,
    MetastaticSite,
    PrimarySite,
)

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class InputLabel:
    """How one input is shown: its label, the vocabulary of its values (if any), its unit, and the words
    for yes and no of a yes/no input."""

    label: str
    vocabulary: type[StrEnum] | None = None
    unit: str = ""
    yes_no: tuple[str, str] = ("yes", "no")
    empty: str = NOT_RECORDED  # shown for an empty list


INPUTS: Mapping[str, InputLabel] = {
    "site": InputLabel("Primary site", PrimarySite),
    "size_cm": InputLabel("Tumour size", unit=" cm"),
    "extent": InputLabel("Extent / depth of invasion", Extent),
    "nodes_positive": InputLabel("Regional nodes positive"),
    "mesenteric_mass_cm": InputLabel("Mesenteric mass", unit=" cm"),
    "metastatic_sites": InputLabel("Distant metastases", MetastaticSite, empty="none"),
    "t": InputLabel("T category"),
    "n": InputLabel("N category"),
    "m": InputLabel("M category"),
    "differentiation": InputLabel("Differentiation", Differentiation),
    "histology": InputLabel("Histology", Histology),
    "grade": InputLabel("Grade"),
    "functional_syndrome": InputLabel("Hormone syndrome", FunctionalSyndrome),
    "ki67_percent": InputLabel("Ki-67 index", unit=" %"),
    "mitoses_per_2mm2": InputLabel("Mitoses", unit=" per 2 mm²"),
    "necrosis": InputLabel("Necrosis", yes_no=("present", "absent")),
    "baseline_sum_mm": InputLabel("Baseline sum of target lesions", unit=" mm"),
    "nadir_sum_mm": InputLabel("Smallest sum so far (nadir)", unit=" mm"),
    "current_sum_mm": InputLabel("Current sum of target lesions", unit=" mm"),
    "new_lesions": InputLabel("New lesions"),
    "score": InputLabel("Krenning score"),
    "sstr_positive": InputLabel("SSTR PET uptake", yes_no=("positive", "negative")),
    "fdg_positive": InputLabel("FDG PET uptake", yes_no=("positive", "negative")),
    "fdg_vs_sstr": InputLabel("FDG compared with SSTR uptake", FdgVsSstr),
}
"""Every input a clinical rule reports (the test walks the rules and finds each key here)."""


def _term(value: object, vocabulary: type[StrEnum] | None) -> str:
    """One value as the vocabulary names it; a value the vocabulary no longer knows is shown as written."""
    text = str(value.value) if isinstance(value, StrEnum) else str(value)
    if vocabulary is not None:
        try:
            member = vocabulary(text)
        except ValueError:
            return text
        return str(getattr(member, "label", member.value))
    return text


def _number(value: float | int, unit: str) -> str:
    return f"{value:g}{unit}"


def shown_value(key: str, value: object) -> str:
    """The value of input ``key`` in words (see ``INPUTS``)."""
    spec = INPUTS.get(key, InputLabel(key))
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, bool):
        return spec.yes_no[0] if value else spec.yes_no[1]
    if isinstance(value, int | float):
        return _number(value, spec.unit)
    if isinstance(value, str):
        return _term(value, spec.vocabulary)
    if isinstance(value, Iterable):
        items = [str(item.value) if isinstance(item, StrEnum) else str(item) for item in value]
        if spec.vocabulary is not None:  # in the vocabulary's own order, however the record kept them
            order = {member.value: position for position, member in enumerate(spec.vocabulary)}
            items.sort(key=lambda item: order.get(item, len(order)))
        terms = [_term(item, spec.vocabulary) for item in items]
        return ", ".join(terms) if terms else spec.empty
    return str(value)


def shown_label(key: str) -> str:
    """The label of input ``key``; an input no label was declared for is shown as plain words."""
    spec = INPUTS.get(key)
    return spec.label if spec else key.replace("_", " ").capitalize()


def shown_inputs(inputs: Mapping[str, object]) -> list[tuple[str, str]]:
    """(label, value) of each input, in the rule's order."""
    return [(shown_label(key), shown_value(key, value)) for key, value in inputs.items()]
