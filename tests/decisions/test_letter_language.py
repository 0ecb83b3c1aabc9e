"""A letter's language: chosen per letter (default: the hospital's DEFAULT_LOCALE), whatever language the
screen of the chair or the reader is in; the PDF and the letter page written in it, with its dates."""

import io

import pytest
from pypdf import PdfReader

from tests.decisions.support import client_of
from tests.meetings.support import events
from tumorboard.decisions.models import Decision
from tumorboard.extensions import db
from tumorboard.timezones import to_local

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _choose(client, decision: Decision, language: str, headers=ENGLISH, version=None):
    return client.post(
        f"/decisions/{decision.id}/letter/language",
        data={"letter_language": language, "version": decision.version if version is None else version},
        headers=headers,
    )


def _signed_day(decision: Decision, pattern: str) -> str:
    return to_local(decision.signed_at).strftime(pattern)


def test_the_letter_is_in_the_hospitals_language_until_one_is_chosen(app, chair, signed):
    client = client_of(app, chair)
    text = _pdf_text(client.get(f"/decisions/{signed.id}/letter.pdf", headers=GERMAN).data)
    assert "Tumor board decision" in text and "Beschluss der Tumorkonferenz" not in text
    assert "Page 1 of" in text and _signed_day(signed, "%B %Y").lstrip("0") in text

    app.config["DEFAULT_LOCALE"] = "de"
    try:
        text = _pdf_text(client.get(f"/decisions/{signed.id}/letter.pdf", headers=ENGLISH).data)
    finally:
        app.config["DEFAULT_LOCALE"] = "en"
    assert "Beschluss der Tumorkonferenz" in text and "Seite 1 von" in text
    assert _signed_day(signed, "%d.%m.%Y") in text


def test_a_german_letter_from_a_chair_who_reads_english(app, chair, signed):
    client = client_of(app, chair)
    page = client.get(f"/decisions/{signed.id}/letter", headers=ENGLISH).text
    assert 'name="letter_language"' in page and "Language of the letter" in page

    response = _choose(client, signed, "de", headers=ENGLISH)
    assert response.status_code == 302
    db.session.refresh(signed)
    assert signed.letter_language == "de"
    (chosen,) = events("decision.letter_language_chosen")
    assert chosen.actor_id == chair.id and chosen.entity_id == str(signed.id)

    pdf = client.get(f"/decisions/{signed.id}/letter.pdf", headers=ENGLISH)
    reader = PdfReader(io.BytesIO(pdf.data))
    text = _pdf_text(pdf.data)
    for german in (
        "Beschluss der Tumorkonferenz",
        "Fragestellung an die Tumorkonferenz",
        "Anwesend in der Sitzung",
        "Elektronisch unterzeichnet am",
        "Vertraulich: Patientendaten",
        "Seite 1 von",
        _signed_day(signed, "%d.%m.%Y"),
    ):
        assert german in text, german
    for english in ("Tumor board decision", "Present at the meeting", "Page 1 of", "Confidential"):
        assert english not in text, english
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert "Lanreotide autogel 120 mg" in text  # what the board typed stays as typed

    page = client.get(f"/decisions/{signed.id}/letter", headers=ENGLISH).text
    assert '<article lang="de">' in page and "Beschluss der Tumorkonferenz" in page
    assert "Print with Ctrl+P." in page  # the page's own controls in the reader's language


def test_an_english_letter_from_a_chair_who_reads_german(app, chair, signed):
    client = client_of(app, chair)
    assert _choose(client, signed, "de", headers=GERMAN).status_code == 302
    db.session.refresh(signed)
    assert _choose(client, signed, "en", headers=GERMAN).status_code == 302
    db.session.refresh(signed)
    assert signed.letter_language == "en"
    text = _pdf_text(client.get(f"/decisions/{signed.id}/letter.pdf", headers=GERMAN).data)
    assert "Tumor board decision" in text and "Present at the meeting" in text and "Page 1 of" in text
    assert "Beschluss" not in text and "Seite" not in text
    page = client.get(f"/decisions/{signed.id}/letter", headers=GERMAN).text
    assert '<article lang="en">' in page and "Drucken mit Strg+P." in page
    assert len(events("decision.letter_language_chosen")) == 2


@pytest.mark.parametrize("value", ["fr", "", "deutsch", "x" * 500])
def test_a_language_we_do_not_have_is_refused_and_changes_nothing(app, chair, signed, value):
    before = signed.version
    response = _choose(client_of(app, chair), signed, value)
    assert response.status_code == 422
    assert "Not a valid choice" in response.text or "Choose the language of the letter" in response.text
    db.session.refresh(signed)
    assert signed.letter_language is None and signed.version == before
    assert events("decision.letter_language_chosen") == []


def test_a_stale_form_is_a_conflict(app, chair, signed):
    client = client_of(app, chair)
    assert _choose(client, signed, "de", version=signed.version - 1).status_code == 409
    db.session.refresh(signed)
    assert signed.letter_language is None


def test_who_may_choose(app, submitter, outsider, signed):
    assert client_of(app, submitter).get(f"/decisions/{signed.id}/letter").status_code == 200
    assert (
        'name="letter_language"' not in client_of(app, submitter).get(f"/decisions/{signed.id}/letter").text
    )
    assert _choose(client_of(app, submitter), signed, "de").status_code == 403
    assert _choose(client_of(app, outsider), signed, "de").status_code == 404
    anonymous = app.test_client().post(
        f"/decisions/{signed.id}/letter/language", data={"letter_language": "de"}
    )
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    db.session.refresh(signed)
    assert signed.letter_language is None


def test_a_draft_has_no_letter_to_choose_for(app, chair, draft):
    assert _choose(client_of(app, chair), draft, "de").status_code == 404
    db.session.refresh(draft)
    assert draft.letter_language is None
