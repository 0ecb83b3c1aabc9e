"""Sign-in, password and user-management forms."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, InputRequired, ValidationError
from wtforms.widgets import EmailInput

from tumorboard.auth.fields import (
    AccountFields,
    GroupMappingFields,
    PasswordFields,
    ProfileFields,
    SecondFactorFields,
    TokenFields,
)
from tumorboard.auth.passwords import password_problem
from tumorboard.auth.roles import Role
from tumorboard.auth.tokens import TokenLifetime
from tumorboard.clinical.specialties import Specialty
from tumorboard.forms import Form, MultiCheckboxField, VersionField, choices
from tumorboard.i18n import Language, lazy_label
from tumorboard.once import OnceField

ROLE_CHOICES = choices((r.value, lazy_label(r)) for r in Role)
SPECIALTY_CHOICES = choices((s.value, lazy_label(s)) for s in Specialty)


class LoginForm(Form):
    email = AccountFields.email.field()
    password = PasswordFields.password.field()
    submit = SubmitField(_l("Sign in"))


class NewPasswordMixin:
    new_password = PasswordFields.new_password.field()
    confirm = PasswordFields.confirm.field()

    def validate_new_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_confirm(self, field):
        if field.data != self.new_password.data:
            raise ValidationError(_("The passwords differ."))


class ChangePasswordForm(Form, NewPasswordMixin):
    current_password = PasswordFields.current_password.field()
    submit = SubmitField(_l("Change password"))


class LanguageForm(Form):
    """The account page's choice of language (none: the browser's, else the hospital's)."""

    version = VersionField()
    locale = ProfileFields.locale.field()
    submit = SubmitField(_l("Save the language"))


class LanguageSwitchForm(Form):
    """The navigation's switch: one button per language, back to the page it was pressed on."""

    language = SelectField(_l("Language"), choices=choices((lang.value, lang.label) for lang in Language))
    next = HiddenField()


class ForgotPasswordForm(Form):
    email = AccountFields.email.field()
    submit = SubmitField(_l("Send the link"))


class ResetByLinkForm(Form, NewPasswordMixin):
    submit = SubmitField(_l("Set the new password"))


class UserForm(Form):
    email = AccountFields.email.field(also=(Email(),), widget=EmailInput())
    name = AccountFields.name.field()
    specialty = SelectField(_l("Specialty"), choices=SPECIALTY_CHOICES, validators=[InputRequired()])
    roles = MultiCheckboxField(
        _l("Roles"), choices=ROLE_CHOICES, validators=[DataRequired(_l("Choose at least one role."))]
    )
    boards = MultiCheckboxField(_l("Board memberships"), coerce=int, choices=[])
    version = VersionField()
    submit = SubmitField(_l("Save"))


class CreateUserForm(UserForm, NewPasswordMixin):
    once = OnceField()
    version = None  # type: ignore[assignment]  # WTForms' way to drop an inherited field
    submit = SubmitField(_l("Create account"))


class ResetPasswordForm(Form, NewPasswordMixin):
    version = VersionField()
    submit = SubmitField(_l("Set temporary password"))


class VersionedActionForm(Form):
    version = VersionField()


class GroupMappingForm(Form):
    """A provider group gives a role, and optionally a board's membership (choices set by the view)."""

    group_name = GroupMappingFields.group_name.field()
    role = GroupMappingFields.role.field()
    board = SelectField(_l("Board membership"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Add mapping"))


class SecondStepForm(Form):
    code = SecondFactorFields.code.field()
    submit = SubmitField(_l("Verify"))


class EnrolForm(Form):
    code = SecondFactorFields.new_code.field()
    submit = SubmitField(_l("Turn on the second factor"))


class RenewRecoveryCodesForm(Form):
    code = SecondFactorFields.code.field()
    submit = SubmitField(_l("Make new recovery codes"))


class TokenForm(Form):
    """A new API token: its name, scope and lifetime; shown once when made."""

    name = TokenFields.name.field()
    scope = TokenFields.scope.field()
    lifetime = TokenFields.lifetime.field(default=TokenLifetime.QUARTER.value)
    once = OnceField()
    submit = SubmitField(_l("Create the token"))


class ServiceAccountForm(Form):
    name = AccountFields.name.field(_l("Name of the integration"))
    description = TokenFields.description.field()
    boards = MultiCheckboxField(_l("Boards it works for"), coerce=int, choices=[])
    once = OnceField()
    submit = SubmitField(_l("Create the service account"))
