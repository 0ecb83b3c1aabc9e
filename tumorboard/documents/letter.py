"""The letter that tells the referring clinician and the GP what the tumor board decided (PDF, fpdf2).

One signed decision, laid out as a hospital letter: letterhead, addressee, patient, diagnosis and the
findings the board relied on, the question, the outcome with the plan as a table, the reasoning
(rationale, guideline, trial, dissent, patient preference), follow-up, who was present, who signed.
It is laid out on the board's printed page (tumorboard.documents.pdf: DejaVu fonts, the
confidentiality footer with "Page X of Y", the running header from page 2), as the agenda is.

A pure function over `DecisionDocument`: no app, no database, and the same bytes for the same input.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fpdf.enums import TableBordersLayout, TableCellFillMode, VAlign
from fpdf.fonts import FontFace

from tumorboard.documents.base import (
    ENGLISH,
    Language,
    _,
    at,
    day,
    long_date,
    printed,
    require_aware,
    short_date,
    written_in,
)
from tumorboard.documents.decision import Attendee, DecisionDocument
from tumorboard.documents.pdf import (
    ACCENT,
    BAND,
    DANGER_BG,
    DANGER_INK,
    FONT,
    INK,
    MUTED,
    RULE,
    WARN_BG,
    WARN_INK,
    BoardPDF,
    line_h,
)

_MARGIN = 20.0
_LABEL_W = 42.0  # the label column of a labelled row ("Grade", "Rationale", ...)
_ADDRESS_W = 62.0  # the letterhead's address block, right-aligned
_BODY = 10.0  # body text size, pt


def _sex(value: str) -> str | None:
    return {
        "female": _("female"),
        "male": _("male"),
        "other": _("other"),
        "unknown": _("sex unknown"),
    }.get(value)


_OUTCOME_COLOURS = {"recommendation": (BAND, ACCENT), "deferred": (DANGER_BG, DANGER_INK)}


class _LetterPDF(BoardPDF):
    """The agenda's A4 page (header from page 2, confidentiality footer) with a letter's margins."""

    def __init__(self, running_title: str, generated: str) -> None:
        super().__init__(running_title=running_title, generated=generated)
        self.set_margins(_MARGIN, 15, _MARGIN)
        self.set_auto_page_break(auto=True, margin=22)

    def paragraph(
        self,
        x: float,
        text: str,
        size: float = _BODY,
        weight: str = "",
        *,
        color: tuple[int, int, int] = INK,
    ) -> None:
        """Text wrapped to the column from `x` to the right margin; a page break keeps the column."""
        width = self.w - self.r_margin - x
        self.lines(x, width, self.wrap(text, width, size, weight), size, weight, color=color)

    def gap(self, mm: float) -> None:
        self.set_y(self.get_y() + mm)


def _heading(pdf: _LetterPDF, title: str) -> None:
    """A section heading, kept on the page with room for at least two lines of what follows."""
    if pdf.will_page_break(line_h(10.5) + 2.5 + 2 * line_h(_BODY)):
        pdf.add_page()
    pdf.gap(3.5)
    pdf.lines(pdf.l_margin, pdf.epw, [title], 10.5, "B", color=ACCENT)
    pdf.rule(pdf.get_y() + 0.6, RULE, 0.3)
    pdf.gap(2.2)


def _row(
    pdf: _LetterPDF,
    label: str,
    text: str,
    *,
    weight: str = "",
    color: tuple[int, int, int] = INK,
    empty: str = "—",
    note: str = "",
) -> None:
    """A label in the left column, its text beside it (or `empty`, muted) and a muted `note` below."""
    value = text.strip()
    if not value:
        value, weight, color = empty, "", MUTED
    label_lines = pdf.wrap(label, _LABEL_W - 3, 9, "B")
    if pdf.will_page_break(max(len(label_lines) * line_h(9), line_h(_BODY))):
        pdf.add_page()
    y, page = pdf.get_y(), pdf.page_no()
    pdf.lines(pdf.l_margin, _LABEL_W - 3, label_lines, 9, "B", color=MUTED)
    after_label = pdf.get_y()
    pdf.set_y(y)
    for number, part in enumerate(value.splitlines()):
        if number:
            pdf.gap(1)
        pdf.paragraph(pdf.l_margin + _LABEL_W, part, weight=weight, color=color)
    if note.strip():
        pdf.gap(0.3)
        pdf.paragraph(pdf.l_margin + _LABEL_W, note.strip(), 8.5, color=MUTED)
    if pdf.page_no() == page:
        pdf.set_y(max(pdf.get_y(), after_label))
    pdf.gap(1.6)


def _band(pdf: _LetterPDF, text: str, background: tuple[int, int, int], ink: tuple[int, int, int]) -> None:
    """A full-width shaded note: the amendment, the outcome."""
    lines = pdf.wrap(text, pdf.epw - 8, 10.5, "B")
    height = len(lines) * line_h(10.5) + 4
    if pdf.will_page_break(height):
        pdf.add_page()
    pdf.set_fill_color(*background)
    pdf.rect(pdf.l_margin, pdf.get_y(), pdf.epw, height, style="F")
    pdf.set_fill_color(*ink)
    pdf.rect(pdf.l_margin, pdf.get_y(), 1.2, height, style="F")
    pdf.gap(2)
    pdf.lines(pdf.l_margin + 4, pdf.epw - 8, lines, 10.5, "B", color=ink)
    pdf.gap(2 + 2)


def _letterhead(pdf: _LetterPDF, doc: DecisionDocument) -> None:
    top = pdf.get_y()
    name_w = pdf.epw - _ADDRESS_W - 6
    pdf.lines(pdf.l_margin, name_w, pdf.wrap(doc.hospital, name_w, 14, "B"), 14, "B", color=ACCENT)
    pdf.lines(pdf.l_margin, name_w, pdf.wrap(doc.board_name, name_w, 10), 10, color=INK)
    left_bottom = pdf.get_y()
    pdf.set_y(top + 0.8)
    address_x = pdf.w - pdf.r_margin - _ADDRESS_W
    for line in doc.letterhead_lines:
        pdf.lines(address_x, _ADDRESS_W, pdf.wrap(line, _ADDRESS_W, 8.5), 8.5, color=MUTED, align="R")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 2.5)
    pdf.rule(pdf.get_y(), ACCENT, 0.6)
    pdf.gap(6)


def _addressee(pdf: _LetterPDF, doc: DecisionDocument) -> None:
    top = pdf.get_y()
    side_w = 62.0
    left_w = pdf.epw - side_w - 6
    referrer = doc.referrer_name.strip() or _("the referring clinician")
    to = _("To: %(referrer)s,", referrer=referrer)
    pdf.lines(pdf.l_margin, left_w, pdf.wrap(to, left_w, _BODY, "B"), _BODY, "B")
    pdf.lines(pdf.l_margin, left_w, [_("and the patient's general practitioner")], _BODY)
    if doc.referrer_email.strip():
        pdf.lines(pdf.l_margin, left_w, [doc.referrer_email.strip()], 9, color=MUTED)
    left_bottom = pdf.get_y()
    signed = doc.signed_at.astimezone(doc.meeting_at.tzinfo)
    side_x = pdf.w - pdf.r_margin - side_w
    pdf.set_y(top)
    pdf.lines(side_x, side_w, [long_date(signed)], _BODY, align="R")
    reference = _("Decision %(id)s, version %(version)s", id=doc.decision_id, version=doc.version_no)
    pdf.lines(side_x, side_w, [reference], 9, color=MUTED, align="R")
    pdf.lines(side_x, side_w, [_("Case %(id)s", id=doc.case_id)], 9, color=MUTED, align="R")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 7)


def _title(pdf: _LetterPDF, doc: DecisionDocument) -> None:
    pdf.lines(pdf.l_margin, pdf.epw, [_("Tumor board decision")], 18, "B", color=ACCENT)
    pdf.gap(1)
    discussed = _(
        "Discussed at the %(board)s on %(when)s.", board=doc.board_name.strip(), when=at(doc.meeting_at)
    )
    if doc.findings_as_of is not None:
        discussed += " " + _(
            "This version was signed on %(when)s, with the findings as recorded then.",
            when=at(doc.findings_as_of),
        )
    pdf.paragraph(pdf.l_margin, discussed, 10, color=MUTED)
    pdf.gap(3)
    if doc.is_superseded:
        if doc.superseded_at is None:  # set with superseded_by_version (document_from_snapshot)
            raise ValueError("A superseded document needs the time it was superseded.")
        text = _(
            "Superseded by version %(version)s on %(date)s: this version is no longer in force.",
            version=doc.superseded_by_version,
            date=long_date(doc.superseded_at.date()),
        )
        _band(pdf, text, DANGER_BG, DANGER_INK)
    if not doc.frozen:
        _band(
            pdf,
            _("Signed before frozen copies were kept: the findings are the case's current ones."),
            WARN_BG,
            WARN_INK,
        )
    if doc.supersedes_version is not None:
        reason = doc.amendment_reason.strip() or _("no reason given")
        text = _(
            "Version %(version)s, amends version %(amended)s: %(reason)s",
            version=doc.version_no,
            amended=doc.supersedes_version,
            reason=reason,
        )
        _band(pdf, text, WARN_BG, WARN_INK)

    # the patient: name, MRN, birth date, in a shaded box
    details = _(
        "MRN %(mrn)s   ·   born %(date)s", mrn=doc.patient_mrn.strip(), date=long_date(doc.patient_birth_date)
    )
    sex = _sex(doc.patient_sex.strip().lower())
    if sex:
        details += f"   ·   {sex}"
    name_lines = pdf.wrap(doc.patient_name, pdf.epw - 8, 12.5, "B")
    detail_lines = pdf.wrap(details, pdf.epw - 8, _BODY)
    height = len(name_lines) * line_h(12.5) + len(detail_lines) * line_h(_BODY) + 5
    top = pdf.get_y()
    pdf.set_fill_color(*BAND)
    pdf.rect(pdf.l_margin, top, pdf.epw, height, style="F")
    pdf.set_y(top + 2.5)
    pdf.lines(pdf.l_margin + 4, pdf.epw - 8, [_("Patient")], 8, "B", color=MUTED)
    pdf.set_y(top + 2.5)
    pdf.lines(pdf.l_margin + 4 + 17, pdf.epw - 25, name_lines, 12.5, "B")
    pdf.lines(pdf.l_margin + 4 + 17, pdf.epw - 25, detail_lines, _BODY)
    pdf.set_y(top + height + 1)


def _diagnosis(pdf: _LetterPDF, doc: DecisionDocument) -> None:
    _heading(pdf, _("Diagnosis"))
    _row(pdf, _("Diagnosis"), doc.diagnosis, weight="B")
    _row(pdf, _("Primary site"), doc.primary_site)
    _row(pdf, _("Grade"), doc.grade or "", empty=_("not graded"), note=doc.grade_rule)
    stage_group, tnm = (doc.stage or "").strip(), (doc.tnm or "").strip()
    stage = _("Stage %(stage)s", stage=stage_group) if stage_group else ""
    if tnm:
        stage = f"{stage} ({tnm})" if stage else tnm
    _row(pdf, _("Stage"), stage, empty=_("not staged"), note=doc.stage_rule)
    icd10, morphology = (doc.icd10_code or "").strip(), (doc.morphology_code or "").strip()
    codes = [f"ICD-10-CM {icd10}" if icd10 else ""]
    codes.append(f"ICD-O-3 {morphology}" if morphology else "")
    _row(pdf, _("Codes"), "   ·   ".join(code for code in codes if code), empty=_("not coded"))


def _findings(pdf: _LetterPDF, findings: Sequence[str]) -> None:
    findings = [finding.strip() for finding in findings if finding.strip()]
    if not findings:
        return
    _heading(pdf, _("Key findings"))
    bullet_x = pdf.l_margin + 2
    text_x = pdf.l_margin + 6
    for finding in findings:
        if pdf.will_page_break(line_h(_BODY)):
            pdf.add_page()
        y = pdf.get_y()
        pdf.lines(bullet_x, 4, ["•"], _BODY, color=ACCENT)
        pdf.set_y(y)
        pdf.paragraph(text_x, finding)
        pdf.gap(0.8)


def _plan_table(pdf: _LetterPDF, doc: DecisionDocument) -> None:
    if not doc.plan:
        pdf.paragraph(pdf.l_margin, _("No treatment plan items."), color=MUTED)
        return
    if pdf.will_page_break(line_h(9) * 4 + 8):
        pdf.add_page()
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.2)
    heading = FontFace(family=FONT, emphasis="B", size_pt=8.5, color=MUTED, fill_color=BAND)
    with pdf.table(
        col_widths=(40, 57, 23, 27, 23),
        width=pdf.epw,
        align="LEFT",
        v_align=VAlign.T,
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "LEFT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        cell_fill_mode=TableCellFillMode.NONE,
        headings_style=heading,
        line_height=line_h(9),
        padding=(1.6, 1.5, 1.6, 1.5),
        repeat_headings=1,
    ) as table:
        head = table.row()
        for title in (_("Treatment"), _("Detail"), _("Intent"), _("Responsible"), _("Target date")):
            head.cell(title)
        for item in doc.plan:
            row = table.row()
            row.cell(item.treatment_label.strip() or item.treatment_code, style=FontFace(emphasis="B"))
            row.cell(item.detail.strip() or "—")
            row.cell(item.intent.strip() or "—")
            row.cell(item.responsible.strip() or "—")
            row.cell(short_date(item.target_date) if item.target_date else "—")
    pdf.set_x(pdf.l_margin)
    pdf.gap(1)


def _decision(pdf: _LetterPDF, doc: DecisionDocument) -> None:
    _heading(pdf, _("Question to the board"))
    pdf.paragraph(pdf.l_margin, doc.question.strip() or "—")
    _heading(pdf, _("Decision"))
    background, ink = _OUTCOME_COLOURS.get(doc.outcome_code, (WARN_BG, WARN_INK))
    _band(pdf, _("Outcome: %(outcome)s", outcome=doc.outcome), background, ink)
    if doc.recommendation.strip():
        for number, part in enumerate(doc.recommendation.strip().splitlines()):
            if number:
                pdf.gap(1)
            pdf.paragraph(pdf.l_margin, part, 10.5)
        pdf.gap(3)
    _plan_table(pdf, doc)


def _reasoning(pdf: _LetterPDF, doc: DecisionDocument) -> None:
    _heading(pdf, _("Reasoning"))
    _row(pdf, _("Rationale"), doc.rationale)
    _row(pdf, _("Guideline basis"), doc.guideline, empty=_("none cited"))
    _row(pdf, _("Clinical trial"), doc.trial, empty=_("none"))
    _row(pdf, _("Dissent"), doc.dissent, empty=_("none recorded"))
    _row(pdf, _("Patient preference and comorbidity"), doc.preference_weighing, empty=_("not recorded"))
    if doc.warnings:
        reason = _("The chair's reason to sign: %(reason)s", reason=doc.override_reason)
        _row(pdf, _("Signed despite"), "; ".join(doc.warnings) + " " + reason)
    if doc.quorum_reason:
        quorum = _(
            "The meeting began without quorum; the chair's reason: %(reason)s", reason=doc.quorum_reason
        )
        _row(pdf, _("Quorum"), quorum)

    _heading(pdf, _("Follow-up"))
    review = long_date(doc.next_review) if doc.next_review else ""
    _row(pdf, _("Next review"), review, empty=_("no date set"))
    again = _("Yes, the case will be presented to the board again.") if doc.present_again else _("No")
    _row(pdf, _("Back to the board"), again)


def _attendees(pdf: _LetterPDF, attendees: Sequence[Attendee]) -> None:
    """Who was present at the meeting, one row per specialty in the order the specialties first appear."""
    _heading(pdf, _("Present at the meeting"))
    groups: dict[str, list[str]] = {}
    for attendee in attendees:
        if attendee.name.strip():
            groups.setdefault(attendee.specialty.strip() or _("Other"), []).append(attendee.name.strip())
    if not groups:
        pdf.paragraph(pdf.l_margin, _("No attendance was recorded."), color=MUTED)
        return
    for specialty, names in groups.items():
        _row(pdf, specialty, ", ".join(names))


def _signature(pdf: _LetterPDF, doc: DecisionDocument) -> None:
    signed = doc.signed_at.astimezone(doc.meeting_at.tzinfo)
    needed = 4 * line_h(_BODY) + 10
    if pdf.will_page_break(needed):
        pdf.add_page()
    pdf.gap(6)
    pdf.paragraph(pdf.l_margin, _("On behalf of the board,"), color=INK)
    pdf.gap(4)
    pdf.paragraph(pdf.l_margin, doc.signed_by.strip() or "—", 11, "B")
    pdf.paragraph(pdf.l_margin, _("Signed electronically on %(when)s", when=at(signed)), 9, color=MUTED)
    pdf.paragraph(pdf.l_margin, f"{doc.board_name.strip()}, {doc.hospital.strip()}", 9, color=MUTED)
    if doc.fingerprint:
        pdf.gap(2)
        pdf.paragraph(
            pdf.l_margin,
            _("Document fingerprint (SHA-256): %(fingerprint)s", fingerprint=doc.fingerprint),
            7,
            color=MUTED,
        )


def decision_letter_pdf(
    doc: DecisionDocument, *, generated_at: datetime, language: Language = ENGLISH
) -> bytes:
    """The signed decision as a letter to the referring clinician and the patient's GP, in `language`.

    Times are shown in the meeting's zone (the hospital's). The document carries patient data, so every
    page says so and, from page 2, names the patient. Its creation date is `generated_at`, which makes
    the bytes reproducible for the same input.
    """
    require_aware(meeting_at=doc.meeting_at, signed_at=doc.signed_at, generated_at=generated_at)
    with written_in(language):
        return _letter(doc, generated_at, language.code)


def _letter(doc: DecisionDocument, generated_at: datetime, code: str) -> bytes:
    zone = doc.meeting_at.tzinfo
    generated = generated_at.astimezone(zone)
    running = _(
        "Tumor board decision · %(patient)s · MRN %(mrn)s · born %(born)s · version %(version)s",
        patient=doc.patient_name.strip(),
        mrn=doc.patient_mrn.strip(),
        born=short_date(doc.patient_birth_date),
        version=doc.version_no,
    )
    pdf = _LetterPDF(running_title=running, generated=_("Printed %(when)s", when=printed(generated)))
    pdf.set_creation_date(generated_at)
    pdf.set_title(
        _("Tumor board decision: %(board)s, %(day)s", board=doc.board_name.strip(), day=day(doc.meeting_at))
    )
    pdf.set_subject(_("Decision %(id)s, version %(version)s", id=doc.decision_id, version=doc.version_no))
    pdf.set_author(doc.hospital)
    pdf.set_creator("TumorBoard")
    pdf.set_lang(code)
    pdf.add_page()
    _letterhead(pdf, doc)
    _addressee(pdf, doc)
    _title(pdf, doc)
    _diagnosis(pdf, doc)
    _findings(pdf, doc.key_findings)
    _decision(pdf, doc)
    _reasoning(pdf, doc)
    _attendees(pdf, doc.attendees)
    _signature(pdf, doc)
    return bytes(pdf.output())
