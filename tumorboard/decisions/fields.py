"""The fields of a decision, each declared once (tumorboard.fields): the decision form builds its fields
from these, and `operations.save_draft` cleans what it is given with them."""

from flask_babel import lazy_gettext as _l

from tumorboard.auth.passwords import MAX_LENGTH
from tumorboard.decisions.models import DecisionOutcome, GuidelineBasis
from tumorboard.fields import Choice, Password, Text
from tumorboard.i18n import Language


class DecisionFields:
    outcome = Choice(
        _l("Outcome"), _l("outcome"), DecisionOutcome, default=DecisionOutcome.RECOMMENDATION.value
    )
    recommendation = Text(_l("Recommendation"), _l("recommendation"), 8000, multiline=True)
    rationale = Text(_l("Rationale"), _l("rationale"), 8000, multiline=True)
    guideline_basis = Choice(
        _l("Guideline basis"), _l("guideline"), GuidelineBasis, default=GuidelineBasis.NONE.value
    )
    guideline_reference = Text(
        _l("Reference"),
        _l("guideline reference"),
        300,
        description=_l("e.g. ENETS 2023 guidance for pancreatic NET, section 4"),
    )
    trial_identifier = Text(
        _l("Trial identifier"), _l("trial identifier"), 40, description=_l("e.g. NCT01234567")
    )
    trial_name = Text(_l("Trial name"), _l("trial name"), 200)
    dissent = Text(_l("Dissent or minority opinion"), _l("dissent"), 4000, multiline=True)
    dissent_by = Text(_l("Whose"), _l("who dissents"), 200)
    preference_weighing = Text(
        _l("How the patient's preference and comorbidity were weighed"),
        _l("preference and comorbidity"),
        4000,
        multiline=True,
    )


class PlanItemFields:
    detail = Text(_l("Detail"), _l("plan item detail"), 500)


class SigningFields:
    """Signing and amending a decision."""

    password = Password(
        _l("Your password"), _l("password"), MAX_LENGTH, missing=_l("Enter your password to sign.")
    )
    # Asked of a chair who has a second factor (auth.second_factor); the operation requires it then.
    code = Text(
        _l("Code from your authenticator app"),
        _l("code"),
        32,
        description=_l("The 6-digit code your app shows now, or a recovery code."),
    )
    override_reason = Text(_l("Reason to sign despite the warnings"), _l("reason"), 2000, multiline=True)
    amendment_reason = Text(
        _l("Reason for the amendment"),
        _l("reason for the amendment"),
        2000,
        required=True,
        multiline=True,
        missing=_l("Say why the decision changes."),
    )


class LetterFields:
    letter_language = Choice(_l("Language of the letter"), _l("language of the letter"), Language)


class FollowUpFields:
    reason_text = Text(_l("Explanation"), _l("explanation"), 2000, multiline=True)
