from dataclasses import replace
from datetime import date

from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from tumorboard.auth.fields import AccountFields
from tumorboard.db import MAX_ID
from tumorboard.fields import Number, Text
from tumorboard.forms import ActionForm, Form, LocalDateField, choices

ENTITY_TYPES = choices([("", "Any"), ("users", "User"), ("board", "Board")])


class AuditFilterForm(Form):
    """The log's filters travel in the query string; they name staff and record ids, never patients."""

    class Meta:
        csrf = False

    entity_type = SelectField("Record type", choices=ENTITY_TYPES, validators=[Optional()])
    entity_id = Number("Record id", "record id", 1, MAX_ID, whole=True).field()
    actor = replace(AccountFields.email, required=False).field("By (email)")
    action = Text("Action", "action", 64).field()
    date_from = LocalDateField("From", validators=[Optional()])
    date_to = LocalDateField("To", validators=[Optional()])

    def validate_date_from(self, field):
        _plausible(field.data)

    def validate_date_to(self, field):
        _plausible(field.data)
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


def _plausible(day: date | None) -> None:
    if day is not None and not date(2000, 1, 1) <= day <= date(2199, 12, 31):
        raise ValidationError("Choose a date between 2000 and 2199.")


class VerifyChainForm(ActionForm):
    pass
