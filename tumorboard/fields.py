"""One declaration per field rule: a field's label, type, range and length are declared once, as a
`Text`, `Number`, `Choice` or `Choices`, and read twice: by the form (`rule.field()`, the WTForms field
and its validators, with the same messages) and by the operation (`rule.clean(value, name)`), which stays
the gate for every caller: the web, the CLI, the seed data, an import.

The clean functions below are the operations' checks; each raises OperationError with a message the user
sees as is, in the request's language (a German form reads German; the API's requests are English,
tumorboard.i18n): the messages are the catalogue's, the `what` of a declaration (how a message names the
field) too. A declaration's messages are lazy: its form is built once, and reads them per request.
"""

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal, overload

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from wtforms import FloatField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from tumorboard.errors import OperationError
from tumorboard.forms import UNREADABLE, MultiCheckboxField, unreadable_characters
from tumorboard.forms import choices as select_choices
from tumorboard.i18n import lazy_label
from tumorboard.timezones import format_measure, format_number


class NotANumber(OperationError):
    """A value that is no number at all (not one out of range): a censored value's field says more."""


@overload
def choice(value, enum: type[StrEnum], what: str, field: str, *, required: Literal[True] = True) -> str: ...
@overload
def choice(value, enum: type[StrEnum], what: str, field: str, *, required: bool) -> str | None: ...
def choice(value, enum: type[StrEnum], what: str, field: str, *, required: bool = True) -> str | None:
    if value in (None, ""):
        if required:
            raise OperationError(_("Choose the %(what)s.", what=what), field=field)
        return None
    try:
        return enum(value).value
    except ValueError:
        raise OperationError(_("Unknown %(what)s.", what=what), field=field) from None


def choices(values, enum: type[StrEnum], what: str, field: str) -> list[str]:
    return sorted({choice(v, enum, what, field) for v in values or ()})


def number(value, what: str, field: str, *, low: float, high: float, unit: str = "") -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise NotANumber(_("The %(what)s must be a number.", what=what), field=field) from None
    if math.isnan(number) or not low <= number <= high:
        raise OperationError(_between(what, low, high, unit), field=field)
    return number


def integer(value, what: str, field: str, *, low: int, high: int, unit: str = "") -> int | None:
    result = number(value, what, field, low=low, high=high, unit=unit)
    if result is None:
        return None
    if result != int(result):
        raise OperationError(_("The %(what)s must be a whole number.", what=what), field=field)
    return int(result)


def nodes(positive: int | None, examined: int | None) -> None:
    if positive is not None and examined is not None and positive > examined:
        raise OperationError(_("More nodes are positive than were examined."), field="nodes_positive")


def text(
    value, what: str, field: str, *, max_length: int, required: bool = False, single_line: bool = False
) -> str:
    """Free text as people mean it: Unicode in its composed form (an "ä" typed on a Mac is the same
    letter as on a PC), without invisible, control or direction-changing characters (the API's text
    reaches no form), one line where a line is expected; too long is refused, never cut."""
    value = unicodedata.normalize("NFC", value or "").strip()
    if any(ch in UNREADABLE for ch in value):
        raise OperationError(unreadable_characters(what), field=field)
    if single_line and any(ch in "\r\n\t" for ch in value):
        raise OperationError(_("The %(what)s is one line.", what=what), field=field)
    if required and not value:
        raise OperationError(_enter(what), field=field)
    if len(value) > max_length:
        raise OperationError(_too_long(what, max_length), field=field)
    return value


REASON_MIN_LENGTH = 10


def reason_given(reason: str, field: str) -> None:
    """A reason that lets the board go on despite a rule (quorum, warnings, what is missing) is a
    sentence someone can read later, not "ok"."""
    if len(reason) < REASON_MIN_LENGTH:
        raise OperationError(
            _(
                "Give the reason in a few words (at least %(count)s characters): it is kept with the record.",
                count=REASON_MIN_LENGTH,
            ),
            field=field,
        )


def clinical_date(value, what: str, field: str, *, today: date, birth_date: date | None) -> date:
    """A date of a finding or treatment: not in the future, not before the patient was born."""
    if not isinstance(value, date):
        raise OperationError(_("Enter the %(what)s as a date.", what=what), field=field)
    if value > today:
        raise OperationError(_("The %(what)s cannot be in the future.", what=what), field=field)
    if birth_date is not None and value < birth_date:
        raise OperationError(
            _("The %(what)s cannot be before the patient's birth date.", what=what), field=field
        )
    return value


def mrn(value: str | None, pattern: str, hint: str) -> str:
    value = (value or "").strip().upper()
    if not re.fullmatch(pattern, value):
        raise OperationError(_("The MRN must be %(hint)s.", hint=hint), field="mrn")
    return value


# Declarations ----------------------------------------------------------------------------------------


class Refused(Length):
    """WTForms' Length, without the `maxlength` it would give the browser: a browser cuts pasted text at
    maxlength without a word, and a clinician's 10,000 characters would be saved as 4,000. Too long is
    refused, with the limit named, and the text comes back whole."""

    def __init__(self, min: int = -1, max: int = -1, message: str | None = None):
        super().__init__(min=min, max=max, message=message)
        self.field_flags: dict[str, int] = {}


class _ValidatorMessage(LazyString):
    """A message for a WTForms validator, read in the language of the request that shows it, and escaped
    by the page like any text (a LazyString passes as markup)."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def _literal(message: str) -> _ValidatorMessage:
    """WTForms %-formats its messages: a "%" in ours is meant."""
    return _ValidatorMessage(lambda: str(message).replace("%", "%%"))


# The messages more than one rule gives, lazy: a declaration's properties hand them to its form's
# validators, built once with the form's class.


def _enter(what: str) -> LazyString:
    return _l("Enter the %(what)s.", what=what)


def _too_long(what: str, max_length: int) -> LazyString:
    return _l("The %(what)s is too long (at most %(count)s characters).", what=what, count=max_length)


def _between(what: str, low: float, high: float, unit: str) -> LazyString:
    """`unit`, a symbol (cm, %) or words (minutes), follows the higher number."""
    return LazyString(
        lambda: _(
            "The %(what)s must be between %(low)s and %(high)s.",
            what=what,
            low=format_number(low),
            high=format_measure(high, str(unit)) if unit else format_number(high),
        )
    )


def vocabulary_choices(enum: type[StrEnum], blank: str | None = None) -> list:
    """A vocabulary's (value, label) pairs for a select, with a blank first option when it may be empty."""
    pairs = [
        (member.value, lazy_label(member) if hasattr(member, "label") else str(member)) for member in enum
    ]
    return select_choices([("", blank), *pairs] if blank is not None else pairs)


@dataclass(frozen=True)
class Text:
    label: str
    what: str  # how messages name it: "The {what} is too long …"
    max_length: int
    required: bool = False
    multiline: bool = False
    description: str = ""
    min_length: int = 0
    missing: str = ""  # the message for an empty required field; default "Enter the {what}."

    @property
    def too_long(self) -> str:
        return _too_long(self.what, self.max_length)

    @property
    def too_short(self) -> str:
        return _l(
            "The %(what)s is too short (at least %(count)s characters).",
            what=self.what,
            count=self.min_length,
        )

    @property
    def empty(self) -> str:
        return self.missing or _enter(self.what)

    def clean(self, value, name: str) -> str:
        if self.required and not (value or "").strip():
            raise OperationError(self.empty, field=name)  # the declaration's own words for "missing"
        result = text(value, self.what, name, max_length=self.max_length, single_line=not self.multiline)
        if result and len(result) < self.min_length:
            raise OperationError(self.too_short, field=name)
        return result

    def validators(self) -> list:
        found: list = [DataRequired(_literal(self.empty))] if self.required else [Optional()]
        found.append(Refused(max=self.max_length, message=_literal(self.too_long)))
        if self.min_length:
            found.append(Refused(min=self.min_length, message=_literal(self.too_short)))
        return found

    def field(self, label: str | None = None, *, also: tuple = (), **overrides):
        """The form's field; `also`: validators of the form's own (an e-mail address's shape)."""
        kind = TextAreaField if self.multiline else StringField
        overrides.setdefault("description", self.description)
        return kind(label or self.label, validators=[*self.validators(), *also], **overrides)


@dataclass(frozen=True)
class Link(Text):
    """A web address the hospital's browsers open safely: https only."""

    @property
    def not_https(self) -> str:
        return _l("The %(what)s must start with https://.", what=self.what)

    def clean(self, value, name: str) -> str:
        link = super().clean(value, name)
        if link and not link.startswith("https://"):
            raise OperationError(self.not_https, field=name)
        return link

    def validators(self) -> list:
        def https(form, field):
            if field.data and not field.data.strip().startswith("https://"):
                raise ValidationError(str(self.not_https))

        return [*super().validators(), https]


@dataclass(frozen=True)
class Password:
    """A password typed into a form. It is checked by the password policy (auth.passwords) or against
    the stored hash, never normalized or stripped; here only its presence and the longest one accepted."""

    label: str
    what: str
    max_length: int
    missing: str = ""
    description: str = ""

    @property
    def too_long(self) -> str:
        return _too_long(self.what, self.max_length)

    def clean(self, value, name: str) -> str:
        value = value or ""
        if not value:
            raise OperationError(self.missing or _enter(self.what), field=name)
        if len(value) > self.max_length:
            raise OperationError(self.too_long, field=name)
        return value

    def field(self, label: str | None = None, **overrides):
        overrides.setdefault("description", self.description)
        validators = [
            InputRequired(_literal(self.missing or _enter(self.what))),
            Refused(max=self.max_length, message=_literal(self.too_long)),
        ]
        return PasswordField(label or self.label, validators=validators, **overrides)


@dataclass(frozen=True)
class Number:
    label: str
    what: str
    low: float
    high: float
    unit: str = ""  # as the message writes it after the number: "cm", "%", _l("minutes")
    whole: bool = False
    required: bool = False
    description: str = ""

    @property
    def out_of_range(self) -> str:
        return _between(self.what, self.low, self.high, self.unit)

    def clean(self, value, name: str) -> float | int | None:
        result: float | int | None
        if self.whole:
            result = integer(value, self.what, name, low=int(self.low), high=int(self.high), unit=self.unit)
        else:
            result = number(value, self.what, name, low=self.low, high=self.high, unit=self.unit)
        if result is None and self.required:
            raise OperationError(_enter(self.what), field=name)
        return result

    def field(self, label: str | None = None, **overrides):
        first = InputRequired(_literal(_enter(self.what))) if self.required else Optional()
        kind = IntegerField if self.whole else FloatField
        overrides.setdefault("description", self.description)
        return kind(
            label or self.label,
            validators=[first, NumberRange(self.low, self.high, message=_literal(self.out_of_range))],
            **overrides,
        )


# A leading comparator of a censored value, as laboratories write it ("<2", "> 1000", "≤5", "<=5").
_COMPARATOR = re.compile(r"^\s*(<=|>=|=<|=>|≤|≥|<|>)\s*")
_COMPARATORS = {"<": "<", "<=": "<=", "=<": "<=", "≤": "<=", ">": ">", ">=": ">=", "=>": ">=", "≥": ">="}


@dataclass(frozen=True)
class Measured(Number):
    """A measured number that may be censored: "<2" (below the assay's limit) or ">1000" is the comparator
    and the number, both kept. `clean` gives the number, `split` the two; the form's field is text."""

    def split(self, value, name: str) -> tuple[str | None, float | int | None]:
        comparator = None
        if isinstance(value, str):
            found = _COMPARATOR.match(value)
            if found:
                comparator = _COMPARATORS[found.group(1)]
                value = value[found.end() :]
                if not value.strip():
                    raise OperationError(
                        _("Give the number after %(sign)s, for example %(sign)s2.", sign=comparator),
                        field=name,
                    )
        try:
            return comparator, super().clean(value, name)
        except NotANumber:
            raise OperationError(
                _(
                    "The %(what)s must be a number, or a number after <, <=, > or >= (for example <2).",
                    what=self.what,
                ),
                field=name,
            ) from None

    def clean(self, value, name: str) -> float | int | None:
        return self.split(value, name)[1]

    def field(self, label: str | None = None, **overrides):
        rule = self

        def check(_form, field) -> None:
            try:
                rule.split(field.data, field.name)
            except OperationError as exc:
                raise StopValidation(exc.message) from None

        first = InputRequired(_literal(_enter(self.what))) if self.required else Optional()
        overrides.setdefault("description", self.description)
        return StringField(label or self.label, validators=[first, check], **overrides)


CHOOSE = _l("Choose …")


@dataclass(frozen=True)
class Choice:
    """One of a vocabulary's values. A select opens on its `blank` option when it has one: a clinical
    field never opens on a clinical value, so nothing is recorded that nobody chose. `required` with a
    blank ("Choose …"): the empty answer is refused ("Choose the …"); without `required` it is stored
    as empty, unless `default` says what an empty answer means."""

    label: str
    what: str
    enum: type[StrEnum]
    blank: str | None = None  # the label of the empty choice; None: a value is required
    default: str | None = None  # what an empty answer means ("unknown")
    description: str = ""
    required: bool = False  # with a blank: the empty choice is only the prompt

    @property
    def needs_value(self) -> bool:
        return self.blank is None or self.required

    @property
    def missing(self) -> str:
        return _l("Choose the %(what)s.", what=self.what)

    def clean(self, value, name: str) -> str | None:
        if value in (None, "") and self.default is not None:
            value = self.default
        return choice(value, self.enum, self.what, name, required=self.needs_value)

    def field(self, **overrides):
        if self.blank is None:
            validators: list = []
        elif self.required:
            validators = [InputRequired(_literal(self.missing))]
        else:
            validators = [Optional()]
        return SelectField(
            self.label,
            choices=vocabulary_choices(self.enum, self.blank),
            validators=validators,
            description=self.description,
            **overrides,
        )


@dataclass(frozen=True)
class Choices:
    """Any number of a vocabulary's values (checkboxes)."""

    label: str
    what: str
    enum: type[StrEnum]
    description: str = ""

    def clean(self, value, name: str) -> list[str]:
        return choices(value, self.enum, self.what, name)

    def field(self, **overrides):
        return MultiCheckboxField(
            self.label, choices=vocabulary_choices(self.enum), description=self.description, **overrides
        )


Rule = Text | Number | Measured | Choice | Choices | Password


def rules_of(declarations: type) -> dict[str, Rule]:
    """The rules a declarations class holds, by field name, in declaration order."""
    return {name: value for name, value in vars(declarations).items() if isinstance(value, Rule)}


def clean_all(declarations: type, data: Mapping[str, Any], names=None) -> dict[str, Any]:
    """Each declared field of `data` (or the `names` among them), cleaned by its rule."""
    found = rules_of(declarations)
    return {name: found[name].clean(data.get(name), name) for name in (names or found)}
