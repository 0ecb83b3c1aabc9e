"""One declaration per field: the form and the operation read the same rule, so they refuse the same
input with the same words. Every declared field of every package is walked."""

import pytest
from werkzeug.datastructures import MultiDict

from tumorboard.api.fields import PageFields
from tumorboard.auth.fields import (
    AccountFields,
    GroupMappingFields,
    PasswordFields,
    ProfileFields,
    SecondFactorFields,
    TokenFields,
)
from tumorboard.boards.fields import BoardFields, MeetingPlanFields
from tumorboard.cases.fields import (
    CaseActionFields,
    CaseFields,
    FhirImportFields,
    ImagingFields,
    LabFields,
    PathologyFields,
    PatientFields,
    PatientSearchFields,
    PriorTreatmentFields,
)
from tumorboard.decisions.fields import (
    DecisionFields,
    FollowUpFields,
    LetterFields,
    PlanItemFields,
    SigningFields,
)
from tumorboard.errors import OperationError
from tumorboard.fields import Choice, Choices, Link, Number, Password, Text, rules_of
from tumorboard.forms import Form
from tumorboard.hl7.fields import UnmatchedFields
from tumorboard.meetings.fields import AgendaFields, MeetingFields
from tumorboard.privacy.fields import PrivacyFields

DECLARATIONS = (
    PatientFields,
    CaseFields,
    PriorTreatmentFields,
    FhirImportFields,
    ImagingFields,
    LabFields,
    PathologyFields,
    DecisionFields,
    PlanItemFields,
    SigningFields,
    FollowUpFields,
    LetterFields,
    PatientSearchFields,
    CaseActionFields,
    BoardFields,
    MeetingPlanFields,
    MeetingFields,
    AgendaFields,
    AccountFields,
    ProfileFields,
    PasswordFields,
    GroupMappingFields,
    SecondFactorFields,
    PrivacyFields,
    UnmatchedFields,
    TokenFields,
    PageFields,
)
RULES = [
    pytest.param(name, rule, id=f"{declarations.__name__}.{name}")
    for declarations in DECLARATIONS
    for name, rule in rules_of(declarations).items()
]


def _form_errors(app, name, rule, value) -> list[str]:
    form_class = type("OneField", (Form,), {name: rule.field(), "Meta": type("Meta", (), {"csrf": False})})
    with app.test_request_context(method="POST"):
        form = form_class(
            formdata=MultiDict({name: value} if not isinstance(value, list) else [(name, v) for v in value])
        )
        form.validate()
        return form.errors.get(name, [])


def _operation_error(rule, name, value) -> str | None:
    try:
        rule.clean(value, name)
    except OperationError as exc:
        assert exc.field == name
        return exc.message
    return None


def _bad_values(rule):
    if isinstance(rule, Link):
        return ["https://" + "x" * (rule.max_length - 7), "http://example.org", "javascript:alert(1)"]
    if isinstance(rule, Password):
        return ["x" * (rule.max_length + 1), ""]
    if isinstance(rule, Text):
        return (
            ["x" * (rule.max_length + 1)]
            + ([""] if rule.required else [])
            + (["x" * (rule.min_length - 1)] if rule.min_length > 1 else [])
        )
    if isinstance(rule, Number):
        return [str(rule.high * 2 + 1), str(rule.low - 1)] + ([""] if rule.required else [])
    if isinstance(rule, Choice) and rule.blank is not None and rule.required:
        return [""]  # the blank option is the prompt: choosing nothing is refused
    return []


@pytest.mark.parametrize("name, rule", RULES)
def test_the_form_and_the_operation_refuse_alike(app, name, rule):
    for value in _bad_values(rule):
        message = _operation_error(rule, name, value)
        assert message, (name, value)
        assert _form_errors(app, name, rule, value) == [message], (name, value)


@pytest.mark.parametrize("name, rule", RULES)
def test_the_form_and_the_operation_accept_alike(app, name, rule):
    if isinstance(rule, Link):
        good = "https://" + "x" * (rule.max_length - 8)
    elif isinstance(rule, Text | Password):
        good = "x" * rule.max_length
    elif isinstance(rule, Number):
        good = str(int(rule.high) if rule.whole else rule.high)
    elif isinstance(rule, Choices):
        good = [member.value for member in rule.enum][:2]
    else:
        good = next(iter(rule.enum)).value
    assert _operation_error(rule, name, good) is None
    assert _form_errors(app, name, rule, good) == []


@pytest.mark.parametrize("name, rule", [p for p in RULES if isinstance(p.values[1], Choice)])
def test_a_choice_outside_the_vocabulary_is_refused_by_both(app, name, rule):
    assert _operation_error(rule, name, "not-a-value") == f"Unknown {rule.what}."
    assert _form_errors(app, name, rule, "not-a-value") == ["Not a valid choice."]


def _stored_in():
    from tumorboard.auth.models import GroupMapping, User
    from tumorboard.auth.tokens import ApiToken, ServiceAccount
    from tumorboard.boards.models import Board
    from tumorboard.cases.models import (
        Case,
        ImagingStudy,
        LabResult,
        PathologyReport,
        Patient,
        PriorTreatment,
    )
    from tumorboard.decisions.models import Decision, FollowUp, PlanItem
    from tumorboard.meetings.models import Meeting

    return [
        (PatientFields, Patient),
        (CaseFields, Case),
        (PriorTreatmentFields, PriorTreatment),
        (ImagingFields, ImagingStudy),
        (LabFields, LabResult),
        (PathologyFields, PathologyReport),
        (DecisionFields, Decision),
        (PlanItemFields, PlanItem),
        (FollowUpFields, FollowUp),
        (LetterFields, Decision),
        (BoardFields, Board),
        (MeetingPlanFields, Meeting),
        (AccountFields, User),
        (ProfileFields, User),
        (GroupMappingFields, GroupMapping),
        (TokenFields, ApiToken),
        (TokenFields, ServiceAccount),
    ]


def test_the_database_holds_what_the_declarations_accept():
    """A declared length longer than its column would be cut by SQLite and refused by PostgreSQL with a
    500: every column holds the longest text its declaration lets through."""
    checked, too_short = 0, []
    for declarations, model in _stored_in():
        columns = model.__table__.columns
        for name, rule in rules_of(declarations).items():
            if isinstance(rule, Text) and name in columns:
                length = getattr(columns[name].type, "length", None)
                checked += 1
                if length is not None and length < rule.max_length:
                    too_short.append(f"{model.__name__}.{name}: column {length} < declared {rule.max_length}")
    assert too_short == []
    assert checked >= 20


@pytest.mark.parametrize("name, rule", [p for p in RULES if isinstance(p.values[1], Text | Password)])
def test_the_browser_is_never_told_to_cut_text(app, name, rule):
    """No maxlength: a browser cuts pasted text there without a word. The server refuses, naming the limit."""
    form_class = type("OneField", (Form,), {name: rule.field(), "Meta": type("Meta", (), {"csrf": False})})
    with app.test_request_context():
        assert "maxlength" not in str(form_class()[name]())


def test_no_template_sets_a_maxlength():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[1] / "templates"
    assert [str(p) for p in templates.rglob("*.html") if "maxlength" in p.read_text()] == []
