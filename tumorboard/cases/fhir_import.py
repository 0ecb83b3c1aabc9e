"""Findings from the hospital's systems: a FHIR R4 Bundle read into one case's findings.

`plan_import` reads the bundle and says what it would do (create, update, leave unchanged), writing
nothing; every value goes through the same cleaning as a typed finding, so a value out of a field's range
is refused here, with the field's own message. `import_bundle` plans again under the writers' lock and
writes through the findings' operations (validation, audit, versions). Each imported finding keeps its
source (the FHIR resource's identifier system and value, or else its full URL, or else its type and id):
a second import of the same resource updates that finding instead of adding a copy, and a unique index
holds it against a raced one.

What is read: the Patient (it must carry the case's MRN, and the case patient's birth date if it gives
one; its names and sex are shown beside the record's and differences flagged, never written unless the
confirm asks to update the patient's details from the Bundle, through `update_patient`), Observations with
a measured value by LOINC code (the markers the board records: `Analyte.loinc`, `LOINC_ALSO`) as
laboratory results, DiagnosticReports of pathology or imaging, and ImagingStudies (by their
DICOM modality). Conditions, care plans and the like are listed as not imported. Anything else, or anything
the board cannot read without guessing (an unknown LOINC code, a PET without its tracer), refuses the
whole bundle with a message that names the entry, never the patient.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tumorboard.audit.recording import json_value, record
from tumorboard.cases import finding_operations, patient_operations
from tumorboard.cases.fields import FhirImportFields
from tumorboard.cases.models import Case, Sex
from tumorboard.clinical.vocabularies import (
    Analyte,
    Comparator,
    Differentiation,
    ImagingModality,
    SpecimenType,
    analyte_of_loinc,
)
from tumorboard.db import atomic
from tumorboard.errors import OperationError, check_version
from tumorboard.i18n import in_sentence
from tumorboard.timezones import format_number

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"  # diagnostic service section
V2_0074_OLD = "http://hl7.org/fhir/v2/0074"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
MAX_ENTRIES = 500
MAX_SOURCE = 255

BUNDLE_TYPES = frozenset({"collection", "searchset", "document", "transaction", "batch"})
IMPORTED = frozenset({"Patient", "Observation", "DiagnosticReport", "ImagingStudy"})
# what a hospital's bundle (or this app's own export) also carries: the board records these itself
NOT_IMPORTED = frozenset(
    {
        "Condition",
        "CarePlan",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Encounter",
        "Specimen",
        "Media",
        "ServiceRequest",
        "OperationOutcome",
        "Provenance",
    }
)
READ_STATUSES = frozenset({"final", "amended", "corrected", "preliminary", "registered", "available"})

PATHOLOGY_SECTIONS = frozenset({"PAT", "SP", "CP", "CY"})
IMAGING_SECTIONS = frozenset({"RAD", "CT", "NMR", "NMS", "RUS", "VUS", "OUS", "CUS"})
PATHOLOGY_LOINC = frozenset({"11526-1", "60568-3", "22637-3", "60567-5"})
SNOMED_RADIOLOGY = "394914008"
SNOMED_PATHOLOGY = "394915009"
# report codes that name the modality (SNOMED CT procedures)
SNOMED_MODALITY = {
    "77477000": ImagingModality.CT,  # Computerized axial tomography
    "113091000": ImagingModality.MRI,  # Magnetic resonance imaging
    "16310003": ImagingModality.ULTRASOUND,  # Ultrasonography
    "45036003": ImagingModality.ULTRASOUND,  # Ultrasonography of abdomen
}
DICOM_MODALITY = {
    "CT": ImagingModality.CT,
    "MR": ImagingModality.MRI,
    "US": ImagingModality.ULTRASOUND,
    "ES": ImagingModality.ENDOSCOPY,
}
KIND_LABELS = {
    "lab": _l("Laboratory result"),
    "imaging": _l("Imaging study"),
    "pathology": _l("Pathology report"),
}


class BundleRefused(OperationError):
    """The bundle cannot be imported; `problems` says why, one line per entry at fault."""

    def __init__(self, problems: list[str]):
        super().__init__(
            _(
                "The bundle was not imported: %(problem)s",
                problem=" ".join(problems[:1]) + (" …" if len(problems) > 1 else ""),
            ),
            field="bundle",
        )
        self.problems = problems


@dataclass
class Planned:
    """One finding the import would create or update."""

    kind: str  # "lab", "imaging" or "pathology"
    source: tuple[str, str]
    data: dict[str, Any]  # as a form would give it; `cleaned` as the operation stores it
    cleaned: dict[str, Any]
    label: str
    existing: Any = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def action(self) -> str:
        if self.existing is None:
            return "create"
        return "update" if self.changes else "unchanged"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


PATIENT_LABELS = {
    "family_name": "family name",
    "given_name": "given name",
    "birth_date": "birth date",
    "sex": "sex",
}
FHIR_GENDERS = {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.OTHER, "unknown": Sex.UNKNOWN}


@dataclass
class PatientComparison:
    """The Bundle's Patient beside the record's: what each says, and where they differ. The hospital's
    patient index is the source, but the record is only changed on an explicit choice."""

    record: dict[str, Any]
    bundle: dict[str, Any]  # only what the Bundle gives (a name, a birth date, a gender)

    @property
    def differences(self) -> dict[str, tuple[Any, Any]]:
        return {
            name: (self.record[name], value)
            for name, value in self.bundle.items()
            if _differs(self.record[name], value)
        }

    def rows(self) -> list[tuple[str, Any, Any, bool]]:
        """(label, record's, bundle's or None, whether they differ) for the preview."""
        differences = self.differences
        return [
            (label, self.record[name], self.bundle.get(name), name in differences)
            for name, label in PATIENT_LABELS.items()
        ]

    def updated_details(self) -> dict[str, Any]:
        """The record's identity with the Bundle's names and sex, as `update_patient` takes it."""
        data = dict(self.record, **{n: v for n, v in self.bundle.items() if n != "birth_date"})
        return {**data, "sex": data["sex"].value if isinstance(data["sex"], Sex) else data["sex"]}


def _differs(held: Any, given: Any) -> bool:
    if isinstance(held, str) and isinstance(given, str):
        return held.strip().casefold() != given.strip().casefold()
    return held != given


@dataclass
class ImportPlan:
    items: list[Planned]
    not_imported: list[str]  # "2 × Condition: recorded by the board itself"
    patient: PatientComparison | None = None

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)


# Reading --------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _codings(concept: Any) -> list[tuple[str, str, str]]:
    return [
        (_text(c.get("system")), _text(c.get("code")), _text(c.get("display")))
        for c in _list(_dict(concept).get("coding"))
        if isinstance(c, dict)
    ]


def _concept_text(concept: Any) -> str:
    concept = _dict(concept)
    return _text(concept.get("text")) or next((d for _, _, d in _codings(concept) if d), "")


def _day(value: Any) -> date | None:
    """The day of a FHIR date, dateTime or instant, as the source wrote it (its own time zone)."""
    text = _text(value)
    if len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _when(resource: dict, *names: str) -> date | None:
    for name in names:
        value = resource.get(name)
        day = _day(_dict(value).get("start")) if isinstance(value, dict) else _day(value)
        if day is not None:
            return day
    return None


def _performer(resource: dict) -> str:
    return next(
        (_text(p.get("display")) for p in _list(resource.get("performer")) if _text(_dict(p).get("display"))),
        "",
    )


def _source(resource: dict, full_url: str) -> tuple[str, str] | None:
    for ident in _list(resource.get("identifier")):
        system, value = _text(_dict(ident).get("system")), _text(_dict(ident).get("value"))
        if system and value:
            return system, value
    if full_url:
        return "urn:ietf:rfc:3986", full_url
    if _text(resource.get("id")):
        return "fhir-resource", f"{resource['resourceType']}/{resource['id'].strip()}"
    return None


@dataclass
class _Entry:
    number: int  # 1-based, as the messages name it
    resource: dict
    full_url: str

    @property
    def kind(self) -> str:
        return self.resource["resourceType"]

    @property
    def name(self) -> str:
        return _("Entry %(number)d (%(kind)s)", number=self.number, kind=self.kind)

    def refs(self) -> set[str]:
        """The references by which other entries may point at this one."""
        refs = {self.full_url} if self.full_url else set()
        ident = _text(self.resource.get("id"))
        if ident:
            refs |= {f"{self.kind}/{ident}", f"urn:uuid:{ident}"}
        return refs


def _entries(text: str) -> list[_Entry]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BundleRefused(
            [
                _(
                    "This is not JSON (line %(line)s, column %(column)s): "
                    "export the record from the hospital's system as FHIR JSON.",
                    line=getattr(exc, "lineno", "?"),
                    column=getattr(exc, "colno", "?"),
                )
            ]
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise BundleRefused([_("This JSON is not a FHIR resource: it has no resourceType.")])
    if data["resourceType"] != "Bundle":
        raise BundleRefused(
            [_("This is a FHIR %(kind)s, not a Bundle: import a Bundle.", kind=data["resourceType"][:40])]
        )
    if data.get("type") not in BUNDLE_TYPES:
        raise BundleRefused(
            [
                _(
                    "A Bundle of type %(type)s is not read: send a collection, searchset, "
                    "document, transaction or batch.",
                    type=repr(str(data.get("type"))[:40]),
                )
            ]
        )
    raw = data.get("entry")
    if not isinstance(raw, list) or not raw:
        raise BundleRefused([_("The Bundle has no entries.")])
    if len(raw) > MAX_ENTRIES:
        raise BundleRefused(
            [
                _(
                    "The Bundle has %(count)d entries; at most %(most)d are read at once.",
                    count=len(raw),
                    most=MAX_ENTRIES,
                )
            ]
        )
    entries, problems = [], []
    for number, entry in enumerate(raw, 1):
        resource = _dict(_dict(entry).get("resource"))
        kind = resource.get("resourceType")
        if not isinstance(kind, str):
            problems.append(_("Entry %(number)d has no resource with a resourceType.", number=number))
            continue
        if kind not in IMPORTED | NOT_IMPORTED:
            problems.append(
                _(
                    "Entry %(number)d is a %(kind)s: TumorBoard imports Patient, Observation, "
                    "DiagnosticReport and ImagingStudy only.",
                    number=number,
                    kind=kind[:40],
                )
            )
            continue
        entries.append(_Entry(number, resource, _text(_dict(entry).get("fullUrl"))))
    if problems:
        raise BundleRefused(problems)
    return entries


def _human_name(resource: dict) -> dict[str, str]:
    """The Patient's official name (else its usual one, else the first), as family and given names."""
    names = [_dict(n) for n in _list(resource.get("name"))]
    name = next(
        (n for use in ("official", "usual") for n in names if n.get("use") == use),
        names[0] if names else {},
    )
    found = {
        "family_name": _text(name.get("family")),
        "given_name": " ".join(g for g in map(_text, _list(name.get("given"))) if g),
    }
    return {key: value for key, value in found.items() if value}


def _compare_patient(case: Case, resource: dict) -> PatientComparison:
    held = case.patient
    record = {
        "family_name": held.family_name,
        "given_name": held.given_name,
        "birth_date": held.birth_date,
        "sex": held.sex,
        "mrn": held.mrn,
    }
    bundle: dict[str, Any] = _human_name(resource)
    born = _day(resource.get("birthDate"))
    if born is not None:
        bundle["birth_date"] = born
    gender = FHIR_GENDERS.get(_text(resource.get("gender")))
    if gender is not None:
        bundle["sex"] = gender
    return PatientComparison(record, bundle)


def _patient(case: Case, entries: list[_Entry]) -> tuple[set[str], PatientComparison]:
    patients = [e for e in entries if e.kind == "Patient"]
    if len(patients) != 1:
        raise BundleRefused(
            [_("The Bundle has no Patient: it must name whose record it is.")]
            if not patients
            else [
                _(
                    "The Bundle has %(count)d Patients: import one patient's record at a time.",
                    count=len(patients),
                )
            ]
        )
    (patient,) = patients
    values = {_text(_dict(i).get("value")).upper() for i in _list(patient.resource.get("identifier"))}
    if case.patient.mrn.strip().upper() not in values:
        raise BundleRefused(
            [_("The Bundle's Patient does not carry this case's MRN: it is another patient's record.")]
        )
    born = _day(patient.resource.get("birthDate"))
    if born is not None and born != case.patient.birth_date:
        raise BundleRefused(
            [
                _(
                    "The Bundle's Patient has the case's MRN but another birth date: check the record before "
                    "importing it."
                )
            ]
        )
    return patient.refs(), _compare_patient(case, patient.resource)


def _about_the_patient(entry: _Entry, patient_refs: set[str], problems: list[str]) -> bool:
    subject = _text(_dict(entry.resource.get("subject")).get("reference"))
    if subject and subject not in patient_refs:
        problems.append(_("%(entry)s is about another subject than the Bundle's Patient.", entry=entry.name))
        return False
    return True


def _lab(entry: _Entry, problems: list[str]) -> tuple[str, dict, str] | None:
    resource = entry.resource
    quantity = resource.get("valueQuantity")
    if not isinstance(quantity, dict):
        return None  # a coded or text value (a grade, a stage): not a laboratory result
    loinc = [code for system, code, _ in _codings(resource.get("code")) if system == LOINC and code]
    if not loinc:
        problems.append(
            _("%(entry)s has no LOINC code: the board's markers are recognised by LOINC.", entry=entry.name)
        )
        return None
    analyte = next((a for a in map(analyte_of_loinc, loinc) if a), None)
    if analyte is None:
        problems.append(
            _(
                "%(entry)s: LOINC %(code)s is not one of the markers the board records (%(codes)s, …).",
                entry=entry.name,
                code=loinc[0][:20],
                codes=", ".join(sorted(a.loinc for a in Analyte if a.loinc)),
            )
        )
        return None
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(_("%(entry)s has no numeric value.", entry=entry.name))
        return None
    comparator = quantity.get("comparator")
    if comparator is not None and (
        not isinstance(comparator, str) or comparator not in {c.value for c in Comparator}
    ):
        problems.append(
            _(
                "%(entry)s: valueQuantity.comparator must be <, <=, >= or > (FHIR R4), not %(given)s.",
                entry=entry.name,
                given=repr(str(comparator)[:10]),
            )
        )
        return None
    ranges = _list(resource.get("referenceRange"))
    first = _dict(ranges[0]) if ranges else {}
    data = {
        "analyte": analyte.value,
        "value": value,
        "comparator": comparator,
        "unit": _text(quantity.get("unit")) or _text(quantity.get("code")),
        "sample_date": _when(resource, "effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued"),
        "ref_low": _dict(first.get("low")).get("value"),
        "ref_high": _dict(first.get("high")).get("value"),
        "note": "",
        "reported_by": _performer(resource)[:200],
    }
    shown = f"{Comparator(comparator).sign if comparator else ''}{format_number(value, grouped=False)}"
    return "lab", data, f"{analyte.label}: {shown} {data['unit']}".strip()


def _modality(resource: dict, entry: _Entry, problems: list[str]) -> ImagingModality | None:
    """An ImagingStudy's modality from its DICOM codes; a PET or nuclear medicine study needs its tracer."""
    codes = {
        code for _, code, _ in [c for m in _list(resource.get("modality")) for c in _codings({"coding": [m]})]
    }
    for series in _list(resource.get("series")):
        codes |= {code for _, code, _ in _codings({"coding": [_dict(series).get("modality")]})}
    text = " ".join(
        [_text(resource.get("description"))]
        + [_text(_dict(s).get("description")) for s in _list(resource.get("series"))]
    ).upper()
    if codes & {"PT", "NM"}:
        if "FDG" in text:
            return ImagingModality.FDG_PET_CT
        if any(word in text for word in ("DOTATATE", "DOTATOC", "DOTANOC", "SSTR")):
            return ImagingModality.SSTR_PET_CT
        if "OCTREO" in text or "PENTETREOTIDE" in text:
            return ImagingModality.OCTREOSCAN_SPECT
        problems.append(
            _("%(entry)s is a PET or nuclear medicine study whose tracer it does not name.", entry=entry.name)
        )
        return None
    found = {DICOM_MODALITY[code] for code in codes if code in DICOM_MODALITY}
    if len(found) == 1:
        return found.pop()
    problems.append(
        _(
            "%(entry)s: its modality (%(codes)s) is not one the board records.",
            entry=entry.name,
            codes=", ".join(sorted(codes)) or _("none"),
        )
    )
    return None


def _report_section(resource: dict) -> str | None:
    sections = {
        code
        for system, code, _ in (c for cat in _list(resource.get("category")) for c in _codings(cat))
        if system in (V2_0074, V2_0074_OLD)
    }
    snomed = {
        code
        for cat in _list(resource.get("category"))
        for system, code, _ in _codings(cat)
        if system == SNOMED
    }
    loinc = {code for system, code, _ in _codings(resource.get("code")) if system == LOINC}
    if sections & PATHOLOGY_SECTIONS or SNOMED_PATHOLOGY in snomed or loinc & PATHOLOGY_LOINC:
        return "pathology"
    if sections & IMAGING_SECTIONS or SNOMED_RADIOLOGY in snomed:
        return "imaging"
    return None


def _report(entry: _Entry, studies: dict[str, _Entry], used: set[int], problems: list[str]):
    resource = entry.resource
    section = _report_section(resource)
    if section is None:
        return None  # a laboratory report: its results are the Observations
    when = _when(resource, "effectiveDateTime", "effectivePeriod", "issued")
    name = _concept_text(resource.get("code"))
    conclusion = _text(resource.get("conclusion"))
    report = " — ".join(filter(None, [name, conclusion]))
    if section == "pathology":
        data = {
            "report_date": when,
            "specimen_type": SpecimenType.OTHER.value,  # the report does not say it in the board's terms
            "specimen_site": "",
            "differentiation": Differentiation.UNKNOWN.value,
            "report_text": report,
            "reported_by": _performer(resource)[:200],
        }
        return "pathology", data, name or _("Pathology report")
    modality, region = None, ""
    for ref in _list(resource.get("imagingStudy")):
        study = studies.get(_text(_dict(ref).get("reference")))
        if study is not None:
            used.add(study.number)
            modality = _modality(study.resource, study, problems)
            when = when or _when(study.resource, "started")
            region = _series_region(study.resource)
    if modality is None:
        coded = {
            SNOMED_MODALITY[code]
            for system, code, _ in _codings(resource.get("code"))
            if system == SNOMED and code in SNOMED_MODALITY
        }
        if len(coded) != 1:
            problems.append(
                _(
                    "%(entry)s: an imaging report whose modality it does not code (link its ImagingStudy).",
                    entry=entry.name,
                )
            )
            return None
        modality = coded.pop()
    data = {
        "study_date": when,
        "modality": modality.value,
        "region": region,
        "report_text": report,
        "reported_by": _performer(resource)[:200],
    }
    return "imaging", data, name or modality.label


def _series_region(resource: dict) -> str:
    for series in _list(resource.get("series")):
        region = _concept_text({"coding": [_dict(series).get("bodySite")]})
        if region:
            return region[:200]
    return ""


def _study(entry: _Entry, problems: list[str]):
    modality = _modality(entry.resource, entry, problems)
    if modality is None:
        return None
    data = {
        "study_date": _when(entry.resource, "started"),
        "modality": modality.value,
        "region": _series_region(entry.resource),
        "report_text": _text(entry.resource.get("description")),
        "reported_by": "",
    }
    return "imaging", data, _text(entry.resource.get("description")) or modality.label


def _changes(existing, cleaned: Mapping) -> dict[str, tuple[Any, Any]]:
    return {
        name: (json_value(getattr(existing, name)), json_value(value))
        for name, value in cleaned.items()
        if getattr(existing, name) != value
    }


def plan_import(case: Case, text: str) -> ImportPlan:
    """What importing the bundle into the case would do; nothing is written. Refused: `BundleRefused`."""
    try:
        text = FhirImportFields.bundle.clean(text, "bundle")
    except OperationError as exc:
        raise BundleRefused([exc.message]) from None
    entries = _entries(text)
    patient_refs, comparison = _patient(case, entries)
    problems: list[str] = []
    studies = {ref: e for e in entries if e.kind == "ImagingStudy" for ref in e.refs()}
    found: list[tuple[_Entry, str, dict, str]] = []
    used: set[int] = set()
    skipped: dict[str, int] = {}
    for entry in entries:
        if entry.kind in NOT_IMPORTED:
            skipped[entry.kind] = skipped.get(entry.kind, 0) + 1
            continue
        if entry.kind in ("Patient", "ImagingStudy"):
            continue
        if not _about_the_patient(entry, patient_refs, problems):
            continue
        if _text(entry.resource.get("status")) not in READ_STATUSES:
            label = _(
                "%(kind)s with status %(status)s",
                kind=entry.kind,
                status=str(entry.resource.get("status"))[:20],
            )
            skipped[label] = skipped.get(label, 0) + 1
            continue
        known = len(problems)
        result = (
            _lab(entry, problems) if entry.kind == "Observation" else _report(entry, studies, used, problems)
        )
        if result is None:
            if len(problems) == known:  # nothing wrong with it: it holds no finding the board records
                label = (
                    _("Observation without a measured value")
                    if entry.kind == "Observation"
                    else _("laboratory DiagnosticReport (its results are read as Observations)")
                )
                skipped[label] = skipped.get(label, 0) + 1
            continue
        found.append((entry, *result))
    for entry in entries:
        if (
            entry.kind == "ImagingStudy"
            and entry.number not in used
            and _about_the_patient(entry, patient_refs, problems)
        ):
            result = _study(entry, problems)
            if result is not None:
                found.append((entry, *result))

    items: list[Planned] = []
    sources: set[tuple[str, str]] = set()
    for entry, kind, data, label in found:
        source = _source(entry.resource, entry.full_url)
        if source is None:
            problems.append(
                _(
                    "%(entry)s has no identifier, full URL or id: a second import could not find it again.",
                    entry=entry.name,
                )
            )
            continue
        if any(len(part) > MAX_SOURCE for part in source):
            problems.append(
                _(
                    "%(entry)s: its identifier is longer than %(most)d characters.",
                    entry=entry.name,
                    most=MAX_SOURCE,
                )
            )
            continue
        if source in sources:
            problems.append(_("%(entry)s repeats another entry's identifier.", entry=entry.name))
            continue
        sources.add(source)
        model, clean, collection = finding_operations.KINDS[kind]
        try:
            cleaned = clean(case, data)
        except OperationError as exc:
            problems.append(
                _(
                    "%(entry)s, %(kind)s %(label)s: %(problem)s",
                    entry=entry.name,
                    kind=in_sentence(str(KIND_LABELS[kind])),
                    label=label,
                    problem=exc.message,
                )
            )
            continue
        existing = next(
            (f for f in getattr(case, collection) if (f.source_system, f.source_id) == source), None
        )
        item = Planned(kind, source, data, cleaned, label, existing)
        if existing is not None:
            item.changes = _changes(existing, cleaned)
        else:
            try:
                finding_operations.refuse_a_copy(getattr(case, collection), cleaned, kind)
            except OperationError as exc:
                problems.append(_("%(entry)s: %(problem)s", entry=entry.name, problem=exc.message))
                continue
        items.append(item)
    if problems:
        raise BundleRefused(problems)
    if not items:
        raise BundleRefused(
            [_("The Bundle holds no laboratory result, pathology or imaging report the board records.")]
        )
    return ImportPlan(items, [f"{count} × {kind}" for kind, count in sorted(skipped.items())], comparison)


@atomic
def import_bundle(
    actor,
    case: Case,
    text: str,
    *,
    expected_version: int | None,
    update_patient: bool = False,
    patient_version: int | None = None,
) -> ImportPlan:
    """Create and update the case's findings as the preview showed, through the findings' operations;
    with `update_patient`, also the patient's names and sex from the Bundle's Patient (`update_patient`,
    its version checked against the one the preview showed)."""
    if not case.can_import_findings(actor):
        raise OperationError(_("Findings of this case can no longer be changed by you."))
    check_version(case, expected_version)
    plan = plan_import(case, text)
    patient_updated = False
    if update_patient and plan.patient is not None and plan.patient.differences:
        if not case.patient.can_edit(actor):
            raise OperationError(
                _("The patient's details are corrected by the clinician who registered the patient."),
                field="update_patient",
            )
        patient_operations.update_patient(
            actor, case.patient, expected_version=patient_version, **plan.patient.updated_details()
        )
        patient_updated = True
    for item in plan.items:
        if item.action == "create":
            finding_operations.add_finding(actor, case, item.kind, item.data, source=item.source)
        elif item.action == "update":
            finding_operations.update_finding(
                actor, case, item.kind, item.existing, expected_version=item.existing.version, data=item.data
            )
    record(
        "case.fhir_imported",
        actor=actor,
        entity=case,
        details={
            **{action: plan.count(action) for action in ("create", "update", "unchanged")},
            "patient_updated": patient_updated,
        },
    )
    return plan
