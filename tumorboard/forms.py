"""Form base class and fields shared by every package."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectChoice, SelectMultipleField, widgets
from wtforms.validators import InputRequired, ValidationError

from tumorboard.db import MAX_ID

# Characters nobody types on purpose into a clinical record: zero-width characters, the ones that turn
# text round (a name that shows one way and sorts another), and the mark of bytes that were not UTF-8.
INVISIBLE = frozenset(
    {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufffd"}
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
)
# What no text may hold: those, and the control characters but tab and line breaks (NUL breaks
# PostgreSQL's text); the forms refuse them here, the operations in tumorboard.fields.text.
UNREADABLE = frozenset(({chr(c) for c in range(32)} - {"\t", "\n", "\r"}) | INVISIBLE)


def unreadable_characters(what: str) -> str:
    """The message for text with characters nobody types on purpose; the operations say the same."""
    return _(
        "The %(what)s contains invisible, control or direction-changing characters: type it again.", what=what
    )


def no_control_characters(form, field) -> None:
    data = field.data
    values = data if isinstance(data, list | tuple) else [data]
    for value in values:
        if isinstance(value, str) and any(ch in UNREADABLE for ch in value):
            raise ValidationError(unreadable_characters(str(field.label.text).lower()))


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class Form(FlaskForm):
    """Every form refuses control characters (NUL breaks PostgreSQL text) in any text it receives."""

    def validate(self, extra_validators=None) -> bool:
        extra = dict(extra_validators or {})
        for name in self._fields:
            extra.setdefault(name, []).append(no_control_characters)
        return super().validate(extra_validators=extra)


# What a date field accepts: the ISO date an <input type="date"> always sends (the browser shows and takes it
# in the user's locale: 02.12.2026 in a German browser), and the German day-first date typed where a browser
# draws a plain text box instead (an old browser, a pasted value).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class LocalDateField(DateField):
    """A date input: `<input type="date">`, also taking 02.12.2026 typed as text."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", DATE_INPUT_FORMATS)
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        """A date read goes back as ISO (all a date input shows); one it could not read, as typed."""
        if isinstance(self.data, date):
            return self.data.isoformat()
        return self.raw_data[0] if self.raw_data else ""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class VersionField(HiddenField):
    """The record version the form was loaded with; a stale save answers 409."""

    data: Any  # as on any WTForms field: the submitted text, then the version (an int) or None

    def __init__(self, label="", **kwargs):
        super().__init__(label, validators=[InputRequired()], **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self.data = int(self.data) if self.data not in (None, "") else None
        except (TypeError, ValueError):
            self.data = None
            raise ValueError(_("The form is damaged: reload the page.")) from None

    def pre_validate(self, form):
        if self.data is None or not 1 <= self.data <= MAX_ID:
            raise ValidationError(_("The form is damaged: reload the page."))


class ActionForm(Form):
    """A button-only POST (disable, enable, log out): the CSRF token, and the version when it edits."""
