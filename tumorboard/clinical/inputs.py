"""A rule's inputs in the clinic's words: each input's label, and each value as its vocabulary names it.

A ``Result`` keeps its inputs as the rule received them (vocabulary members, numbers, tuples); a frozen
record keeps them as JSON (plain strings and lists). Both read the same here: "Distant metastases:
liver", "Ki-67 index: 12 %", never a Python name or repr.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from tumorboard.clinical.labels import N_, number, translated
from tumorboard.clinical.tnm import Extent
from tumorboard.clinical.vocabularies import (
    Differentiation,
    FdgVsSstr,
    FunctionalSyndrome,
    Histology,
    MetastaticSite,
    PrimarySite,
)

NOT_RECORDED = N_("not recorded")


@dataclass(frozen=True)
class InputLabel:
    """How one input is shown: its label, the vocabulary of its values (if any), its unit, and the words
    for yes and no of a yes/no input."""

    label: str
    vocabulary: type[StrEnum] | None = None
    unit: str = ""  # a symbol (cm, %) or words (per 2 mm²), written after the number
    yes_no: tuple[str, str] = (N_("yes"), N_("no"))
    empty: str = NOT_RECORDED  # shown for an empty list


INPUTS: Mapping[str, InputLabel] = {
    "site": InputLabel(N_("Primary site"), PrimarySite),
    "size_cm": InputLabel(N_("Tumour size"), unit="cm"),
    "extent": InputLabel(N_("Extent / depth of invasion"), Extent),
    "nodes_positive": InputLabel(N_("Regional nodes positive")),
    "mesenteric_mass_cm": InputLabel(N_("Mesenteric mass"), unit="cm"),
    "metastatic_sites": InputLabel(N_("Distant metastases"), MetastaticSite, empty=N_("none recorded")),
    "t": InputLabel(N_("T category")),
    "n": InputLabel(N_("N category")),
    "m": InputLabel(N_("M category")),
    "differentiation": InputLabel(N_("Differentiation"), Differentiation),
    "histology": InputLabel(N_("Histology"), Histology),
    "grade": InputLabel(N_("Grade")),
    "functional_syndrome": InputLabel(N_("Hormone syndrome"), FunctionalSyndrome),
    "ki67_percent": InputLabel(N_("Ki-67 index"), unit="%"),
    "mitoses_per_2mm2": InputLabel(N_("Mitoses"), unit=N_("per 2 mm²")),
    "necrosis": InputLabel(N_("Necrosis"), yes_no=(N_("present"), N_("absent"))),
    "baseline_sum_mm": InputLabel(N_("Baseline sum of target lesions"), unit="mm"),
    "nadir_sum_mm": InputLabel(N_("Smallest sum so far (nadir)"), unit="mm"),
    "current_sum_mm": InputLabel(N_("Current sum of target lesions"), unit="mm"),
    "new_lesions": InputLabel(N_("New lesions")),
    "score": InputLabel(N_("Krenning score")),
    "sstr_positive": InputLabel(N_("SSTR PET uptake"), yes_no=(N_("positive"), N_("negative"))),
    "fdg_positive": InputLabel(N_("FDG PET uptake"), yes_no=(N_("positive"), N_("negative"))),
    "fdg_vs_sstr": InputLabel(N_("FDG compared with SSTR uptake"), FdgVsSstr),
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
    return f"{number(value)} {translated(unit)}" if unit else number(value)


def shown_value(key: str, value: object) -> str:
    """The value of input ``key`` in words, in the reader's language (see ``INPUTS``)."""
    spec = INPUTS.get(key, InputLabel(key))
    if value is None or value == "":
        return translated(NOT_RECORDED)
    if isinstance(value, bool):
        return translated(spec.yes_no[0] if value else spec.yes_no[1])
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
        return ", ".join(terms) if terms else translated(spec.empty)
    return str(value)


def shown_label(key: str) -> str:
    """The label of input ``key``; an input no label was declared for is shown as plain words."""
    spec = INPUTS.get(key)
    return translated(spec.label) if spec else key.replace("_", " ").capitalize()


def shown_inputs(inputs: Mapping[str, object]) -> list[tuple[str, str]]:
    """(label, value) of each input, in the rule's order."""
    return [(shown_label(key), shown_value(key, value)) for key, value in inputs.items()]
