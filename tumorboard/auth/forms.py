"""Sign-in, password and user-management forms."""

from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from tumorboard.auth.passwords import MAX_LENGTH
from tumorboard.auth.roles import Role
from tumorboard.clinical.specialties import Specialty
from tumorboard.forms import Form, MultiCheckboxField, VersionField, choices

ROLE_CHOICES = choices((r.value, r.label) for r in Role)
SPECIALTY_CHOICES = choices((s.value, s.label) for s in Specialty)


class LoginForm(Form):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Sign in")


class NewPasswordMixin:
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=12, max=MAX_LENGTH)],
        description="At least 12 characters; a passphrase of several words is easy to type, hard to guess.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", "The passwords differ.")],
    )


class ChangePasswordForm(Form, NewPasswordMixin):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Change password")


class UserForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    specialty = SelectField("Specialty", choices=SPECIALTY_CHOICES, validators=[InputRequired()])
    roles = MultiCheckboxField(
        "Roles", choices=ROLE_CHOICES, validators=[DataRequired("Choose at least one role.")]
    )
    boards = MultiCheckboxField("Board memberships", coerce=int, choices=[])
    version = VersionField()
    submit = SubmitField("Save")


class CreateUserForm(UserForm, NewPasswordMixin):
    version = None  # type: ignore[assignment]  # WTForms' way to drop an inherited field
    submit = SubmitField("Create account")


class ResetPasswordForm(Form, NewPasswordMixin):
    version = VersionField()
    submit = SubmitField("Set temporary password")


class VersionedActionForm(Form):
    version = VersionField()
