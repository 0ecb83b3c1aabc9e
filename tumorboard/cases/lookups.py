"""The records a request may show: a 404 for what the signed-in user may not see (its existence is not
disclosed). Views of every package use these; no package imports another's views."""

from flask import abort
from flask_login import current_user

from tumorboard.cases import queries
from tumorboard.cases.models import Case


def get_visible_case(case_id: int) -> Case:
    case = queries.find_visible_case(current_user, case_id)
    if case is None:
        abort(404)
    return case
