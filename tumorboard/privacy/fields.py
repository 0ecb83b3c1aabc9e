"""The fields of a patient review, declared once (tumorboard.fields)."""

from dataclasses import replace

from flask_babel import lazy_gettext as _l

from tumorboard.cases.fields import PatientFields
from tumorboard.fields import Text


class PrivacyFields:
    mrn = replace(PatientFields.mrn, missing="Enter the patient's MRN.")
    reason = Text(
        _l("Reason for this review"),
        _l("reason"),
        500,
        required=True,
        multiline=True,
        min_length=10,
        missing=_l("Say why you open this patient's record."),
    )
