from flask_babel import lazy_gettext as _l

from tumorboard.forms import Form
from tumorboard.privacy.fields import PrivacyFields


class PatientReviewForm(Form):
    """Sent by POST: the MRN never enters a URL. The reason is kept in the audit log with the look."""

    mrn = PrivacyFields.mrn.field()
    reason = PrivacyFields.reason.field(
        description=_l(
            "For example: the patient's request for access of 2 December (GDPR Art. 15), ref. 2026-114."
        ),
    )
