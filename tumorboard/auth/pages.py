"""The account page, drawn by both account views modules (the password's and the API tokens'), also
again with a refused form (422) or with a new token's secret, shown once."""

from flask import render_template
from flask_login import current_user

from tumorboard.auth.forms import ChangePasswordForm, LanguageForm, TokenForm
from tumorboard.auth.tokens import user_tokens
from tumorboard.forms import ActionForm


def account_page(
    *, form=None, token_form=None, language_form=None, new_secret: str | None = None, status: int = 200
):
    user = current_user._get_current_object()
    if language_form is None:
        language_form = LanguageForm(formdata=None, locale=user.locale.value if user.locale else "")
        language_form.version.data = user.version
    return render_template(
        "auth/account.html",
        form=form or ChangePasswordForm(),
        calendar_form=ActionForm(),
        language_form=language_form,
        token_form=token_form or TokenForm(formdata=None),
        revoke_form=ActionForm(),
        tokens=user_tokens(user),
        new_secret=new_secret,
    ), status
