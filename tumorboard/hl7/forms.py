from tumorboard.forms import Form, VersionField
from tumorboard.hl7.fields import UnmatchedFields


class MatchForm(Form):
    """Sent by POST: the MRN never enters a URL."""

    mrn = UnmatchedFields.mrn.field()
    analyte = UnmatchedFields.analyte.field()
    version = VersionField()


class DismissForm(Form):
    reason = UnmatchedFields.reason.field()
    version = VersionField()
