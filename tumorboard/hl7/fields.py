"""The fields of the coordinator's answers to an unmatched result, declared once (tumorboard.fields)."""

from dataclasses import replace

from flask_babel import lazy_gettext as _l

from tumorboard.cases.fields import LabFields, PatientFields
from tumorboard.fields import Text


class UnmatchedFields:
    mrn = replace(PatientFields.mrn, missing="Enter the MRN of the patient this result belongs to.")
    analyte = LabFields.analyte
    reason = Text(
        _l("Reason for dismissing"),
        _l("reason"),
        500,
        required=True,
        multiline=True,
        min_length=5,
        missing=_l("Say why this result is dismissed."),
    )
