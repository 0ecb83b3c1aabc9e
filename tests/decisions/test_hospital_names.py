"""The hospital's names (config HOSPITAL_NAME, LETTERHEAD): shown as configured in every language; left
empty (the demo), the catalogue's in the reader's language and no made-up address (tumorboard.hospital)."""

import io

from pypdf import PdfReader

from tests.decisions.support import client_of
from tests.german import GERMAN


def _letter_text(client, decision) -> str:
    data = client.get(f"/decisions/{decision.id}/letter.pdf").data
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_an_unnamed_hospital_is_named_in_the_readers_language(app, chair, signed):
    assert app.config["HOSPITAL_NAME"] == "" and app.config["LETTERHEAD"] == ""
    client = client_of(app, chair)
    assert "Universitätsklinikum" in client.get("/", headers=GERMAN, follow_redirects=True).text
    assert "University Hospital" in _letter_text(client, signed)
    client.post(
        f"/decisions/{signed.id}/letter/language", data={"letter_language": "de", "version": signed.version}
    )
    german = _letter_text(client, signed)
    assert "Universitätsklinikum" in german and "Zentrum für Neuroendokrine Tumoren" in german
    assert "University Hospital" not in german and "Berlin" not in german


def test_a_configured_name_is_shown_as_written_in_every_language(app, chair, signed):
    """What the hospital configured at signing is frozen into the letter; a name is not translated."""
    app.config["HOSPITAL_NAME"] = "Klinikum Musterstadt"
    app.config["LETTERHEAD"] = "Zentrum für Neuroendokrine Tumoren|Musterweg 1, 12345 Musterstadt"
    try:
        client = client_of(app, chair)
        english_page = client.get("/", headers={"Accept-Language": "en"}, follow_redirects=True).text
        assert "Klinikum Musterstadt" in english_page
    finally:
        app.config["HOSPITAL_NAME"], app.config["LETTERHEAD"] = "", ""
    letter = _letter_text(client, signed)
    assert "University Hospital" in letter and "Klinikum Musterstadt" not in letter  # signed before
