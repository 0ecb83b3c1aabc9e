"""Issue 15: the case, meeting, decision and new-case screens in German (Accept-Language: de).

Each page is fetched twice, in English and in German. Every text of the German catalogue that the
English page shows as a whole element's text (or a whole attribute value) must be gone from the German
page, with its German translation in its place: no English leftover of what was marked. The English page
keeps today's wording (the other tests of these packages check that it is unchanged).
"""

import html
import json
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import log_in
from tests.decisions.support import a_signed_decision, save
from tumorboard.auth.roles import Role
from tumorboard.cases.models import Case
from tumorboard.decisions import operations
from tumorboard.extensions import db
from tumorboard.i18n import TRANSLATIONS_DIR

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


@cache
def catalogue() -> dict[str, str]:
    """The German catalogue's texts without placeholders, each with its translation."""
    with (TRANSLATIONS_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        messages = read_po(po)
    return {
        m.id: m.string
        for m in messages
        if m.id and isinstance(m.id, str) and m.string and "%(" not in m.id and m.string != m.id
    }


def _shown(page: str) -> set[str]:
    """The texts the page's own content (its <main>, not the layout's navigation) shows whole: each
    element's text, and each title, alt, placeholder and aria-label."""
    main = page[page.index("<main") : page.index("</main>")]
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", main, flags=re.S)
    # the options of the clinical vocabularies (sites, specialties …) are translated where the vocabularies
    # are (tumorboard.clinical, not these screens): the tests below check the options these screens own
    vocabulary = r"<option[^>]*>[^<]*</option>|<label class=\"form-check-label\"[^>]*>[^<]*</label>"
    body = re.sub(vocabulary, "", body)
    texts = {html.unescape(t).strip() for t in re.findall(r">([^<>]+)<", body)}
    texts |= {
        html.unescape(v).strip()
        for v in re.findall(r'\s(?:title|alt|placeholder|aria-label)="([^"]*)"', body)
    }
    return {t for t in texts if t}


def english_leftovers(english: str, german: str) -> list[str]:
    """The marked texts the English page shows that the German page shows in English still, or without
    their translation."""
    shown_en, shown_de = _shown(english), _shown(german)
    checked = [msgid for msgid in catalogue() if msgid in shown_en]
    assert checked, "the English page shows none of the catalogue's texts"
    unescaped = html.unescape(german)
    found = [
        msgid
        for msgid in checked
        if (msgid in shown_de and msgid not in catalogue().values()) or catalogue()[msgid] not in unescaped
    ]
    return found


def both(client, url: str, expected_status: int = 200) -> tuple[str, str]:
    english, german = client.get(url, headers=ENGLISH), client.get(url, headers=GERMAN)
    assert english.status_code == german.status_code == expected_status
    return english.text, german.text


def test_the_case_page_in_german(app, submitter, item):
    case = db.session.get(Case, item.case_id)
    english, german = both(log_in(app.test_client(), submitter), f"/cases/{case.id}")
    assert english_leftovers(english, german) == []
    assert "Fragestellung an die Tumorkonferenz" in german and "Bildgebung" in german
    assert f"Fall {case.id}" in german and "Question for the board" in english


def test_the_meeting_page_in_german(app, coordinator, meeting):
    english, german = both(log_in(app.test_client(), coordinator), f"/meetings/{meeting.id}")
    assert english_leftovers(english, german) == []
    assert "Tagesordnung" in german and "Beschlussfähigkeit" in german
    assert "Agenda" in english and "Quorum" in english


def test_the_decision_form_in_meeting_mode_in_german(app, chair, specialist, item):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision)
    db.session.commit()
    url = f"/meetings/{item.meeting_id}/mode?item={item.id}"
    english, german = both(log_in(app.test_client(), chair), url)
    assert english_leftovers(english, german) == []
    assert "Beschluss unterzeichnen" in german and "Entwurf speichern" in german
    assert '<option value="further_diagnostics">Weitere Diagnostik erforderlich</option>' in german
    assert '<option value="local">Hausinterner Standard</option>' in german
    assert "Sign the decision" in english and "Save draft" in english


def test_the_signed_decision_and_its_versions_in_german(app, chair, specialist, item):
    decision = a_signed_decision(specialist, chair, item)
    english, german = both(log_in(app.test_client(), chair), f"/cases/{decision.case_id}/decisions")
    assert english_leftovers(english, german) == []
    assert "Unterzeichneter Beschluss" in german and "Diesen Beschluss ergänzen" in german


@pytest.mark.parametrize("headers", [GERMAN, ENGLISH], ids=["de", "en"])
def test_a_refused_new_case_comes_back_in_the_request_language(app, users, board, create_patient, headers):
    submitter = users[Role.SUBMITTER]
    patient = create_patient(created_by=submitter)
    db.session.commit()
    client = log_in(app.test_client(), submitter)
    before = db.session.query(Case).count()
    data = {
        "board_id": board.id,
        "conference_type": "pre_therapeutic",
        "primary_site": "pancreas",
        "tumour_size_cm": "-1",
        "clinical_question": "Resection or surveillance?",
    }
    refused = client.post(f"/patients/{patient.id}/cases/new", data=data, headers=headers)
    assert refused.status_code == 422
    assert db.session.query(Case).count() == before
    assert "Resection or surveillance?" in refused.text  # what was typed comes back
    if headers is GERMAN:
        assert "Bitte korrigieren Sie die unten markierten Felder." in refused.text
        assert "Please correct the fields marked below" not in refused.text
        assert "Fall als Entwurf speichern" in refused.text and "Save draft case" not in refused.text
        english = client.post(f"/patients/{patient.id}/cases/new", data=data, headers=ENGLISH)
        assert english_leftovers(english.text, refused.text) == []
    else:
        assert "Please correct the fields marked below. Nothing has been saved." in refused.text
        assert "Save draft case" in refused.text


def test_the_flash_after_saving_a_draft_is_in_the_request_language(app, specialist, item):
    from tests.decisions.test_decision_views import form_data

    decision = operations.start_decision(specialist, item)
    db.session.commit()
    client = log_in(app.test_client(), specialist)
    saved = client.post(f"/decisions/{decision.id}", data=form_data(decision), headers=GERMAN)
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"], headers=GERMAN).text
    assert "Entwurf gespeichert." in page and "Draft saved." not in page


def _script_texts(page: str) -> dict[str, str]:
    block = re.search(r'<script type="application/json" id="script-texts">(.*?)</script>', page, re.S)
    assert block, "the page gives its script no texts"
    return json.loads(html.unescape(block.group(1)))


@pytest.mark.parametrize("script", ["meeting_mode", "agenda", "attendance"])
def test_the_page_scripts_write_in_the_readers_language(app, chair, coordinator, specialist, item, script):
    """What the scripts write (autosave, the agenda's order, the live quorum) comes with the page, in its
    language, from tumorboard/script_texts.py: every text of the script, none left English in German."""
    from tumorboard.script_texts import SCRIPT_TEXTS

    url, user = {
        "meeting_mode": (f"/meetings/{item.meeting_id}/mode?item={item.id}", chair),
        "agenda": (f"/meetings/{item.meeting_id}", coordinator),
        "attendance": (f"/meetings/{item.meeting_id}/attendance", coordinator),
    }[script]
    english, german = both(log_in(app.test_client(), user), url)
    in_english, in_german = _script_texts(english), _script_texts(german)
    assert set(in_english) == set(in_german) == set(SCRIPT_TEXTS[f"{script}.js"])
    assert all(in_german[key] != in_english[key] for key in in_english if key not in ("plan",)), in_german
    assert all(catalogue().get(in_english[key], in_german[key]) == in_german[key] for key in in_english)


def test_no_page_script_writes_english_of_its_own():
    """The scripts take every word they show from their page's texts: no string literal is written into
    the page (textContent, a text node, an element's text), so none can stay English."""
    static = Path(__file__).resolve().parents[2] / "tumorboard" / "static"
    written = re.compile(r'(textContent\s*=|createTextNode\(|element\("\w+",)\s*"[A-Za-z]')
    for script in ("agenda.js", "attendance.js", "meeting_mode.js"):
        text = (static / script).read_text()
        assert not written.findall(text), f"{script} writes English of its own"
        assert "script-texts" in text
