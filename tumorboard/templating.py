"""What every template may use: the CSP nonce, times in the hospital's zone, labels of vocabularies."""

from flask import Flask

from tumorboard.auth.roles import Role
from tumorboard.cases.operations import readiness_texts
from tumorboard.clinical import inputs, tnm, vocabularies
from tumorboard.clinical.labels import category_label, in_reader_language, is_translatable
from tumorboard.clinical.specialties import Specialty
from tumorboard.decisions.publication import failure_text
from tumorboard.hospital import hospital_name
from tumorboard.i18n import Language, current_language
from tumorboard.keyset import PAGING_ARGS
from tumorboard.public_url import public_url
from tumorboard.script_texts import script_texts
from tumorboard.security import csp_nonce
from tumorboard.timezones import format_date, format_datetime, format_measure, format_number, format_time


def _label(value: str | None, enum) -> str:
    try:
        return enum(value).label
    except ValueError:
        return value or ""


def _vocab(value: str | None, name: str) -> str:
    enum = getattr(vocabularies, name, None) or getattr(tnm, name)
    return _label(value, enum)


def _unread_notifications() -> int:
    from flask_login import current_user

    from tumorboard.notifications.operations import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app: Flask) -> None:
    from tumorboard.cases.finding_operations import IHC_RESULT_LABELS
    from tumorboard.cases.models import Sex
    from tumorboard.meetings.models import AgendaMode, AttendanceStatus

    app.jinja_env.globals.update(
        csp_nonce=csp_nonce,
        Role=Role,
        # enums templates compare with (never the strings): choices they render, values they check
        AgendaMode=AgendaMode,
        AttendanceStatus=AttendanceStatus,
        Language=Language,
        current_language=current_language,
        hospital_name=hospital_name,
        public_url=public_url,
        unread_notifications=_unread_notifications,
        script_texts=script_texts,  # {{ script_texts('agenda.js')|tojson }} in a JSON data block
        paging_args=PAGING_ARGS,  # the keyset pager's own arguments, dropped from the URL's others
    )
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["month"] = lambda value: format_date(value, "month")
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["measure"] = format_measure  # {{ 2.8|measure('cm') }}: 2.8 cm / 2,8 cm
    app.jinja_env.filters["specialty_label"] = lambda value: _label(value, Specialty)
    app.jinja_env.filters["role_label"] = lambda value: _label(value, Role)
    app.jinja_env.filters["sex_label"] = lambda value: _label(value, Sex)
    app.jinja_env.filters["ihc_result"] = lambda value: str(IHC_RESULT_LABELS.get(value, value))
    app.jinja_env.filters["site_label"] = lambda value: _label(value, vocabularies.PrimarySite)
    app.jinja_env.filters["vocab"] = _vocab
    app.jinja_env.filters["readiness_texts"] = readiness_texts
    app.jinja_env.filters["category"] = category_label  # a rule's category: codes as written, words in German
    # a rule's text in the reader's language; a frozen record's English sentence is marked lang="en"
    app.jinja_env.filters["clinical_text"] = in_reader_language
    app.jinja_env.tests["translatable"] = is_translatable
    app.jinja_env.filters["publication_failure"] = failure_text  # a FHIR server's failure, stored in English
    app.jinja_env.filters["rule_inputs"] = inputs.shown_inputs  # a rule's inputs in the clinic's words
