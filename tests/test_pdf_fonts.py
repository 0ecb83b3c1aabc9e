"""The PDF fonts are parsed once per process (tumorboard/documents/pdf.py `_ParsedFonts`): a second
document reuses the parsed DejaVu fonts, and every document still embeds the glyphs it uses, whatever the
documents before it used, also when documents are made in several threads at once."""

import io
import threading
from datetime import UTC, datetime

import pytest
from fpdf.fonts import TTFFont
from pypdf import PdfReader

from tumorboard.documents import pdf as board_pdf


def _document(text: str) -> bytes:
    pdf = board_pdf.BoardPDF("Running title", "Generated today")
    pdf.set_creation_date(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))  # bytes comparable across seconds
    pdf.add_page()
    pdf.style(11)
    pdf.cell(0, 8, text)
    pdf.style(11, "B")
    pdf.cell(0, 8, text.upper())
    return bytes(pdf.output())


def _text(document: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document)).pages)


@pytest.fixture
def parses(monkeypatch):
    """The number of times fpdf2 parses a font file, counted from a process with no font parsed yet."""
    monkeypatch.setattr(board_pdf._ParsedFonts, "_parsed", {})
    calls = []
    original = TTFFont.__init__

    def counting(self, *args, **kwargs):
        calls.append(args[2])  # the font key
        original(self, *args, **kwargs)

    monkeypatch.setattr(TTFFont, "__init__", counting)
    return calls


def test_the_second_pdf_parses_no_font(parses):
    first = _document("Müller, Ki-67 ≥ 20 %")
    assert sorted(parses) == ["dejavu", "dejavuB"]
    second = _document("Øresund — Škoda")
    assert sorted(parses) == ["dejavu", "dejavuB"]  # none parsed again
    assert "Müller, Ki-67 ≥ 20 %" in _text(first)
    assert "MÜLLER, KI-67 ≥ 20 %" in _text(first)
    # the second document's subset holds its own glyphs, not only the first one's
    assert "Øresund — Škoda" in _text(second)
    assert "ØRESUND — ŠKODA" in _text(second)


def test_the_same_text_gives_the_same_bytes_again(parses):
    """A document does not carry anything of the one made before it (font numbers, glyph subsets)."""
    first = _document("Chromogranin A 180 ng/mL")
    _document("Something else entirely: äöü ß")
    assert _document("Chromogranin A 180 ng/mL") == first


def test_documents_made_in_threads_each_embed_their_own_text(parses):
    texts = [f"Patient {n}: Ärztin Łukasz №{n}" for n in range(6)]
    results: dict[int, bytes] = {}

    def make(n: int) -> None:
        results[n] = _document(texts[n])

    threads = [threading.Thread(target=make, args=(n,)) for n in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(parses) == ["dejavu", "dejavuB"]
    for n, text in enumerate(texts):
        assert text in _text(results[n])
