"""The fields of sign-in and of accounts, each declared once (tumorboard.fields). What makes a new
password acceptable is the policy in auth.passwords; the forms ask it too."""

from flask_babel import lazy_gettext as _l

from tumorboard.auth.passwords import MAX_LENGTH
from tumorboard.auth.roles import Role
from tumorboard.auth.tokens import TokenLifetime, TokenScope
from tumorboard.fields import Choice, Password, Text
from tumorboard.i18n import Language


class AccountFields:
    email = Text(_l("Email"), _l("email address"), 254, required=True)
    name = Text(_l("Full name"), _l("name"), 200, required=True)


class ProfileFields:
    """What a user sets on their own account page (User.locale)."""

    locale = Choice(
        _l("Language"),
        _l("language"),
        Language,
        blank=_l("As my browser asks"),
        description=_l("The language of TumorBoard's pages for you; the hospital's letters keep their own."),
    )


class PasswordFields:
    password = Password(_l("Password"), _l("password"), MAX_LENGTH)
    current_password = Password(_l("Current password"), _l("current password"), MAX_LENGTH)
    new_password = Password(
        _l("New password"),
        _l("new password"),
        MAX_LENGTH,
        description=_l("A passphrase of several words is easy to type and hard to guess."),
    )
    confirm = Password(_l("Repeat the new password"), _l("new password again"), MAX_LENGTH)


class GroupMappingFields:
    """A row of the single sign-on group mapping (auth.models.GroupMapping)."""

    group_name = Text(
        _l("Provider group"),
        _l("group"),
        200,
        required=True,
        description=_l(
            "Exactly as the provider sends it in the groups claim, e.g. tumorboard-chairs or "
            "/Oncology/Chairs."
        ),
    )
    role = Choice(_l("Role"), _l("role"), Role)


class SecondFactorFields:
    code = Text(
        _l("Code"),
        _l("code"),
        32,
        required=True,
        description=_l("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
    )
    new_code = Text(
        _l("Code from the app"),
        _l("code"),
        32,
        required=True,
        description=_l("After adding TumorBoard to the app, type the 6-digit code it shows."),
    )


class TokenFields:
    """An API token (auth.tokens) and a service account (its user's name is AccountFields.name)."""

    name = Text(
        _l("Token name"),
        _l("token name"),
        100,
        required=True,
        description=_l("What it is for, e.g. the laboratory import or your analysis notebook."),
    )
    scope = Choice(_l("Scope"), _l("scope"), TokenScope)
    lifetime = Choice(_l("Expires after"), _l("lifetime"), TokenLifetime)
    description = Text(_l("What it is for"), _l("description"), 500, multiline=True)
