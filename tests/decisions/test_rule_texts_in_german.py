"""Issue 15: the clinical summary's rule texts in the reader's language, citing the same sources.

A live case page writes the clinical core's texts again with the request's catalogue (German for a German
reader, no lang="en" left on them); the English page keeps today's wording. A signed decision's frozen
record keeps the English sentences it was signed with, and shows them as such (lang="en"), whoever reads.
"""

import html
import re

from tests.conftest import log_in
from tests.decisions.support import a_signed_decision
from tumorboard.extensions import db
from tumorboard.meetings.models import AgendaItem

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
# the waiting case's pathology: a pancreatic NET, Ki-67 8 %, 3 mitoses per 2 mm² (tests/decisions/conftest.py)
GRADE_EN = (
    "WHO 2019 digestive system: Ki-67 3–20% is G2; 2–20 mitoses per 2 mm² is G2; the higher grade wins."
)
GRADE_DE = (
    "WHO 2019, Verdauungstrakt: Ki-67 3–20 % ergibt G2; 2–20 Mitosen pro 2 mm² ergibt G2; es gilt das "
    "höhere Grading."
)


def _page(client, url: str, headers: dict) -> str:
    answer = client.get(url, headers=headers)
    assert answer.status_code == 200
    return html.unescape(answer.text)


def _marked_english(page: str, text: str) -> bool:
    return re.search(r'<span lang="en">' + re.escape(text) + "</span>", page) is not None


def test_a_german_case_page_shows_the_rules_in_german_with_their_sources(app, specialist, item):
    client = log_in(app.test_client(), specialist)
    german = _page(client, f"/cases/{item.case_id}", GERMAN)
    assert f"<span>{GRADE_DE}</span>" in german  # in the page's language: no lang="en" on it
    assert GRADE_EN not in german
    assert "Berechnet (<span>WHO 2019, Verdauungstrakt</span>)" in german
    # the stage rule cites AJCC 8 in German too
    assert re.search(r"<span>AJCC 8, Stadiengruppen der NET \([^<]*\): [^<]* ist Stadium ", german)


def test_the_english_case_page_keeps_its_wording(app, specialist, item):
    client = log_in(app.test_client(), specialist)
    english = _page(client, f"/cases/{item.case_id}", ENGLISH)
    assert f"<span>{GRADE_EN}</span>" in english
    assert "Computed (<span>WHO 2019 digestive system</span>)" in english
    assert (
        "AJCC 8 NET stage groups (stomach, duodenum/ampulla, jejunum/ileum, appendix, pancreas): " in english
    )


def test_a_signed_decisions_frozen_record_keeps_the_english_it_was_signed_with(app, specialist, chair, item):
    decision = a_signed_decision(specialist, chair, item)
    agenda_item = db.session.get(AgendaItem, decision.agenda_item_id)
    presented = agenda_item.snapshot.data["presented"]
    assert presented["summary"]["grade"]["result"]["rule"] == GRADE_EN
    assert presented["summary"]["grade"]["scheme"] == "WHO 2019 digestive system"

    client = log_in(app.test_client(), chair)
    url = f"/meetings/{agenda_item.meeting_id}/mode?item={agenda_item.id}"
    german = _page(client, url, GERMAN)
    assert _marked_english(german, GRADE_EN)  # as signed, and said to be English
    assert GRADE_DE not in german
    english = _page(client, url, ENGLISH)
    assert _marked_english(english, GRADE_EN)
    # the live case page moves on to the reader's language; the frozen record did not change
    assert f"<span>{GRADE_DE}</span>" in _page(client, f"/cases/{agenda_item.case_id}", GERMAN)
    db.session.expire_all()
    assert db.session.get(AgendaItem, agenda_item.id).snapshot.data["presented"] == presented


def test_the_summary_flags_read_in_german(app, submitter, board, create_case, create_pathology):
    """A reported pT the app computes otherwise, and an extent the site's chapter does not know: both
    flags in the reader's language, the English page as before."""
    case = create_case(submitter=submitter, board=board, primary_site="colon", extent="limited_to_pancreas")
    create_pathology(case, created_by=submitter, reported_tnm="pT3 pN0")
    db.session.commit()
    client = log_in(app.test_client(), submitter)
    english = _page(client, f"/cases/{case.id}", ENGLISH)
    german = _page(client, f"/cases/{case.id}", GERMAN)
    assert "<span>Stage: Unknown depth of invasion 'limited_to_pancreas' for colon.</span>" in english
    assert "<span>Stadium: Unbekannte Invasionstiefe 'limited_to_pancreas' für colon.</span>" in german

    other = create_case(submitter=submitter, board=board, primary_site="pancreas", tumour_size_cm=2.5)
    create_pathology(other, created_by=submitter, reported_tnm="pT3 pN0")
    db.session.commit()
    english = _page(client, f"/cases/{other.id}", ENGLISH)
    german = _page(client, f"/cases/{other.id}", GERMAN)
    assert "The pathologist reported T3 (pT3 pN0); the app computes T2." in english
    assert "Die Pathologie hat T3 befundet (pT3 pN0); die Anwendung berechnet T2. Der Befund gilt;" in german
