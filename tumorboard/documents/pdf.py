"""The board's printed page (fpdf2, with the DejaVu fonts that ship with matplotlib): A4 portrait, a
running header from page 2, the confidentiality footer with "Page X of Y" on every page. The agenda and
the letter are laid out on it, so the board's documents look alike."""

from __future__ import annotations

import copy
import io
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import cast

import matplotlib
from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from tumorboard.documents.base import _

FONT = "DejaVu"
PAGE_MARGIN = 18.0
MM_PER_PT = 25.4 / 72

INK = (33, 37, 41)
MUTED = (95, 102, 112)
RULE = (190, 196, 204)
ACCENT = (0, 72, 128)
BAND = (238, 242, 246)
WARN_BG = (255, 244, 214)
WARN_INK = (110, 75, 0)
DANGER_BG = (250, 222, 225)
DANGER_INK = (160, 20, 40)


def line_h(size: float) -> float:
    return size * MM_PER_PT * 1.35


@cache
def _font_files() -> tuple[str, str]:
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return str(fonts / "DejaVuSans.ttf"), str(fonts / "DejaVuSans-Bold.ttf")


class _ParsedFonts:
    """The DejaVu fonts as fpdf2 parses them (glyph widths, character map, descriptor): parsed once per
    process, on the first document, instead of on every one (about 30 % of an agenda PDF's time).

    What a document changes in a font is its own: its number in the document, the glyphs it used (the
    subset) and, when the PDF is written, the fontTools font itself, which fpdf2 cuts down to that subset
    in place. So each document gets a shallow copy of the parsed font with that state new, and a fontTools
    font of its own opened lazily on the file's bytes kept in memory (reading only the table directory);
    the parsed tables it shares are only read."""

    _lock = threading.Lock()
    _parsed: dict[str, tuple[TTFFont, bytes]] = {}

    @classmethod
    def add_to(cls, pdf: FPDF, family: str, style: str, path: str) -> None:
        fontkey = f"{family.lower()}{style}"
        parsed, data = cls._template(pdf, family, style, path, fontkey)
        font = copy.copy(parsed)
        font.i = len(pdf.fonts) + 1
        font.biggest_size_pt = 0
        font.missing_glyphs = []
        font._hbfont = None
        font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
        font.subset = SubsetMap(font)
        pdf.fonts[fontkey] = font

    @classmethod
    def _template(cls, pdf: FPDF, family: str, style: str, path: str, fontkey: str) -> tuple[TTFFont, bytes]:
        with cls._lock:
            if fontkey not in cls._parsed:
                scratch = FPDF()
                scratch.add_font(family, style, path)
                parsed = cast(TTFFont, scratch.fonts[fontkey])
                parsed.ttfont.close()  # each document opens its own (above); the file is not kept open
                cls._parsed[fontkey] = (parsed, Path(path).read_bytes())
            return cls._parsed[fontkey]


class BoardPDF(FPDF):
    """A4 portrait with a running header from page 2 and the confidentiality footer on every page."""

    def __init__(self, running_title: str, generated: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running_title = running_title
        self.generated = generated
        regular, bold = _font_files()
        _ParsedFonts.add_to(self, FONT, "", regular)
        _ParsedFonts.add_to(self, FONT, "B", bold)
        self.set_margins(PAGE_MARGIN, 15, PAGE_MARGIN)
        self.set_auto_page_break(auto=True, margin=20)
        self.c_margin = 0

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.style(8.5, color=MUTED)
        self.cell(0, 5, self.running_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.rule(self.get_y() + 1)
        self.set_y(self.get_y() + 5)

    def footer(self) -> None:
        self.set_y(-14)
        self.rule(self.get_y())
        self.set_y(self.get_y() + 1.5)
        self.style(8, "B", color=DANGER_INK)
        self.cell(self.epw / 3, 4, _("Confidential: patient data"))
        self.style(8, color=MUTED)
        self.cell(self.epw / 3, 4, self.generated, align="C")
        self.cell(
            self.epw / 3, 4, _("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}"), align="R"
        )

    def style(self, size: float, weight: str = "", *, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, weight, size)
        self.set_text_color(*color)

    def rule(self, y: float, color: tuple[int, int, int] = RULE, width: float = 0.2) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(self.l_margin, y, self.w - self.r_margin, y)

    def wrap(self, text: str, width: float, size: float, weight: str = "") -> list[str]:
        """The lines fpdf would print, so that a block is measured exactly as it is drawn."""
        self.set_font(FONT, weight, size)
        # output=LINES returns just the lines; fpdf annotates multi_cell with every output mode's union
        lines = cast(
            list[str],
            self.multi_cell(
                width, line_h(size), text, dry_run=True, output=MethodReturnValue.LINES, align="L"
            ),
        )
        return lines or [""]

    def lines(
        self,
        x: float,
        width: float,
        lines: Sequence[str],
        size: float,
        weight: str = "",
        *,
        color: tuple[int, int, int] = INK,
        align: str = "L",
    ) -> None:
        """Pre-wrapped lines, one cell each, from `x` down; a page break keeps the column."""
        self.style(size, weight, color=color)
        for line in lines:
            self.set_x(x)
            self.cell(width, line_h(size), line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
