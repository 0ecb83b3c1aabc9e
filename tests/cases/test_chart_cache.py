"""The marker chart rendered once per data version and served revalidated (tumorboard/render_cache.py):
a strong ETag of what it is drawn from, 304 on If-None-Match, a changed finding a new ETag, another
board's user a 404 and never a 304, every answer (304 included) in the access log, and a hit that draws
nothing and takes no render lock."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in
from tumorboard.audit.models import AccessEvent, AccessPage
from tumorboard.auth.roles import Role
from tumorboard.cases import charts, finding_operations, finding_views
from tumorboard.db import utcnow
from tumorboard.extensions import db
from tumorboard.render_cache import MAX_AGE, REVALIDATE, ChartRender, cached_svg, chart_key


@pytest.fixture
def case(create_case, users, board):
    return create_case(submitter=users[Role.SUBMITTER], board=board, status="submitted")


def _url(case) -> str:
    return f"/cases/{case.id}/markers/chromogranin_a.svg"


def _reads(case) -> int:
    return db.session.scalar(
        select(func.count(AccessEvent.id)).where(
            AccessEvent.case_id == case.id, AccessEvent.page == AccessPage.MARKER_CHART
        )
    )


def _renders(monkeypatch) -> list[int]:
    """Counts the matplotlib renders of marker charts (the real render runs)."""
    calls: list[int] = []
    original = charts._draw

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(charts, "_draw", counting)
    return calls


def test_the_chart_is_cacheable_with_a_strong_etag_and_a_304(
    client_as, case, submitter, create_lab, monkeypatch
):
    create_lab(case, created_by=submitter, value=120)
    create_lab(case, created_by=submitter, value=60, sample_date=date.today() - timedelta(days=40))
    renders = _renders(monkeypatch)
    client = client_as(Role.SPECIALIST)
    first = client.get(_url(case))
    assert first.status_code == 200 and "<svg" in first.text
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/") and len(etag) == 66
    assert first.headers["Cache-Control"] == REVALIDATE and "Pragma" not in first.headers
    assert renders == [1]

    again = client.get(_url(case), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == REVALIDATE
    # without the browser's copy: the same bytes, from the cache, not drawn again
    cached = client.get(_url(case))
    assert cached.status_code == 200 and cached.data == first.data and cached.headers["ETag"] == etag
    assert renders == [1]
    # a 304 is a read of the patient's data too: three answers, three entries in the access log
    assert _reads(case) == 3
    # a stale copy gets the chart, not a 304
    assert client.get(_url(case), headers={"If-None-Match": '"' + "0" * 64 + '"'}).status_code == 200


def test_a_changed_finding_changes_the_etag(client_as, case, submitter, create_lab):
    lab = create_lab(case, created_by=submitter, value=120)
    client = client_as(Role.SUBMITTER)
    before = client.get(_url(case))
    finding_operations.update_finding(
        submitter,
        case,
        "lab",
        lab,
        expected_version=lab.version,
        data={
            "sample_date": lab.sample_date,
            "analyte": "chromogranin_a",
            "value": 240,
            "unit": "ng/mL",
            "ref_high": 93,
        },
    )
    db.session.flush()
    after = client.get(_url(case), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"] and after.data != before.data
    assert ">240<" in after.text or "240" in after.text


def test_a_new_day_is_a_new_chart(client_as, case, submitter, create_lab, monkeypatch):
    """The chart marks today: tomorrow it is another chart, whatever the browser kept."""
    create_lab(case, created_by=submitter, value=120)
    client = client_as(Role.SPECIALIST)
    today = client.get(_url(case))
    tomorrows_date = finding_views.hospital_today() + timedelta(days=1)  # the hospital's day, not UTC's
    monkeypatch.setattr("tumorboard.cases.finding_views.hospital_today", lambda: tomorrows_date)
    tomorrow = client.get(_url(case), headers={"If-None-Match": today.headers["ETag"]})
    assert tomorrow.status_code == 200 and tomorrow.headers["ETag"] != today.headers["ETag"]


def test_another_boards_user_gets_404_not_304(app, client_as, case, submitter, create_lab, create_user):
    create_lab(case, created_by=submitter, value=120)
    etag = client_as(Role.SPECIALIST).get(_url(case)).headers["ETag"]
    outsider = log_in(app.test_client(), create_user(roles=[Role.SPECIALIST]))
    before = _reads(case)
    response = outsider.get(_url(case), headers={"If-None-Match": etag})
    assert response.status_code == 404 and "ETag" not in response.headers
    assert _reads(case) == before
    anonymous = app.test_client().get(_url(case), headers={"If-None-Match": etag})
    assert anonymous.status_code == 302 and "ETag" not in anonymous.headers


def test_statements_of_a_miss_a_hit_and_a_304(client_as, case, submitter, create_lab, count_queries):
    create_lab(case, created_by=submitter, value=120)
    client, url = client_as(Role.SPECIALIST), _url(case)
    with count_queries() as miss:
        etag = client.get(url).headers["ETag"]
    with count_queries() as hit:
        assert client.get(url).status_code == 200
    with count_queries() as not_modified:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    writes = [s for s in miss if s.lstrip().upper().startswith(("INSERT INTO CHART_RENDER", "DELETE"))]
    assert len(writes) == 3  # the render kept, and the two prunes
    assert len(hit) == len(miss) - 3  # the same reads, the cache's read instead of the writes
    assert len(not_modified) == len(hit) - 1  # no read of the cache at all
    assert not any("chart_render" in s for s in not_modified)


def test_the_cache_is_bounded_by_age(app_ctx):
    old = ChartRender(key="a" * 64, svg="<svg/>", created_at=utcnow() - MAX_AGE - timedelta(minutes=1))
    db.session.add(old)
    db.session.flush()
    key = chart_key("test", 1)
    assert cached_svg(key, lambda: "<svg>new</svg>") == "<svg>new</svg>"
    assert db.session.scalar(select(func.count()).where(ChartRender.key == "a" * 64)) == 0
    assert cached_svg(key, lambda: "never drawn") == "<svg>new</svg>"


def test_the_cache_is_bounded_by_count(app_ctx, monkeypatch):
    monkeypatch.setattr("tumorboard.render_cache.MAX_ENTRIES", 3)
    start = utcnow() - timedelta(hours=1)
    for n in range(4):
        db.session.add(ChartRender(key=f"{n:064d}", svg="<svg/>", created_at=start + timedelta(minutes=n)))
    db.session.flush()
    cached_svg(chart_key("test", 2), lambda: "<svg>newest</svg>")
    kept = set(db.session.scalars(select(ChartRender.key)))
    assert kept == {chart_key("test", 2), f"{3:064d}", f"{2:064d}"}


def test_a_hit_takes_no_render_lock(client_as, case, submitter, create_lab):
    create_lab(case, created_by=submitter, value=120)
    client = client_as(Role.SPECIALIST)
    first = client.get(_url(case))
    with charts._RENDER_LOCK:  # a render in progress elsewhere
        hit = client.get(_url(case))
    assert hit.status_code == 200 and hit.data == first.data
