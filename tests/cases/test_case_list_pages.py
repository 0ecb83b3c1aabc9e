"""The case list's keyset pages: first / previous / next / last and jumps, in every sort, with opaque
cursors; a bad cursor gives the first page with a message."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import create_case, create_patient
from tumorboard import keyset
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.cases import queries
from tumorboard.extensions import db

CASE_ID = re.compile(r"· case (\d+)</div>")
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAMILIES = [
    "Zander",
    "Özdemir",
    "Abel",
    "müller",
    "Brandt",
    "abel",
    "Cohen",
    "Mueller",
    "Yilmaz",
    "Zander",
    "Baker",
]


def _link(text: str, label: str) -> str | None:
    found = re.search(rf'href="([^"]+)">{label}</a>', text)
    return html.unescape(found.group(1)) if found else None


def _ids(text: str) -> list[int]:
    return [int(i) for i in CASE_ID.findall(text)]


@pytest.fixture
def many_cases(submitter, board):
    """Eleven cases of one submitter, with ties in the change time, drafts never submitted (NULL
    submitted_at), several sites and statuses, and names that sort close together."""
    made = []
    statuses = [
        "draft",
        "submitted",
        "scheduled",
        "submitted",
        "draft",
        "scheduled",
        "submitted",
        "draft",
        "scheduled",
        "submitted",
        "draft",
    ]
    sites = [
        "pancreas",
        "ileum",
        "lung",
        "pancreas",
        "stomach",
        "ileum",
        "lung",
        "pancreas",
        "rectum",
        "ileum",
        "lung",
    ]
    for i, family in enumerate(FAMILIES):
        changed = BASE + timedelta(hours=(i // 2) * 5)  # pairs share their change time
        submitted = None if statuses[i] == "draft" else changed - timedelta(days=1, minutes=i)
        made.append(
            create_case(
                submitter=submitter,
                board=board,
                patient=create_patient(created_by=submitter, family_name=family),
                status=statuses[i],
                primary_site=sites[i],
                updated_at=changed,
                submitted_at=submitted,
            )
        )
    return made


def _in_order(user_id: int, sort: str) -> list[int]:
    user = db.session.get(User, user_id)
    stmt = queries.case_list(user, queries.CaseFilters(sort=sort))
    return [case.id for case in db.session.scalars(stmt).unique()]


@pytest.mark.parametrize("sort", list(queries.SORTS))
def test_next_and_previous_walk_the_whole_list_in_its_order(
    client_as, many_cases, submitter, app, monkeypatch, sort
):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    expected = _in_order(submitter.id, sort)
    assert len(expected) == len(many_cases)
    client = client_as(Role.SUBMITTER)
    url: str | None = f"/cases?sort={sort}"
    pages: list[list[int]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(_ids(response.text))
        assert "offset" not in url.lower()
        url = _link(response.text, "Next")
        assert len(pages) < 10
    assert [i for page in pages for i in page] == expected
    assert [len(page) for page in pages] == [3, 3, 3, 2]
    # the last page, then back with Previous to the first
    last = client.get(f"/cases?sort={sort}&last=1")
    assert _ids(last.text) == expected[-3:] and _link(last.text, "Next") is None
    back: list[list[int]] = [_ids(last.text)]
    url = _link(last.text, "Previous")
    while url:
        response = client.get(url)
        back.append(_ids(response.text))
        url = _link(response.text, "Previous")
        assert len(back) < 10
    assert [i for page in reversed(back) for i in page] == expected
    # pages walked back are aligned on the page one came from: the earliest may be short; "First" is full
    assert back[-1] == expected[: len(back[-1])]
    assert _link(client.get(f"/cases?sort={sort}").text, "Previous") is None


def test_a_cursor_carries_no_patient_data_and_cannot_be_edited(client_as, many_cases, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    client = client_as(Role.SUBMITTER)
    first = client.get("/cases?sort=patient")
    next_url = _link(first.text, "Next")
    assert next_url is not None
    for case in many_cases:
        name = case.patient.family_name
        assert name.casefold() not in next_url.casefold() and case.patient.mrn not in next_url
    cursor = re.search(r"after=([^&]+)", next_url).group(1)
    tampered = cursor[:-6] + ("A" if cursor[-6] != "A" else "B") + cursor[-5:]
    for bad in (tampered, "garbage", "", "x" * 2000, "%00"):
        response = client.get(f"/cases?sort=patient&after={bad}")
        assert response.status_code == 200
        if bad:
            assert "no longer valid" in response.text
            assert _ids(response.text) == _ids(first.text)
    # a cursor of one order is refused in another
    other = client.get(f"/cases?sort=updated&after={cursor}")
    assert other.status_code == 200 and "no longer valid" in other.text


def test_decode_refuses_what_it_did_not_make(app):
    with app.test_request_context():
        order = queries.SORTS["updated"]
        good = keyset.encode_cursor("updated", (BASE, 7))
        assert keyset.decode_cursor(good, "updated", order) == (BASE, 7)
        for token, sort in (
            (good, "oldest"),
            ("nonsense", "updated"),
            (keyset.encode_cursor("updated", (1,)), "updated"),
        ):
            with pytest.raises(keyset.BadCursor):
                keyset.decode_cursor(token, sort, order)
        with pytest.raises(keyset.BadCursor):  # a date where the order has a name
            keyset.decode_cursor(
                keyset.encode_cursor("patient", (BASE, 1)), "patient", queries.SORTS["patient"]
            )


def test_jumps_by_date_and_initial(client_as, many_cases, submitter, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    client = client_as(Role.SUBMITTER)
    newest = _in_order(submitter.id, "updated")
    day = (BASE + timedelta(hours=10)).date()  # cases 0-5 changed on BASE's day
    ids = _ids(client.get(f"/cases?jump={day.isoformat()}").text)
    by_id = {case.id: case for case in many_cases}
    assert ids and all(by_id[i].updated_at.date() <= day for i in ids)
    assert ids == newest[newest.index(ids[0]) :][:3]
    oldest = _ids(client.get(f"/cases?sort=oldest&jump={day.isoformat()}").text)
    assert oldest == _in_order(submitter.id, "oldest")[:3]
    by_name = _ids(client.get("/cases?sort=patient&initial=m").text)
    names = [by_id[i].patient.name_key for i in by_name]
    assert names and all(name >= "m" for name in names) and names[0].startswith("m")
    for bad in ("jump=yesterday", "jump=1999-01-01", "initial=%C3%BC%C3%BC", "initial=1"):
        response = client.get(f"/cases?sort=patient&{bad}")
        assert response.status_code == 200 and "Jump to a date" in response.text


def test_a_search_pages_by_post_without_the_text_in_the_url(client_as, many_cases, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    client = client_as(Role.SUBMITTER)
    first = client.post("/cases", data={"search-q": "surveillance"})
    assert first.status_code == 200 and len(_ids(first.text)) == 2
    cursor = re.search(r'name="after" value="([^"]+)"', first.text).group(1)
    second = client.post("/cases", data={"search-q": "surveillance", "after": cursor})
    assert second.status_code == 200 and not set(_ids(second.text)) & set(_ids(first.text))
    assert "surveillance" not in second.request.url


def test_a_deep_page_costs_the_statements_of_the_first(
    client_as, submitter, board, app, monkeypatch, count_queries
):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    client = client_as(Role.SUBMITTER)
    ids = submitter.id, board.id
    for i in range(4):
        create_case(
            submitter=submitter, board=board, status="submitted", updated_at=BASE + timedelta(hours=i)
        )
    with count_queries() as few:
        assert client.get("/cases").status_code == 200
    submitter, board = db.session.get(User, ids[0]), db.session.get(Board, ids[1])
    for i in range(30):
        create_case(
            submitter=submitter, board=board, status="submitted", updated_at=BASE - timedelta(hours=i)
        )
    url = "/cases"
    for _ in range(6):
        url = _link(client.get(url).text, "Next")
    with count_queries() as deep:
        assert client.get(url).status_code == 200
    with count_queries() as last:
        assert client.get("/cases?last=1").status_code == 200
    assert len(deep) == len(last) == len(few) <= 9


from tumorboard.boards.models import Board  # noqa: E402
