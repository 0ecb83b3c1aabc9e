"""The user's language: the profile beats the browser, the browser beats the hospital; the navigation's
switch (signed in: the profile, audited; signed out: a cookie) brings the user back to the same page; German
pages show German dates and numbers."""

import re
from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from sqlalchemy import select

from tests.conftest import log_in
from tumorboard.audit.models import AuditEvent
from tumorboard.auth.roles import Role
from tumorboard.extensions import db
from tumorboard.i18n import LOCALE_COOKIE, Language

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


def _events(user, action="user.language_chosen"):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity_id == str(user.id))
    ).all()


def test_the_browser_asks_for_german_and_gets_it(client):
    page = client.get("/login", headers=GERMAN).get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Anmelden" in page and "Passwort vergessen?" in page
    english = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in english and "Forgot password?" in english


def test_the_profile_beats_the_browser(app, users):
    client = log_in(app.test_client(), users[Role.SUBMITTER])
    with app.app_context():
        user = db.session.get(type(users[Role.SUBMITTER]), users[Role.SUBMITTER].id)
        user.locale = Language.EN
        db.session.commit()
    page = client.get("/account", headers=GERMAN).get_data(as_text=True)
    assert '<html lang="en">' in page and "Your account" in page


def test_the_account_page_saves_the_language_and_audits_it(app, users):
    user = users[Role.SPECIALIST]
    client = log_in(app.test_client(), user)
    with app.app_context():
        version = db.session.get(type(user), user.id).version
    answer = client.post("/account/language", data={"locale": "de", "version": version})
    assert answer.status_code == 302
    page = client.get("/account").get_data(as_text=True)  # no Accept-Language: the profile decides
    assert '<html lang="de">' in page and "Ihr Konto" in page and "Ihre Sprache ist gespeichert." in page
    with app.app_context():
        assert db.session.get(type(user), user.id).locale is Language.DE
        [event] = _events(user)
        assert event.changes == {"locale": [None, "de"]}
    # back to "as my browser asks": the browser's English again
    with app.app_context():
        version = db.session.get(type(user), user.id).version
    client.post("/account/language", data={"locale": "", "version": version})
    with app.app_context():
        assert db.session.get(type(user), user.id).locale is None
    assert '<html lang="en">' in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("value", ["fr", "de' OR 1=1", "x" * 300])
def test_a_language_we_do_not_have_is_refused_and_changes_nothing(app, users, value):
    user = users[Role.SPECIALIST]
    client = log_in(app.test_client(), user)
    with app.app_context():
        version = db.session.get(type(user), user.id).version
    answer = client.post("/account/language", data={"locale": value, "version": version})
    assert answer.status_code == 422
    assert "Not a valid choice" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(type(user), user.id).locale is None
        assert _events(user) == []


def test_a_stale_account_form_is_refused(app, users):
    user = users[Role.SPECIALIST]
    client = log_in(app.test_client(), user)
    with app.app_context():
        version = db.session.get(type(user), user.id).version
    answer = client.post("/account/language", data={"locale": "de", "version": version - 1 or 99})
    assert answer.status_code == 409
    with app.app_context():
        assert db.session.get(type(user), user.id).locale is None


def test_the_switch_signed_in_sets_the_profile_and_returns_to_the_page(app, users):
    user = users[Role.COORDINATOR]
    client = log_in(app.test_client(), user)
    answer = client.post("/language", data={"language": "de", "next": "/cases/?status=draft"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/cases/?status=draft"
    assert LOCALE_COOKIE not in answer.headers.get("Set-Cookie", "")
    with app.app_context():
        assert db.session.get(type(user), user.id).locale is Language.DE
        assert len(_events(user)) == 1
    client.post("/language", data={"language": "de", "next": "/"})  # the same again: nothing to record
    with app.app_context():
        assert len(_events(user)) == 1
    assert "Fälle" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_switch_signed_out_keeps_the_choice_in_a_cookie(client):
    answer = client.post("/language", data={"language": "de", "next": "/login"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    cookie = answer.headers["Set-Cookie"]
    assert f"{LOCALE_COOKIE}=de" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert '<html lang="de">' in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"language": "en", "next": "/login"})
    assert '<html lang="en">' in client.get("/login", headers=GERMAN).get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "location"),
    [
        ({"language": "fr", "next": "/login"}, "/login"),  # refused, back to the page, nothing set
        ({"language": "de", "next": "https://evil.example/"}, "/"),  # never off the site
        ({"language": "de", "next": "//evil.example/"}, "/"),
        ({}, "/"),
    ],
)
def test_the_switch_refuses_what_it_cannot_use(client, data, location):
    answer = client.post("/language", data=data)
    assert answer.status_code == 302
    assert answer.headers["Location"] == location
    if data.get("language") != "de":
        assert LOCALE_COOKIE not in answer.headers.get("Set-Cookie", "")


def test_the_switch_is_in_the_navigation_for_everyone(app, users, client):
    signed_out = client.get("/login").get_data(as_text=True)
    assert 'id="language-switch"' in signed_out and 'value="/login"' in signed_out
    page = log_in(app.test_client(), users[Role.SUBMITTER]).get("/cases/?q=x").get_data(as_text=True)
    assert 'id="language-switch"' in page and 'name="next" value="/cases/?q=x"' in page
    assert 'lang="de"' in page and ">Deutsch<" in page and ">English<" in page


@pytest.mark.parametrize("headers, pressed", [({}, "en"), (GERMAN, "de")])
def test_the_switch_presses_the_pages_own_language(client, headers, pressed):
    page = client.get("/login", headers=headers).get_data(as_text=True)
    assert f'<html lang="{pressed}">' in page
    buttons = re.findall(
        r'<button type="submit" name="language" value="(\w+)".*?aria-pressed="(\w+)"', page, re.S
    )
    assert dict(buttons) == {code: str(code == pressed).lower() for code in ("de", "en")}


def _render(app, source, headers=None, **values):
    with app.test_request_context("/", headers=headers or {}):
        return render_template_string(source, **values)


def test_a_german_page_shows_german_dates_times_and_numbers(app):
    moment = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
    source = "{{ d|date }} · {{ t|datetime }} · {{ t|time }} · {{ 2.8|measure('cm') }} · {{ 1234.5|number }}"
    assert _render(app, source, GERMAN, d=date(2026, 12, 2), t=moment) == (
        "02.12.2026 · 02.12.2026 16:00 · 16:00 · 2,8\u00a0cm · 1.234,5"
    )
    assert _render(app, source, d=date(2026, 12, 2), t=moment) == (
        "02 Dec 2026 · 02 Dec 2026 16:00 · 16:00 · 2.8\u00a0cm · 1,234.5"
    )
    weekday = "{{ t|datetime('%a %d %b %Y, %H:%M') }}"  # a strftime style of the older templates
    assert _render(app, weekday, GERMAN, t=moment) == "Mi., 02.12.2026, 16:00"
    assert _render(app, weekday, t=moment) == "Wed 02 Dec 2026, 16:00"


def test_enum_labels_come_from_the_catalogue(app):
    from tumorboard.cases.models import CaseStatus
    from tumorboard.clinical.vocabularies import PrimarySite

    with app.test_request_context("/", headers=GERMAN):
        assert CaseStatus.DEFERRED.label == "Zurückgestellt"
        assert PrimarySite.STOMACH.label == "Magen"
        assert Role.CHAIR.label == "Vorsitz"
        assert PrimarySite.STOMACH == "stomach"  # the stored value never changes
    with app.test_request_context("/"):
        assert CaseStatus.DEFERRED.label == "Deferred" and PrimarySite.STOMACH.label == "Stomach"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2026-12-02", date(2026, 12, 2)), ("02.12.2026", date(2026, 12, 2)), ("2.12.2026", date(2026, 12, 2))],
)
def test_a_date_input_takes_the_iso_date_and_the_german_one(app, typed, expected):
    from werkzeug.datastructures import MultiDict

    from tumorboard.forms import Form, LocalDateField

    form_class = type(
        "OneDate", (Form,), {"day": LocalDateField("Day"), "Meta": type("Meta", (), {"csrf": False})}
    )
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({"day": typed}))
        assert form.validate() and form.day.data == expected
        assert 'type="date"' in form.day() and 'value="2026-12-02"' in form.day()


@pytest.mark.parametrize("typed", ["12/02/2026", "31.02.2026", "02.12.26x"])
def test_a_date_it_cannot_read_is_refused(app, typed):
    from werkzeug.datastructures import MultiDict

    from tumorboard.forms import Form, LocalDateField

    form_class = type(
        "OneDate", (Form,), {"day": LocalDateField("Day"), "Meta": type("Meta", (), {"csrf": False})}
    )
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict({"day": typed}))
        assert not form.validate() and form.day.errors
