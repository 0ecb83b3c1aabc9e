"""The quality dashboard: every figure checked against a hand-built data set whose answers are known.

The data set (board "GEP-NET board", period 1 Jan – 30 Jun 2025, hospital time Europe/Berlin):

case  meetings of the board (UTC)                    what it tests
C1    15 Jan 15:00 discussed                         submitted 4 Jan 23:30 UTC = 5 Jan local: 10 days
C2    12 Feb 15:00 discussed                         signed exactly 48 h later; PRRT after SSTR PET/CT
C3    15 Jan deferred, 29 Jan cancelled,             not at its first meeting; PRRT, Octreoscan only after;
      30 Jun 21:30 (= 23:30 local, in) discussed     signed 3 days late; readiness gaps; not carried out
C4    11 Dec 2024 discussed, presented again,        an earlier discussion does not make it "late";
      31 Dec 23:30 (= 1 Jan 00:30 local, in)         v1 (PRRT, follow-up "not") amended by v2 (no PRRT,
                                                     follow-up "fully"): the version in force counts
C5    30 Jun 22:30 (= 1 Jul 00:30 local, out)        outside the period
C6    31 Dec 22:30 (= 31 Dec 23:30 local, out)       outside the period
C7    12 Feb, draft decision only                    not signed: not counted
C8    another board's meeting on 12 Feb              another board: not counted
"""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board
from tumorboard.decisions import operations, quality, quality_views  # quality_views registers the routes
from tumorboard.decisions.models import Decision, FollowUp, PlanItem
from tumorboard.extensions import db
from tumorboard.meetings.models import AgendaItem, Meeting
from tumorboard.render_cache import ChartRender
from tumorboard.timezones import to_local

START, END = date(2025, 1, 1), date(2025, 6, 30)
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Builder:
    """Direct inserts with explicit dates; decisions get their plan as drafts, then are signed (a signed
    decision's plan cannot change, as the model's flush guard insists)."""

    def __init__(self, board, chair, submitter):
        # ids only: count_queries empties the session, and the objects would be detached
        self.board_id, self.chair_id, self.submitter_id = board.id, chair.id, submitter.id

    @property
    def board(self) -> Board:
        return db.session.get(Board, self.board_id)

    @property
    def submitter(self) -> User:
        return db.session.get(User, self.submitter_id)

    def meeting(self, starts_at: datetime, board=None, status: str = "closed") -> Meeting:
        meeting = Meeting(
            board_id=board.id if board else self.board_id,
            starts_at=starts_at,
            duration_minutes=90,
            cutoff_at=starts_at - timedelta(hours=48),
            status=status,
            created_by_id=self.chair_id,
        )
        db.session.add(meeting)
        db.session.flush()
        return meeting

    def item(self, meeting: Meeting, case, outcome: str | None) -> AgendaItem:
        position = db.session.query(AgendaItem).filter_by(meeting_id=meeting.id).count() + 1
        item = AgendaItem(
            meeting_id=meeting.id,
            case_id=case.id,
            position=position,
            outcome=outcome,
            added_by_id=self.chair_id,
        )
        db.session.add(item)
        db.session.flush()
        return item

    def decision(
        self,
        item: AgendaItem,
        *,
        signed_at: datetime | None,
        outcome: str = "recommendation",
        treatments=("SSA-LAN",),
        number: int = 1,
        supersedes: Decision | None = None,
    ) -> Decision:
        decision = Decision(
            agenda_item_id=item.id,
            case_id=item.case_id,
            meeting_id=item.meeting_id,
            number=number,
            status="draft",
            supersedes_id=supersedes.id if supersedes else None,
            outcome=outcome,
            recommendation="As discussed.",
            created_by_id=self.chair_id,
            created_at=item.meeting.starts_at,
        )
        for position, code in enumerate(treatments, start=1):
            decision.items.append(
                PlanItem(
                    position=position, treatment=code, intent="palliative", responsible_specialty="other"
                )
            )
        db.session.add(decision)
        db.session.flush()
        if signed_at is not None:
            decision.status, decision.signed_at, decision.signed_by_id = "signed", signed_at, self.chair_id
            if supersedes is not None:
                supersedes.status = "superseded"
            db.session.flush()
        return decision

    def follow_up(self, decision: Decision, status: str, reason: str | None = None) -> FollowUp:
        follow_up = FollowUp(
            decision_id=decision.id, status=status, reason=reason, recorded_by_id=self.submitter_id
        )
        db.session.add(follow_up)
        db.session.flush()
        return follow_up


@pytest.fixture
def hospital_time(app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "Europe/Berlin")


@pytest.fixture
def builder(hospital_time, board, users):
    """No app context stays pushed: a test client's requests would share its `g` (and its cached user)."""
    return Builder(board, users[Role.CHAIR], users[Role.SUBMITTER])


def _case(create_case, builder, board=None, **overrides):
    overrides.setdefault("status", "discussed")
    overrides.setdefault("readiness_missing", "[]")
    return create_case(submitter=builder.submitter, board=board or builder.board, **overrides)


@pytest.fixture
def dataset(builder, board, users, create_board, create_case, create_pathology, create_imaging):
    b, chair = builder, users[Role.CHAIR]
    jan15 = b.meeting(utc(2025, 1, 15, 15))
    jan29 = b.meeting(utc(2025, 1, 29, 15), status="cancelled")
    feb12 = b.meeting(utc(2025, 2, 12, 15))
    jun30 = b.meeting(utc(2025, 6, 30, 21, 30))  # 23:30 in Berlin (CEST): still 30 June
    jul01 = b.meeting(utc(2025, 6, 30, 22, 30))  # 00:30 on 1 July in Berlin: outside
    dec11 = b.meeting(utc(2024, 12, 11, 15))
    dec31_out = b.meeting(utc(2024, 12, 31, 22, 30))  # 23:30 on 31 Dec in Berlin: outside
    jan01_in = b.meeting(utc(2024, 12, 31, 23, 30))  # 00:30 on 1 Jan in Berlin: inside

    c1 = _case(create_case, b, submitted_at=utc(2025, 1, 4, 23, 30), primary_site="pancreas")
    create_pathology(c1, created_by=chair, ki67_percent=8.0)
    d1 = b.decision(b.item(jan15, c1, "discussed"), signed_at=utc(2025, 1, 15, 18))
    b.follow_up(d1, "fully")

    c2 = _case(
        create_case,
        b,
        submitted_at=utc(2025, 2, 1, 9),
        primary_site="unknown primary",
        differentiation="unknown",
        extent=None,
    )
    create_imaging(c2, created_by=chair, modality="sstr_pet_ct", study_date=date(2025, 2, 10))
    d2 = b.decision(
        b.item(feb12, c2, "discussed"), signed_at=utc(2025, 2, 14, 15), treatments=("PRRT-LU177",)
    )
    b.follow_up(d2, "partly", "toxicity")

    c3 = _case(
        create_case,
        b,
        submitted_at=utc(2025, 1, 10, 8),
        primary_site="other",
        differentiation="unknown",
        readiness_missing='["Pathology with Ki-67, or the reason there is none."]',
    )
    create_pathology(c3, created_by=chair, ki67_percent=None, differentiation="poor")
    create_imaging(c3, created_by=chair, modality="octreoscan_spect", study_date=date(2025, 7, 2))
    b.decision(
        b.item(jan15, c3, "deferred"), signed_at=utc(2025, 1, 16, 9), outcome="deferred", treatments=()
    )
    b.item(jan29, c3, None)
    d3 = b.decision(b.item(jun30, c3, "discussed"), signed_at=utc(2025, 7, 3, 9), treatments=("PRRT-LU177",))
    b.follow_up(d3, "not", "patient_preference")

    c4 = _case(create_case, b, submitted_at=utc(2024, 12, 20, 10), primary_site="ileum", nodes_positive=None)
    create_pathology(c4, created_by=chair, ki67_percent=2.0)
    b.decision(b.item(dec11, c4, "discussed"), signed_at=utc(2024, 12, 11, 17))
    d4 = b.decision(
        b.item(jan01_in, c4, "discussed"), signed_at=utc(2025, 1, 2, 10), treatments=("PRRT-LU177",)
    )
    b.follow_up(d4, "not", "progression")
    d4b = b.decision(d4.agenda_item, signed_at=utc(2025, 1, 20, 10), number=2, supersedes=d4)
    b.follow_up(d4b, "fully")

    # Outside the period, unsigned, or another board's: each would change every figure if it counted.
    for meeting in (jul01, dec31_out):
        case = _case(create_case, b, submitted_at=meeting.starts_at - timedelta(days=3))
        decision = b.decision(
            b.item(meeting, case, "discussed"), signed_at=meeting.starts_at + timedelta(hours=1)
        )
        b.follow_up(decision, "fully")
    c7 = _case(create_case, b, submitted_at=utc(2025, 2, 1, 9))
    b.decision(b.item(feb12, c7, None), signed_at=None)
    other = create_board(name="Lung NET board")
    elsewhere = b.meeting(utc(2025, 2, 12, 15), board=other)
    c8 = _case(create_case, b, board=other, submitted_at=utc(2025, 2, 11, 9))
    d8 = b.decision(b.item(elsewhere, c8, "discussed"), signed_at=utc(2025, 2, 12, 16))
    b.follow_up(d8, "fully")
    db.session.commit()
    return {"board": board, "other": other}


def test_every_figure_matches_the_hand_built_data_set(app_ctx, dataset):
    report = quality.quality_report(dataset["board"].id, START, END)

    def check(figure, numerator, denominator, value):
        assert (figure.numerator, figure.denominator, figure.value) == (numerator, denominator, value), (
            figure.key
        )

    check(report.cases_discussed, 4, None, 4.0)
    check(report.median_days, None, 4, 11.5)  # 10 (C1, local days), 11 (C2), 12 (C4), 171 (C3)
    check(report.complete_at_submission, 3, 4, 75.0)
    check(report.first_meeting, 3, 4, 75.0)  # C3 was deferred, then its meeting was cancelled
    check(report.signed_within_48h, 4, 5, 80.0)  # the deferral counts; C3's late signature does not
    check(report.implemented_fully, 2, 4, 50.0)  # C1, and C4 by its amendment's follow-up
    check(report.implemented_partly, 1, 4, 25.0)
    check(report.not_implemented, 1, 4, 25.0)
    check(report.primary_site, 3, 4, 75.0)  # "other" is not documented, "unknown primary" is
    check(report.ki67, 2, 4, 50.0)
    check(report.differentiation, 3, 4, 75.0)  # C3's from its pathology report
    check(report.stage, 2, 4, 50.0)
    check(report.sstr_before_prrt, 1, 2, 50.0)  # C2 yes, C3 imaged after; C4's amendment dropped PRRT


def test_reasons_count_only_the_follow_up_in_force(app_ctx, dataset):
    report = quality.quality_report(dataset["board"].id, START, END)
    given = {r.reason: (r.partly, r.not_carried_out) for r in report.reasons if r.total}
    assert given == {
        "toxicity": (1, 0),
        "patient_preference": (0, 1),
    }  # C4's superseded "progression" is gone
    assert [r.reason for r in report.reasons] == [r.value for r in quality.DeviationReason]
    assert report.deviations == 2
    labels = {r.reason: r.label for r in report.reasons}
    assert labels["toxicity"] == "Toxicity" and labels["patient_preference"] == "Patient preference"


def test_the_other_board_sees_only_its_own_case(app_ctx, dataset):
    report = quality.quality_report(dataset["other"].id, START, END)
    assert report.cases_discussed.numerator == 1
    assert report.implemented_fully.value == 100.0 and report.median_days.value == 1.0


def test_periods_are_by_local_meeting_date(app_ctx, dataset):
    board_id = dataset["board"].id
    first_day = quality.quality_report(board_id, START, START)
    assert (
        first_day.cases_discussed.numerator == 1
    )  # C4 at 00:30 on 1 January; not C6 at 23:30 the day before
    last_day = quality.quality_report(board_id, END, END)
    assert last_day.cases_discussed.numerator == 1  # C3 at 23:30; not C5 at 00:30 on 1 July
    assert quality.quality_report(board_id, date(2025, 7, 1), date(2025, 7, 1)).cases_discussed.numerator == 1


def test_every_figure_has_a_one_line_definition_and_a_label(app_ctx, dataset):
    report = quality.quality_report(dataset["board"].id, START, END)
    assert len(report.figures) == 13
    assert len({f.key for f in report.figures}) == 13
    for figure in report.figures + report.reason_figures():
        assert figure.label and figure.definition.strip() and "\n" not in figure.definition


def test_an_empty_period_has_no_shares_and_no_charts(app_ctx, builder, board):
    report = quality.quality_report(board.id, START, END)
    assert report.cases_discussed.value == 0
    assert all(f.value is None and f.denominator == 0 for f in report.figures if f.is_share)
    assert report.median_days.value is None and report.median_days.display == "–"
    assert quality.report_charts(report) == {}
    rows = list(csv.DictReader(io.StringIO(quality.report_csv(report))))
    assert len(rows) == 13 + len(quality.DeviationReason)


def test_a_period_ending_before_it_starts_is_refused(app_ctx, builder, board):
    with pytest.raises(ValueError, match="ends"):
        quality.quality_report(board.id, END, START)


def test_csv_parses_back_with_every_figure(app_ctx, dataset):
    report = quality.quality_report(dataset["board"].id, START, END)
    reader = csv.reader(io.StringIO(quality.report_csv(report), newline=""))
    header, *rows = list(reader)
    assert tuple(header) == quality.CSV_HEADER
    by_label = {row[0]: row for row in rows}
    assert len(rows) == 13 + len(quality.DeviationReason)
    for figure in report.figures:
        label, numerator, denominator, value, definition = by_label[figure.label]
        assert numerator == ("" if figure.numerator is None else str(figure.numerator))
        assert denominator == ("" if figure.denominator is None else str(figure.denominator))
        assert float(value) == pytest.approx(figure.value)
        assert definition == figure.definition
    assert by_label["Cases discussed"][1:4] == ["4", "", "4"]
    assert by_label["Median days from submission to discussion"][1:4] == ["", "4", "11.5"]
    assert by_label["Reason for not (fully) carrying out: Toxicity"][1:4] == ["1", "2", "50.0"]
    assert by_label["Reason for not (fully) carrying out: Progression"][1:4] == ["0", "2", "0.0"]


def test_charts_are_deterministic_standalone_svg(app_ctx, dataset):
    report = quality.quality_report(dataset["board"].id, START, END)
    charts = quality.report_charts(report)
    assert set(charts) == {"shares", "reasons"}
    assert charts == quality.report_charts(report)
    for svg in charts.values():
        assert svg.startswith("<svg ") and "<!DOCTYPE" not in svg and "<?xml" not in svg
        root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "dc:date" not in svg and "<text" in svg  # fonttype none: text stays text
    assert "Complete at submission" in charts["shares"] and "100 %" in charts["shares"]
    assert "Patient preference" in charts["reasons"] and "Progression" not in charts["reasons"]
    alt = quality.chart_descriptions(report)
    assert "Complete at submission 75 % (3 of 4)" in alt["shares"]
    assert "Toxicity 1 (partly 1, not 0)" in alt["reasons"]


def test_report_statements_do_not_grow_with_the_cases(app_ctx, dataset, builder, create_case, count_queries):
    board_id = dataset["board"].id
    with count_queries() as few:
        quality.quality_report(board_id, START, END)
    meeting = builder.meeting(utc(2025, 4, 9, 14))
    for _ in range(6):
        case = _case(create_case, builder, submitted_at=utc(2025, 4, 1, 9))
        decision = builder.decision(builder.item(meeting, case, "discussed"), signed_at=utc(2025, 4, 9, 18))
        builder.follow_up(decision, "partly", "comorbidity")
    db.session.commit()
    with count_queries() as many:
        report = quality.quality_report(board_id, START, END)
    assert report.cases_discussed.numerator == 10
    assert len(many) == len(few) == 3


# --- the page and the export --------------------------------------------------------------------------------


def _query(of_board, **changes) -> dict[str, str]:
    return {"board": str(of_board.id), **PERIOD, **changes}


def test_coordinator_sees_the_figures_the_definitions_and_the_charts(app, dataset, client_as):
    response = client_as(Role.COORDINATOR).get("/quality", query_string=_query(dataset["board"]))
    assert response.status_code == 200
    text = response.text
    assert "<h1" in text and 'aria-label="breadcrumb"' in text
    with app.app_context():
        figures = quality.quality_report(dataset["board"].id, START, END).figures
    for figure in figures:
        assert f'id="figure-{figure.key}"' in text
        assert figure.label in text
    assert "11.5 days" in text and "75 %" in text
    assert "Patient preference" in text
    assert text.count('src="/quality/shares.svg?') == text.count('src="/quality/reasons.svg?') == 1
    assert 'alt="Shares in per cent: ' in text and "<svg" not in text
    assert "/quality.csv?" in text


def test_chair_may_see_the_dashboard_and_the_default_is_the_last_12_months(app, builder, client_as, board):
    response = client_as(Role.CHAIR).get("/quality")
    assert response.status_code == 200
    with app.app_context():
        start, end = quality_views.default_period(quality_views.hospital_today())
    assert f'value="{start.isoformat()}"' in response.text and f'value="{end.isoformat()}"' in response.text
    assert board.name in response.text


def test_default_period_is_twelve_months_including_today():
    assert quality_views.default_period(date(2025, 6, 30)) == (date(2024, 7, 1), date(2025, 6, 30))
    assert quality_views.default_period(date(2024, 2, 29)) == (date(2023, 3, 1), date(2024, 2, 29))


def test_page_statements_do_not_grow_with_the_cases(dataset, builder, client_as, create_case, count_queries):
    coordinator = client_as(Role.COORDINATOR)
    query = _query(dataset["board"])
    coordinator.get("/quality", query_string=query)
    with count_queries() as few:
        assert coordinator.get("/quality", query_string=query).status_code == 200
    meeting = builder.meeting(utc(2025, 5, 14, 14))
    for _ in range(8):
        case = _case(create_case, builder, submitted_at=utc(2025, 5, 1, 9))
        decision = builder.decision(
            builder.item(meeting, case, "discussed"),
            signed_at=utc(2025, 5, 14, 18),
            treatments=("PRRT-LU177",),
        )
        builder.follow_up(decision, "not", "payer_refusal")
    db.session.commit()
    coordinator.get("/quality", query_string=query)  # the new figures' charts drawn (render cache)
    with count_queries() as many:
        response = coordinator.get("/quality", query_string=query)
    assert "Payer refusal" in response.text
    assert len(many) == len(few) <= 12  # the charts are images of their own (quality_chart)


def test_another_boards_dashboard_is_not_found(dataset, client_as):
    coordinator = client_as(Role.COORDINATOR)
    for board_arg in (str(dataset["other"].id), "999999", "abc"):
        assert (
            coordinator.get("/quality", query_string=_query(dataset["other"], board=board_arg)).status_code
            == 404
        )
        assert coordinator.get("/quality.csv", query_string={"board": board_arg}).status_code == 404


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.SPECIALIST, Role.ADMIN])
@pytest.mark.parametrize("url", ["/quality", "/quality.csv", "/quality/shares.svg"])
def test_other_roles_are_refused(builder, client_as, role, url):
    assert client_as(role).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/quality", "/quality.csv", "/quality/shares.svg"])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"from": "2025-13-01"}, "The start date is not a date"),
        ({"to": "yesterday"}, "The end date is not a date"),
        ({"from": "1850-01-01"}, "The start date must lie between 2000 and 2199"),
        ({"from": "2025-06-30", "to": "2025-01-01"}, "The period ends before it starts"),
    ],
)
def test_bad_dates_are_explained_not_a_server_error(dataset, client_as, changes, message):
    coordinator = client_as(Role.COORDINATOR)
    response = coordinator.get("/quality", query_string=_query(dataset["board"], **changes))
    assert response.status_code == 422
    assert message in response.text and "is-invalid" in response.text
    assert ".svg?" not in response.text
    chart = coordinator.get("/quality/shares.svg", query_string=_query(dataset["board"], **changes))
    assert chart.status_code == 422 and message in chart.text
    export = coordinator.get("/quality.csv", query_string=_query(dataset["board"], **changes))
    assert export.status_code == 422 and message in export.text


def test_csv_export_is_an_attachment_with_every_figure(app, dataset, client_as):
    response = client_as(Role.COORDINATOR).get("/quality.csv", query_string=_query(dataset["board"]))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    board_id = dataset["board"].id
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="quality-board-{board_id}-2025-01-01-2025-06-30.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
    with app.app_context():
        report = quality.quality_report(board_id, START, END)
    assert response.text == quality.report_csv(report)
    assert {row["figure"] for row in rows} == {f.label for f in report.figures + report.reason_figures()}
    assert next(r for r in rows if r["figure"] == "Cases discussed")["numerator"] == "4"


def test_a_user_without_boards_is_told_so(builder, client, create_user):
    coordinator = log_in(client, create_user(roles=[Role.COORDINATOR]))
    response = coordinator.get("/quality")
    assert response.status_code == 200 and "not a member of any board" in response.text
    assert coordinator.get("/quality.csv").status_code == 404


def test_a_decision_signed_through_the_operations_counts(hospital_time, signed, submitter):
    """The figures read what the real flow writes: the meeting, the agenda outcome, the signature."""
    operations.record_follow_up(
        submitter,
        signed,
        expected_version=None,
        status="partly",
        reason="toxicity",
        reason_text="",
        started_on=None,
        completed_on=None,
    )
    db.session.commit()
    day = to_local(signed.meeting.starts_at).date()
    report = quality.quality_report(signed.meeting.board_id, day, day)
    assert report.cases_discussed.numerator == 1
    assert (report.complete_at_submission.numerator, report.first_meeting.numerator) == (1, 1)
    assert report.signed_within_48h.numerator == report.signed_within_48h.denominator == 1
    assert (report.implemented_partly.numerator, report.implemented_partly.denominator) == (1, 1)
    assert [r.reason for r in report.reasons if r.total] == ["toxicity"]


# The charts drawn once per (board, period, figures), then read from the shared render cache ------------


@pytest.fixture
def draws(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = quality._render

    def counting(draw, data, title):
        calls.append(draw.__name__)
        return original(draw, data, title)

    monkeypatch.setattr(quality, "_render", counting)
    return calls


def _chart_urls(page_text: str) -> list[str]:
    return sorted(
        line.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        for line in page_text.splitlines()
        if 'src="/quality/' in line
    )


def test_the_page_draws_nothing_and_links_each_chart(dataset, client_as, draws):
    page = client_as(Role.COORDINATOR).get("/quality", query_string=_query(dataset["board"]))
    assert page.status_code == 200 and draws == []
    assert page.headers["Cache-Control"] == "no-store"  # the page itself is not kept
    urls = _chart_urls(page.text)
    assert [url.split("?")[0] for url in urls] == ["/quality/reasons.svg", "/quality/shares.svg"]
    assert all(f"board={dataset['board'].id}" in url and "from=2025-01-01" in url for url in urls)


def test_each_chart_is_drawn_once_then_kept_and_revalidated(dataset, client_as, draws, count_queries):
    coordinator = client_as(Role.COORDINATOR)
    query = _query(dataset["board"])
    first = coordinator.get("/quality/shares.svg", query_string=query)
    assert first.status_code == 200 and first.mimetype == "image/svg+xml" and draws == ["_draw_shares"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    assert ET.fromstring(first.data).tag.endswith("svg")  # noqa: S314 - our own output
    with count_queries() as hit:
        second = coordinator.get("/quality/shares.svg", query_string=query)
    assert second.status_code == 200 and second.data == first.data and second.headers["ETag"] == etag
    assert draws == ["_draw_shares"]  # from the render cache, not matplotlib
    assert sum("chart_render" in sql for sql in hit) == 1
    with count_queries() as revalidated:
        again = coordinator.get("/quality/shares.svg", query_string=query, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert not any("chart_render" in sql for sql in revalidated)  # a 304 reads no chart
    assert len(revalidated) == len(hit) - 1
    assert draws == ["_draw_shares"]


def test_changed_figures_are_a_new_etag_and_the_old_one_gets_the_new_chart(
    dataset, builder, client_as, create_case, draws
):
    coordinator = client_as(Role.COORDINATOR)
    query = _query(dataset["board"])
    old = coordinator.get("/quality/reasons.svg", query_string=query).headers["ETag"]
    meeting = builder.meeting(utc(2025, 5, 14, 14))
    case = _case(create_case, builder, submitted_at=utc(2025, 5, 1, 9))
    decision = builder.decision(builder.item(meeting, case, "discussed"), signed_at=utc(2025, 5, 14, 18))
    builder.follow_up(decision, "not", "payer_refusal")
    db.session.commit()
    fresh = coordinator.get("/quality/reasons.svg", query_string=query, headers={"If-None-Match": old})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != old
    assert b"Payer refusal" in fresh.data and draws == ["_draw_reasons", "_draw_reasons"]


def test_another_boards_chart_is_not_found_even_when_revalidated(dataset, client_as):
    coordinator = client_as(Role.COORDINATOR)
    mine = coordinator.get("/quality/shares.svg", query_string=_query(dataset["board"]))
    etag = mine.headers["ETag"]
    for board_arg in (str(dataset["other"].id), "999999", "abc"):
        response = coordinator.get(
            "/quality/shares.svg",
            query_string=_query(dataset["board"], board=board_arg),
            headers={"If-None-Match": etag},
        )
        assert response.status_code == 404


def test_a_chart_with_nothing_to_show_or_no_such_chart_is_not_found(dataset, client_as):
    coordinator = client_as(Role.COORDINATOR)
    empty = _query(dataset["board"], **{"from": "2030-01-01", "to": "2030-12-31"})
    assert coordinator.get("/quality/shares.svg", query_string=empty).status_code == 404
    assert coordinator.get("/quality/other.svg", query_string=_query(dataset["board"])).status_code == 404


def test_another_period_is_another_chart(app_ctx, dataset, draws):
    board_id = dataset["board"].id
    quality.report_charts(quality.quality_report(board_id, START, END))
    assert len(draws) == 2
    quality.report_charts(quality.quality_report(board_id, START, END))
    assert len(draws) == 2
    quality.report_charts(quality.quality_report(board_id, START, date(END.year + 1, 1, 1)))
    assert len(draws) == 4
    assert db.session.scalar(select(func.count()).select_from(ChartRender)) == 4


def test_the_page_and_its_definitions_in_german(dataset, client_as):
    response = client_as(Role.COORDINATOR).get(
        "/quality", query_string=_query(dataset["board"]), headers={"Accept-Language": "de-DE,de;q=0.9"}
    )
    assert response.status_code == 200
    text = response.text
    for german in (
        "Qualitätskennzahlen des Zeitraums",
        "Besprochene Fälle",
        "Beschlüsse binnen 48 Stunden unterzeichnet",
        "Besprochene Fälle mit einem Ki-67-Index in mindestens einem Pathologiebefund.",
        "Zähler",
        "CSV herunterladen",
    ):
        assert german in text, german
    assert "Cases discussed" not in text and "Discussed cases with a Ki-67 index" not in text
    english = client_as(Role.COORDINATOR).get("/quality", query_string=_query(dataset["board"])).text
    assert "Cases discussed" in english and "Besprochene" not in english


def test_a_bad_date_is_explained_in_german_to_a_german_reader(dataset, client_as):
    coordinator = client_as(Role.COORDINATOR)
    response = coordinator.get(
        "/quality",
        query_string=_query(dataset["board"], **{"from": "1850-01-01"}),
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 422
    assert "Das Anfangsdatum muss zwischen 2000 und 2199 liegen." in response.text
    assert "must lie between" not in response.text


def test_the_charts_read_in_the_readers_language_each_under_its_own_key(app, dataset):
    for language, shares, reasons in (
        ("en", "Shares of the period", "Why recommendations were not (fully) carried out"),
        ("de", "Anteile im Zeitraum", "Warum Empfehlungen nicht (vollständig) umgesetzt wurden"),
    ):
        with app.test_request_context(headers={"Accept-Language": language}):
            report = quality.quality_report(dataset["board"].id, START, END)
            charts = quality.report_charts(report)
            assert shares in charts["shares"] and reasons in charts["reasons"]
            specs = quality.report_chart_specs(report)
            keys = {name: spec.key for name, spec in specs.items()}
            if language == "en":
                english_keys = keys
                assert "Complete at submission 75 % (3 of 4)" in specs["shares"].alt
            else:
                assert "Vollständig bei Anmeldung 75 % (3 von 4)" in specs["shares"].alt
                assert specs["shares"].alt.startswith("Anteile in Prozent: ")
                assert "teilweise umgesetzt" in charts["reasons"]
                assert all(keys[name] != english_keys[name] for name in keys)
