"""The printable agenda of a meeting (PDF, fpdf2 with the DejaVu fonts that ship with matplotlib).

Pure functions over plain dataclasses, so views, the CLI and the tests build them the same way and no
document needs the app or the database. The caller formats what the hospital configures (patient labels,
site and stage labels); these functions lay it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf.enums import XPos, YPos

from tumorboard.documents.base import (
    ENGLISH,
    Language,
    _,
    at,
    day,
    ngettext,
    printed,
    require_aware,
    when,
    written_in,
)
from tumorboard.documents.pdf import (
    ACCENT,
    BAND,
    DANGER_BG,
    DANGER_INK,
    FONT,
    INK,
    MUTED,
    WARN_BG,
    WARN_INK,
    BoardPDF,
    line_h,
)


@dataclass(frozen=True)
class MeetingInfo:
    board_name: str
    starts_at: datetime  # aware, in the hospital's zone
    ends_at: datetime
    room: str  # may be ""
    video_link: str  # may be ""
    cutoff_at: datetime
    status: str  # "planned", "agenda locked", "in progress", "closed", "cancelled"
    capacity_cases: int | None
    capacity_minutes: int | None
    status_label: str = ""  # the status in the document's language ("": `status` as it is)


@dataclass(frozen=True)
class AgendaEntry:
    position: int
    patient_label: str  # formatted as the hospital configures
    site: str
    grade: str
    stage: str
    question: str
    presenter: str  # may be ""
    minutes: int
    mode: str  # its label: "full discussion" or "for noting (standard of care)"
    missing: tuple[str, ...] = ()  # readiness warnings: what the board will miss
    late: bool = False  # added after the cut-off
    late_reason: str = ""
    override_reason: str = ""  # the submitter's reason to submit without what was missing ("": none)
    submitted_without: tuple[str, ...] = ()  # what was missing when it was submitted anyway


_NUMBER_W = 11.0  # the case's position
_SIDE_W = 44.0  # minutes and mode, right-aligned
_LABEL_W = 23.0  # at least: "Question:", "Presenter:", "Missing:"


def _label_width(pdf: BoardPDF, labels: Sequence[str], size: float) -> float:
    """The label column: wide enough for the longest label in the document's language, bold."""
    pdf.set_font(FONT, "B", size)
    return max(_LABEL_W, *(pdf.get_string_width(label) + 2.5 for label in labels))


def _entry_label_width(pdf: BoardPDF) -> float:
    return _label_width(pdf, (_("Question:"), _("Presenter:"), _("Missing:")), 8.5)


_GAP = 3.0


@dataclass
class _Row:
    """One labelled row of a case block ("Question:", "Missing:", ...), already wrapped to its width."""

    label: str
    lines: list[str]
    size: float
    weight: str = ""
    color: tuple[int, int, int] = INK
    fill: tuple[int, int, int] | None = None

    @property
    def height(self) -> float:
        return len(self.lines) * line_h(self.size) + (2.0 if self.fill else 0.0) + 0.8


@dataclass
class _Block:
    head: dict[str, list[str]]
    head_h: float
    rows: list[_Row]

    @property
    def height(self) -> float:
        return 2.5 + self.head_h + 1.5 + sum(row.height for row in self.rows) + 3.0


def _layout(pdf: BoardPDF, entry: AgendaEntry) -> _Block:
    body_w = pdf.epw - _NUMBER_W
    head_w = body_w - _SIDE_W - _GAP
    value_w = body_w - _entry_label_width(pdf)
    head = {
        "label": pdf.wrap(entry.patient_label, head_w, 11.5, "B"),
        "meta": pdf.wrap(f"{entry.site}   |   {entry.grade}   |   {entry.stage}", head_w, 9),
        "mode": pdf.wrap(entry.mode, _SIDE_W, 8.5),
    }
    head_h = max(
        len(head["label"]) * line_h(11.5) + len(head["meta"]) * line_h(9),
        line_h(11.5) + len(head["mode"]) * line_h(8.5),
    )
    rows = []
    if entry.late:
        text = _(
            "Added after the cut-off: %(reason)s", reason=entry.late_reason.strip() or _("no reason given")
        )
        rows.append(_Row("", pdf.wrap(text, body_w - 4, 9, "B"), 9, "B", DANGER_INK, DANGER_BG))
    rows.append(_Row(_("Question:"), pdf.wrap(entry.question.strip() or "—", value_w, 10), 10))
    presenter = entry.presenter.strip()
    rows.append(
        _Row(
            _("Presenter:"),
            pdf.wrap(presenter or _("not assigned"), value_w, 9.5),
            9.5,
            color=INK if presenter else MUTED,
        )
    )
    if entry.missing:
        text = "; ".join(entry.missing)
        rows.append(_Row(_("Missing:"), pdf.wrap(text, value_w - 2, 9.5), 9.5, color=WARN_INK, fill=WARN_BG))
    if entry.override_reason.strip():
        # the missing items are sentences, each with its full stop
        reason = entry.override_reason.strip()
        if entry.submitted_without:
            text = _(
                "Submitted anyway, without: %(missing)s The submitter's reason: %(reason)s",
                missing=" ".join(entry.submitted_without),
                reason=reason,
            )
        else:
            text = _("Submitted anyway. The submitter's reason: %(reason)s", reason=reason)
        rows.append(_Row("", pdf.wrap(text, body_w - 4, 9.5), 9.5, color=WARN_INK, fill=WARN_BG))
    return _Block(head, head_h, rows)


def _draw_entry(pdf: BoardPDF, entry: AgendaEntry) -> None:
    """One case; it starts on a new page unless it fits whole (a case longer than a page flows on)."""
    block = _layout(pdf, entry)
    page_body = pdf.page_break_trigger - pdf.t_margin - 10
    needed = block.height if block.height <= page_body else block.head_h + 30
    if pdf.will_page_break(needed):
        pdf.add_page()

    left, right = pdf.l_margin, pdf.w - pdf.r_margin
    body_x = left + _NUMBER_W
    side_x = right - _SIDE_W
    top = pdf.get_y() + 2.5
    pdf.set_y(top)
    pdf.lines(left, _NUMBER_W, [str(entry.position)], 13, "B", color=ACCENT)
    pdf.set_y(top)
    pdf.lines(side_x, _SIDE_W, [_("%(minutes)s min", minutes=entry.minutes)], 11.5, "B", align="R")
    pdf.lines(side_x, _SIDE_W, block.head["mode"], 8.5, color=MUTED, align="R")
    pdf.set_y(top)
    pdf.lines(body_x, side_x - body_x - _GAP, block.head["label"], 11.5, "B")
    pdf.lines(body_x, side_x - body_x - _GAP, block.head["meta"], 9, color=MUTED)
    pdf.set_y(top + block.head_h + 1.5)

    label_w = _entry_label_width(pdf)
    for row in block.rows:
        # a row's label and its first line (a filled note: all of it) stay together
        if pdf.will_page_break(row.height if row.fill else line_h(row.size)):
            pdf.add_page()
        if row.fill:
            pdf.set_fill_color(*row.fill)
            pdf.rect(body_x, pdf.get_y(), right - body_x, row.height - 0.8, style="F")
            pdf.set_y(pdf.get_y() + 1.0)
        x = body_x + (2 if row.fill else 0)
        if row.label:
            y = pdf.get_y()
            size = row.size if row.fill else 8.5
            pdf.lines(x, label_w, [row.label], size, "B", color=row.color if row.fill else MUTED)
            pdf.set_y(y)
            x = body_x + label_w
        pdf.lines(x, right - x - (2 if row.fill else 0), row.lines, row.size, row.weight, color=row.color)
        pdf.set_y(pdf.get_y() + (1.0 if row.fill else 0.0) + 0.8)

    pdf.set_y(pdf.get_y() + 2.2)
    pdf.rule(pdf.get_y())
    pdf.set_y(pdf.get_y() + 0.8)


def _draw_title(pdf: BoardPDF, meeting: MeetingInfo, entries: Sequence[AgendaEntry], hospital: str) -> None:
    zone = meeting.starts_at.tzinfo
    pdf.style(9.5, color=MUTED)
    pdf.multi_cell(0, line_h(9.5), hospital, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style(19, "B", color=ACCENT)
    pdf.multi_cell(0, line_h(19), meeting.board_name, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style(10, color=MUTED)
    pdf.cell(0, line_h(10), _("Agenda"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 2)
    pdf.style(12.5, "B")
    pdf.multi_cell(
        0,
        line_h(12.5),
        when(meeting.starts_at, meeting.ends_at),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_y(pdf.get_y() + 1)
    details = []
    if meeting.room.strip():
        details.append((_("Room:"), meeting.room.strip()))
    if meeting.video_link.strip():
        details.append((_("Video:"), meeting.video_link.strip()))
    if not details:
        details.append((_("Place:"), _("not yet set")))
    details.append((_("Cut-off:"), at(meeting.cutoff_at.astimezone(zone))))
    details.append((_("Status:"), meeting.status_label or meeting.status))
    label_w = _label_width(pdf, [label for label, _value in details], 9.5)
    for label, value in details:
        y = pdf.get_y()
        pdf.lines(pdf.l_margin, label_w, [label], 9.5, "B", color=MUTED)
        pdf.set_y(y)
        x = pdf.l_margin + label_w
        pdf.lines(x, pdf.epw - label_w, pdf.wrap(value, pdf.epw - label_w, 9.5), 9.5)
    pdf.set_y(pdf.get_y() + 3)

    if meeting.status == "cancelled":
        _band(pdf, _("This meeting has been cancelled."), DANGER_BG, DANGER_INK)

    minutes = sum(entry.minutes for entry in entries)
    cases, capacity = len(entries), meeting.capacity_cases
    if capacity is not None:
        parts = [_("%(cases)s of %(capacity)s cases", cases=cases, capacity=capacity)]
    else:
        parts = [ngettext("%(num)s case", "%(num)s cases", cases)]
    if meeting.capacity_minutes is not None:
        parts.append(
            _("%(minutes)s of %(capacity)s minutes", minutes=minutes, capacity=meeting.capacity_minutes)
        )
    else:
        parts.append(_("%(minutes)s minutes", minutes=minutes))
    late = sum(1 for entry in entries if entry.late)
    incomplete = sum(1 for entry in entries if entry.missing)
    if late:
        parts.append(_("%(count)s added after the cut-off", count=late))
    if incomplete:
        parts.append(_("%(count)s with missing items", count=incomplete))
    _band(pdf, "  ·  ".join(parts), BAND, INK)

    over = []
    if meeting.capacity_minutes is not None and minutes > meeting.capacity_minutes:
        over.append(
            _(
                "%(extra)s minutes more than the %(capacity)s available",
                extra=minutes - meeting.capacity_minutes,
                capacity=meeting.capacity_minutes,
            )
        )
    if meeting.capacity_cases is not None and len(entries) > meeting.capacity_cases:
        extra = ngettext("%(num)s case", "%(num)s cases", len(entries) - meeting.capacity_cases)
        over.append(
            ngettext(
                "%(extra)s more than the %(num)s place",
                "%(extra)s more than the %(num)s places",
                meeting.capacity_cases,
                extra=extra,
            )
        )
    if over:
        _band(pdf, _("Over capacity: %(details)s.", details="; ".join(over)), DANGER_BG, DANGER_INK)
    pdf.set_y(pdf.get_y() + 1)
    pdf.rule(pdf.get_y(), INK, 0.4)
    pdf.set_y(pdf.get_y() + 0.8)


def _band(pdf: BoardPDF, text: str, background: tuple[int, int, int], ink: tuple[int, int, int]) -> None:
    """A full-width shaded line: the summary, and the warnings nobody should miss."""
    lines = pdf.wrap(text, pdf.epw - 6, 9.5, "B")
    height = len(lines) * line_h(9.5) + 3.4
    pdf.set_fill_color(*background)
    pdf.rect(pdf.l_margin, pdf.get_y(), pdf.epw, height, style="F")
    pdf.set_y(pdf.get_y() + 1.7)
    pdf.lines(pdf.l_margin + 3, pdf.epw - 6, lines, 9.5, "B", color=ink)
    pdf.set_y(pdf.get_y() + 1.7 + 2)


def agenda_pdf(
    meeting: MeetingInfo,
    entries: Sequence[AgendaEntry],
    *,
    hospital: str,
    generated_at: datetime,
    language: Language = ENGLISH,
) -> bytes:
    """The agenda as the chair and the secretary print it: one block per case, in agenda order, in
    `language` (the labels in `meeting` and `entries` come already in it).

    The document carries patient data, so every page says so. Its creation date is `generated_at`,
    which makes the bytes reproducible for the same input.
    """
    require_aware(
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        cutoff_at=meeting.cutoff_at,
        generated_at=generated_at,
    )
    with written_in(language):
        return _agenda(meeting, entries, hospital, generated_at, language.code)


def _agenda(
    meeting: MeetingInfo, entries: Sequence[AgendaEntry], hospital: str, generated_at: datetime, code: str
) -> bytes:
    zone = meeting.starts_at.tzinfo
    generated = generated_at.astimezone(zone)
    pdf = BoardPDF(
        running_title=_(
            "%(board)s · %(when)s · Agenda", board=meeting.board_name, when=at(meeting.starts_at)
        ),
        generated=_("Printed %(when)s", when=printed(generated)),
    )
    pdf.set_creation_date(generated_at)
    pdf.set_title(_("Agenda: %(board)s, %(day)s", board=meeting.board_name, day=day(meeting.starts_at)))
    pdf.set_author(hospital)
    pdf.set_creator("TumorBoard")
    pdf.set_lang(code)
    pdf.add_page()
    _draw_title(pdf, meeting, entries, hospital)
    if not entries:
        pdf.set_y(pdf.get_y() + 6)
        pdf.style(11, color=MUTED)
        empty = _("There are no cases on the agenda yet.")
        pdf.cell(0, line_h(11), empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for entry in sorted(entries, key=lambda entry: entry.position):
        _draw_entry(pdf, entry)
    return bytes(pdf.output())
