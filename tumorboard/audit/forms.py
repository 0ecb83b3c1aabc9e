from dataclasses import replace
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from tumorboard.auth.fields import AccountFields
from tumorboard.db import MAX_ID
from tumorboard.fields import Number, Text
from tumorboard.forms import ActionForm, Form, LocalDateField, choices

ENTITY_TYPES = choices([("", _l("Any")), ("users", _l("User")), ("board", _l("Board"))])


class AuditFilterForm(Form):
    """The log's filters travel in the query string; they name staff and record ids, never patients."""

    class Meta:
        csrf = False

    entity_type = SelectField(_l("Record type"), choices=ENTITY_TYPES, validators=[Optional()])
    entity_id = Number(_l("Record id"), _l("record id"), 1, MAX_ID, whole=True).field()
    actor = replace(AccountFields.email, required=False).field(_l("By (email)"))
    action = Text(_l("Action"), _l("action"), 64).field()
    date_from = LocalDateField(_l("From"), validators=[Optional()])
    date_to = LocalDateField(_l("To"), validators=[Optional()])

    def validate_date_from(self, field):
        _plausible(field.data)

    def validate_date_to(self, field):
        _plausible(field.data)
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end date is before the start date."))


def _plausible(day: date | None) -> None:
    if day is not None and not date(2000, 1, 1) <= day <= date(2199, 12, 31):
        raise ValidationError(_("Choose a date between 2000 and 2199."))


class VerifyChainForm(ActionForm):
    pass
