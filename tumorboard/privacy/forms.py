from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from tumorboard.forms import Form


class PatientReviewForm(Form):
    """Sent by POST: the MRN never enters a URL. The reason is kept in the audit log with the look."""

    mrn = StringField("MRN", validators=[DataRequired("Enter the patient's MRN."), Length(max=32)])
    reason = TextAreaField(
        "Reason for this review",
        validators=[DataRequired("Say why you open this patient's record."), Length(min=10, max=500)],
        description="For example: the patient's request for access of 2 December (GDPR Art. 15), "
        "ref. 2026-114.",
    )
