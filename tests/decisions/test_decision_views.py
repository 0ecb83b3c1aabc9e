"""Decision pages through the test client: meeting mode, autosave and its conflicts, signing through the
form, the version history, the letter (HTML, PDF) and the FHIR export of signed decisions, the follow-up,
the overdue follow-ups on the submitter's dashboard, and bounded statement counts."""

import io
import re
from datetime import timedelta

from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import select

from tests.decisions.support import (
    FIELDS,
    PLAN,
    a_signed_decision,
    client_of,
    plan_row,
    save,
    stored,
)
from tests.factories import PASSWORD
from tests.meetings.support import events
from tumorboard.db import utcnow
from tumorboard.decisions import operations
from tumorboard.decisions.models import Decision, FollowUp
from tumorboard.extensions import db
from tumorboard.meetings import operations as meeting_operations
from tumorboard.timezones import hospital_today, to_local


def form_data(decision: Decision, items=PLAN, **fields) -> dict:
    """What the decision form posts: its fields, the plan rows and the version it was loaded at."""
    data = {"version": str(decision.version), **FIELDS, **fields}
    for n, row in enumerate(items):
        data |= {f"items-{n}-{key}": "" if value is None else str(value) for key, value in row.items()}
    return data


def mode_url(item) -> str:
    return f"/meetings/{item.meeting_id}/mode?item={item.id}"


# Meeting mode --------------------------------------------------------------------------------------


def test_meeting_mode_shows_the_case_and_walks_the_agenda(app, specialist, start_meeting):
    meeting = start_meeting(3)
    first, second, third = meeting.items
    client = client_of(app, specialist)
    page = client.get(mode_url(second))
    assert page.status_code == 200
    html = page.text
    case = second.case
    assert f"Case 2 of 3: {case.patient.display_name}" in html
    assert case.patient.mrn in html and case.clinical_question in html
    assert "Clinical summary" in html and "G2" in html  # the computed grade from Ki-67 8 %
    assert re.search(rf'id="previous-case" href="[^"]*item={first.id}"', html)
    assert re.search(rf'id="next-case" href="[^"]*item={third.id}"', html)
    assert 'id="start-decision"' in html and 'id="decision-form"' not in html

    response = client.post(f"/agenda/{second.id}/decision")
    assert response.status_code == 302 and response.location.endswith(f"item={second.id}#decision")
    html = client.get(mode_url(second)).text
    assert 'id="decision-form"' in html and 'name="items-0-treatment"' in html
    assert "/autosave" in html and 'id="start-decision"' not in html

    html = client.get(mode_url(first)).text
    assert 'id="previous-case"' not in html and re.search(
        rf'id="next-case" href="[^"]*item={second.id}"', html
    )
    html = client.get(f"/meetings/{meeting.id}/mode").text  # no item: the first
    assert "Case 1 of 3" in html
    html = client.get(mode_url(third)).text
    assert 'id="next-case"' not in html and 'id="previous-case"' in html


def test_the_chair_sees_the_sign_form_others_do_not(app, chair, specialist, submitter, draft, item):
    assert f'action="/decisions/{draft.id}/sign"' in client_of(app, chair).get(mode_url(item)).text
    html = client_of(app, specialist).get(mode_url(item)).text
    assert 'id="decision-form"' in html and "/sign" not in html
    html = client_of(app, submitter).get(mode_url(item)).text  # a member without a decision role
    assert "A draft is being recorded by the board." in html and 'id="decision-form"' not in html


def test_outsiders_get_404(app, outsider, draft, item):
    client = client_of(app, outsider)
    for url in (
        mode_url(item),
        f"/decisions/{draft.id}/edit",
        f"/cases/{item.case_id}/decisions",
        f"/decisions/{draft.id}/follow-up",
        f"/decisions/{draft.id}/letter",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/agenda/{item.id}/decision",
        f"/decisions/{draft.id}",
        f"/decisions/{draft.id}/autosave",
        f"/decisions/{draft.id}/sign",
        f"/decisions/{draft.id}/amend",
    ):
        assert client.post(url, data=form_data(draft)).status_code == 404, url
    assert client.get("/meetings/999999/mode").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(app, draft, item):
    client = app.test_client()
    for url in (mode_url(item), f"/decisions/{draft.id}/edit", f"/decisions/{draft.id}/letter"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url
    assert client.post(f"/decisions/{draft.id}/autosave", data=form_data(draft)).status_code in (302, 401)
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).version == draft.version


def test_a_twenty_item_plan_renders(app, specialist, chair, draft, item):
    save(specialist, draft, items=[plan_row(detail=f"item {n}") for n in range(20)])
    db.session.commit()
    for user in (specialist, chair):
        html = client_of(app, user).get(mode_url(item)).text
        assert html.count('name="items-') // 5 == 20
    assert client_of(app, specialist).get(f"/decisions/{draft.id}/edit").status_code == 200


# Saving and autosave -------------------------------------------------------------------------------


def test_the_form_saves_the_draft(app, specialist, item):
    decision = operations.start_decision(specialist, item)
    db.session.commit()
    client = client_of(app, specialist)
    rows = [*PLAN, plan_row("", detail="", intent="", responsible_specialty="")]
    response = client.post(f"/decisions/{decision.id}", data=form_data(decision, rows, dissent_by="Dr. B"))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Decision, decision.id)
    assert saved.recommendation == FIELDS["recommendation"] and saved.dissent_by == "Dr. B"
    assert [i.treatment for i in saved.items] == ["SSA-LAN", "SURV"]
    html = client.get(mode_url(item)).text
    assert "Draft saved." in html and "Lanreotide autogel 120 mg every 28 days" in html


def test_a_refused_save_says_why_keeps_what_was_typed_and_changes_nothing(app, specialist, draft, item):
    before = stored(draft.id)
    client = client_of(app, specialist)
    past = (hospital_today() - timedelta(days=1)).isoformat()
    typed = {
        "recommendation": "Typed at the meeting: lanreotide, then restage.",
        "rationale": "Typed reasons.",
    }
    for data, message in (
        (form_data(draft, next_review_date=past, **typed), "The next review cannot be in the past."),
        (
            form_data(draft, [PLAN[0], plan_row("XYZ")], **typed),
            "Plan item 2, treatment: Not a valid choice.",
        ),
        (form_data(draft, next_review_date="soon", **typed), "Not a valid date value."),
        (
            form_data(draft, recommendation="x" * 8001),
            "The recommendation is too long (at most 8000 characters).",
        ),
    ):
        response = client.post(f"/decisions/{draft.id}", data=data)
        assert response.status_code == 422, message
        html = response.text
        assert message in html
        if data["recommendation"] == typed["recommendation"]:
            assert typed["recommendation"] in html and typed["rationale"] in html
            assert "Lanreotide autogel 120 mg every 28 days" in html  # the typed plan row
        else:
            assert "x" * 8001 in html  # refused, not cut: the whole text comes back
        db.session.expire_all()
        assert stored(draft.id) == before


def test_a_draft_with_an_unfinished_row_saves_and_signing_names_the_row(app, specialist, chair, draft, item):
    rows = [PLAN[0], plan_row("SURV", intent="", detail="CT in 3 months")]
    data = form_data(draft, rows, dissent="Surgery first.")
    assert client_of(app, specialist).post(f"/decisions/{draft.id}/autosave", data=data).status_code == 200
    db.session.expire_all()
    saved = db.session.get(Decision, draft.id)
    assert [(i.treatment, i.intent) for i in saved.items] == [("SSA-LAN", "palliative"), ("SURV", None)]
    signing = form_data(saved, rows, dissent="Surgery first.") | {"with_draft": "1", "password": PASSWORD}
    response = client_of(app, chair).post(f"/decisions/{draft.id}/sign", data=signing)
    assert response.status_code == 422
    assert "Plan item 2 needs its intent before the decision is signed." in response.text
    assert "CT in 3 months" in response.text and "Surgery first." in response.text
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).status == "draft"


def test_signing_after_the_chairs_own_autosave_signs_what_the_screen_shows(app, chair, draft, item):
    """The chair types, autosave runs, the chair signs: the sign POST carries the form's current
    version and the text typed since, and is signed as shown (no 409 against the chair's own save)."""
    client = client_of(app, chair)
    first = client.post(f"/decisions/{draft.id}/autosave", data=form_data(draft, recommendation="Autosaved."))
    assert first.status_code == 200
    signing = form_data(draft, recommendation="Autosaved, then typed some more.") | {
        "version": str(first.json["version"]),
        "with_draft": "1",
        "password": PASSWORD,
    }
    response = client.post(f"/decisions/{draft.id}/sign", data=signing)
    assert response.status_code == 302
    db.session.expire_all()
    signed = db.session.get(Decision, draft.id)
    assert signed.status == "signed" and signed.recommendation == "Autosaved, then typed some more."


def test_a_wrong_password_keeps_the_typed_draft(app, chair, draft, item):
    signing = form_data(draft, recommendation="Typed just before signing.") | {
        "with_draft": "1",
        "password": "not-the-password",
    }
    response = client_of(app, chair).post(f"/decisions/{draft.id}/sign", data=signing)
    assert response.status_code == 422 and "The password is not correct." in response.text
    assert "Typed just before signing." in response.text
    db.session.expire_all()
    saved = db.session.get(Decision, draft.id)
    assert saved.status == "draft" and saved.recommendation == "Typed just before signing."
    assert f'name="version" type="hidden" value="{saved.version}"' in response.text


def test_a_second_tab_that_hits_a_409_keeps_its_text_and_can_reapply_it(app, specialist, chair, draft, item):
    loaded_at = draft.version
    assert (
        client_of(app, chair)
        .post(f"/decisions/{draft.id}", data=form_data(draft, recommendation="The chair's text"))
        .status_code
        == 302
    )
    mine = form_data(draft, recommendation="My text from the other tab") | {"version": str(loaded_at)}
    client = client_of(app, specialist)
    response = client.post(f"/decisions/{draft.id}", data=mine)
    assert response.status_code == 409
    html = response.text
    assert "Someone else saved this decision meanwhile" in html
    assert "The chair&#39;s text" in html and html.count("My text from the other tab") >= 2  # panel and form
    db.session.expire_all()
    current = db.session.get(Decision, draft.id)
    assert current.recommendation == "The chair's text"
    assert f'name="version" type="hidden" value="{current.version}"' in html
    # saving again applies the user's text over theirs, knowingly
    again = client.post(f"/decisions/{draft.id}", data=mine | {"version": str(current.version)})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).recommendation == "My text from the other tab"


def test_autosave_returns_the_new_version(app, specialist, draft):
    client = client_of(app, specialist)
    version = draft.version
    response = client.post(
        f"/decisions/{draft.id}/autosave", data=form_data(draft, recommendation="Typed so far")
    )
    assert response.status_code == 200
    db.session.expire_all()
    saved = db.session.get(Decision, draft.id)
    assert response.json["version"] == saved.version > version
    assert saved.recommendation == "Typed so far" and response.json["saved_at"]
    # the page sends the new version with the next autosave
    data = form_data(saved, recommendation="Typed some more") | {"version": str(response.json["version"])}
    assert client.post(f"/decisions/{draft.id}/autosave", data=data).status_code == 200


def test_a_stale_autosave_answers_409_with_both_texts(app, specialist, chair, draft):
    loaded_at = draft.version
    theirs = client_of(app, chair).post(
        f"/decisions/{draft.id}/autosave", data=form_data(draft, recommendation="The chair's text")
    )
    assert theirs.status_code == 200
    mine = form_data(draft, recommendation="My text", rationale="My reasons") | {"version": str(loaded_at)}
    response = client_of(app, specialist).post(f"/decisions/{draft.id}/autosave", data=mine)
    assert response.status_code == 409
    assert response.json["version"] == theirs.json["version"]
    assert {f["name"]: (f["theirs"], f["yours"]) for f in response.json["fields"]} == {
        "recommendation": ("The chair's text", "My text"),
        "rationale": (FIELDS["rationale"], "My reasons"),
    }
    assert "Someone else saved this decision" in response.json["error"]
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).recommendation == "The chair's text"


def test_autosave_refusals_are_json(app, specialist, submitter, draft):
    client = client_of(app, specialist)
    response = client.post(f"/decisions/{draft.id}/autosave", data=form_data(draft, next_review_date="soon"))
    assert response.status_code == 422 and "Next review: Not a valid date value." in response.json["error"]
    response = client.post(f"/decisions/{draft.id}/autosave", data=form_data(draft, [plan_row("XYZ")]))
    assert response.status_code == 422 and "Plan item 1, treatment" in response.json["error"]
    response = client.post(f"/decisions/{draft.id}/autosave", data={"recommendation": "no version"})
    assert response.status_code == 422 and "out of date" in response.json["error"]
    assert (
        client_of(app, submitter).post(f"/decisions/{draft.id}/autosave", data=form_data(draft)).status_code
        == 403
    )


# Signing -------------------------------------------------------------------------------------------


def test_sign_through_the_form(app, chair, draft, item):
    client = client_of(app, chair)
    response = client.post(
        f"/decisions/{draft.id}/sign", data={"password": "wrong", "version": str(draft.version)}
    )
    assert response.status_code == 302
    assert "The password is not correct." in client.get(mode_url(item)).text
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).status == "draft"

    response = client.post(
        f"/decisions/{draft.id}/sign", data={"password": PASSWORD, "version": str(draft.version)}
    )
    assert response.status_code == 302
    html = client.get(mode_url(item)).text
    assert "Decision signed." in html and "Signed decision" in html and 'id="decision-form"' not in html
    db.session.expire_all()
    signed = db.session.get(Decision, draft.id)
    assert signed.status == "signed" and signed.signed_by_id == chair.id
    assert signed.case.status == "discussed"


def test_signing_with_warnings_needs_the_reason_in_the_form(app, chair, specialist, item):
    decision = operations.start_decision(specialist, item)
    save(specialist, decision, items=[plan_row("PRRT-LU177", responsible_specialty="nuclear_medicine")])
    db.session.commit()
    client = client_of(app, chair)
    html = client.get(mode_url(item)).text
    assert "Consistency warnings" in html and 'name="override_reason"' in html
    data = {"password": PASSWORD, "version": str(decision.version)}
    client.post(f"/decisions/{decision.id}/sign", data=data)
    assert "1 consistency warning(s)" in client.get(mode_url(item)).text
    response = client.post(
        f"/decisions/{decision.id}/sign", data=data | {"override_reason": "Outside PET positive."}
    )
    assert response.status_code == 302
    html = client.get(mode_url(item)).text
    assert "with 1 warning(s) and your reason" in html and "Outside PET positive." in html


def test_only_the_chair_may_post_the_signature(app, specialist, draft):
    response = client_of(app, specialist).post(
        f"/decisions/{draft.id}/sign", data={"password": PASSWORD, "version": str(draft.version)}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Decision, draft.id).status == "draft"


# History and amendments ----------------------------------------------------------------------------


def test_the_history_shows_both_versions_and_the_differences(app, chair, specialist, signed):
    client = client_of(app, specialist)
    response = client.post(f"/decisions/{signed.id}/amend", data={"reason": "Lanreotide is not stocked."})
    amendment = db.session.scalar(select(Decision).where(Decision.supersedes_id == signed.id))
    assert response.status_code == 302 and response.location.endswith(f"/decisions/{amendment.id}/edit")
    html = client.get(response.location).text
    assert "Amendment (version 2): Lanreotide is not stocked." in html and 'id="decision-form"' in html

    octreotide = plan_row("SSA-OCT-LAR", detail="Octreotide LAR 30 mg every 28 days")
    data = form_data(
        amendment, [octreotide, PLAN[1]], recommendation="Start octreotide; restage in three months."
    )
    assert client.post(f"/decisions/{amendment.id}", data=data).status_code == 302
    db.session.expire_all()
    amendment = db.session.get(Decision, amendment.id)
    response = client_of(app, chair).post(
        f"/decisions/{amendment.id}/sign", data={"password": PASSWORD, "version": str(amendment.version)}
    )
    assert response.status_code == 302 and response.location.endswith(f"/cases/{signed.case_id}/decisions")

    html = client.get(f"/cases/{signed.case_id}/decisions").text
    assert "Version 1" in html and "Version 2" in html
    assert "superseded" in html and "Amended because:</strong> Lanreotide is not stocked." in html
    assert "Changes from version 1" in html
    assert '<del class="text-danger">lanreotide;</del>' in html
    assert '<ins class="text-success">octreotide;</ins>' in html
    assert "-SSA-LAN · palliative · medical_oncology · Lanreotide autogel" in html
    assert "+SSA-OCT-LAR · palliative · medical_oncology · Octreotide LAR 30 mg" in html
    assert html.count("Lanreotide autogel 120 mg every 28 days") >= 1  # the old plan is still shown


def test_an_amendment_without_reason_is_refused(app, specialist, signed):
    client = client_of(app, specialist)
    response = client.post(f"/decisions/{signed.id}/amend", data={"reason": ""})
    assert response.status_code == 422 and "Say why the decision changes." in response.text
    too_long = "Octreotide instead of lanreotide. " * 70  # 2380 characters: refused, and given back whole
    response = client.post(f"/decisions/{signed.id}/amend", data={"reason": too_long})
    assert response.status_code == 422 and "at most 2000 characters" in response.text
    assert too_long.strip() in response.text
    assert db.session.scalars(select(Decision)).all() == [signed]


# Letter, PDF, FHIR ---------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_documents_only_for_signed_decisions(app, specialist, draft):
    client = client_of(app, specialist)
    for suffix in ("letter", "letter.pdf", "fhir.json", "follow-up"):
        assert client.get(f"/decisions/{draft.id}/{suffix}").status_code == 404, suffix
    assert events("decision.letter_viewed") == events("decision.letter_downloaded") == []


def test_the_letter_and_its_pdf(app, specialist, signed):
    client = client_of(app, specialist)
    case = signed.case
    html = client.get(f"/decisions/{signed.id}/letter")
    assert html.status_code == 200
    assert case.patient.mrn in html.text and "Lanreotide autogel 120 mg every 28 days" in html.text
    assert "Somatostatin analogue: lanreotide" in html.text

    response = client.get(f"/decisions/{signed.id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="decision-case-{case.id}-v1.pdf"' in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    assert "Lanreotide autogel 120 mg every 28 days" in text
    assert "Multiphase CT of the abdomen every 3 months" in text
    assert case.patient.mrn in text

    assert [e.entity_id for e in events("decision.letter_viewed")] == [str(signed.id)]
    assert [e.entity_id for e in events("decision.letter_downloaded")] == [str(signed.id)]
    assert {e.actor_id for e in events("decision.letter_viewed") + events("decision.letter_downloaded")} == {
        specialist.id
    }
    client.get(f"/decisions/{signed.id}/letter.pdf")
    assert len(events("decision.letter_downloaded")) == 2


def test_the_fhir_export_validates(app, submitter, signed):
    response = client_of(app, submitter).get(f"/decisions/{signed.id}/fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = Bundle.model_validate(response.json)
    assert bundle.type == "collection"
    text = response.text
    assert "Lanreotide autogel 120 mg every 28 days" in text and signed.case.patient.mrn in text
    (exported,) = events("decision.fhir_exported")
    assert (exported.entity_id, exported.actor_id) == (str(signed.id), submitter.id)


# Follow-up -----------------------------------------------------------------------------------------


def test_the_submitter_records_the_follow_up(app, submitter, signed):
    client = client_of(app, submitter)
    page = client.get(f"/decisions/{signed.id}/follow-up")
    assert page.status_code == 200 and 'name="status"' in page.text
    response = client.post(
        f"/decisions/{signed.id}/follow-up", data={"status": "partly", "reason": "", "reason_text": "x"}
    )
    assert response.status_code == 422 and "Choose why it was not (fully) carried out." in response.text
    future = (hospital_today() + timedelta(days=3)).isoformat()
    response = client.post(
        f"/decisions/{signed.id}/follow-up", data={"status": "fully", "started_on": future}
    )
    assert response.status_code == 422 and "cannot be in the future" in response.text
    assert db.session.scalars(select(FollowUp)).all() == []

    response = client.post(
        f"/decisions/{signed.id}/follow-up",
        data={"status": "fully", "started_on": hospital_today().isoformat()},
    )
    assert response.status_code == 302 and response.location.endswith(f"/cases/{signed.case_id}")
    db.session.expire_all()
    recorded = db.session.scalar(select(FollowUp))
    assert (recorded.decision_id, recorded.status, recorded.recorded_by_id) == (
        signed.id,
        "fully",
        submitter.id,
    )
    assert db.session.get(Decision, signed.id).case.status == "closed"
    assert len(events("decision.follow_up")) == 1

    page = client.get(f"/decisions/{signed.id}/follow-up")  # the form again, at the follow-up's version
    assert f'name="version" type="hidden" value="{recorded.version}"' in page.text


def test_board_members_see_the_follow_up_but_do_not_record_it(app, users, chair, specialist, signed):
    operations.record_follow_up(
        signed.case.submitter,
        signed,
        expected_version=None,
        status="not",
        reason="patient_preference",
        reason_text="The patient declined.",
        started_on=None,
        completed_on=None,
    )
    db.session.commit()
    before = db.session.execute(select(FollowUp.__table__)).mappings().all()
    for user in (chair, specialist):
        client = client_of(app, user)
        page = client.get(f"/decisions/{signed.id}/follow-up")
        assert page.status_code == 200 and "The patient declined." in page.text
        assert 'name="status"' not in page.text
        response = client.post(f"/decisions/{signed.id}/follow-up", data={"status": "fully"})
        assert response.status_code == 403
    db.session.expire_all()
    assert db.session.execute(select(FollowUp.__table__)).mappings().all() == before


def test_outsiders_do_not_see_the_follow_up(app, outsider, signed):
    client = client_of(app, outsider)
    assert client.get(f"/decisions/{signed.id}/follow-up").status_code == 404
    assert client.post(f"/decisions/{signed.id}/follow-up", data={"status": "fully"}).status_code == 404
    for suffix in ("letter", "letter.pdf", "fhir.json"):
        assert client.get(f"/decisions/{signed.id}/{suffix}").status_code == 404
    assert db.session.scalars(select(FollowUp)).all() == []


def test_the_dashboard_lists_overdue_follow_ups(
    app, monkeypatch, chair, specialist, submitter, start_meeting
):
    today = hospital_today()
    long_ago, review_passed, review_ahead, recent, done = start_meeting(5).items

    with monkeypatch.context() as patch:
        patch.setattr(operations, "utcnow", lambda: _weeks_ago(7))
        old = a_signed_decision(specialist, chair, long_ago)
        followed = a_signed_decision(specialist, chair, done)
    with monkeypatch.context() as patch:
        patch.setattr(operations, "hospital_today", lambda: today - timedelta(days=10))
        passed = a_signed_decision(
            specialist, chair, review_passed, next_review_date=today - timedelta(days=2)
        )
    ahead = a_signed_decision(specialist, chair, review_ahead, next_review_date=today + timedelta(days=30))
    fresh = a_signed_decision(specialist, chair, recent)
    operations.record_follow_up(
        submitter,
        followed,
        expected_version=None,
        status="fully",
        reason=None,
        reason_text="",
        started_on=None,
        completed_on=None,
    )
    db.session.commit()

    html = client_of(app, submitter).get("/").text
    assert "Follow-up due" in html
    listed = set(map(int, re.findall(r'href="/decisions/(\d+)/follow-up"', html)))
    assert listed == {old.id, passed.id}
    assert ahead.id not in listed and fresh.id not in listed and followed.id not in listed
    assert "Follow-up due" not in client_of(app, specialist).get("/").text


def _weeks_ago(weeks: int):
    return utcnow() - timedelta(weeks=weeks)


# Statement counts ----------------------------------------------------------------------------------


def test_meeting_mode_statements_do_not_grow_with_the_agenda(app, specialist, start_meeting, count_queries):
    urls = []
    for cases in (2, 6):
        meeting = start_meeting(cases)
        first = meeting.items[0]
        decision = operations.start_decision(specialist, first)
        save(specialist, decision)
        db.session.commit()
        urls.append(mode_url(first))
    client = client_of(app, specialist)
    counts = []
    for url in urls:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    small, large = counts
    assert small == large, counts
    assert small <= 20, counts


def test_meeting_mode_summarises_each_agenda_case_once(app, specialist, start_meeting, monkeypatch):
    """The agenda's rows (each case's summary: grade, stage, readiness) are made once per request: the
    check that the agenda is not empty reads the items alone (it made them all a second time)."""
    from tumorboard.meetings import queries as meeting_queries

    meeting = start_meeting(4)
    url = mode_url(meeting.items[0])
    client = client_of(app, specialist)
    assert client.get(url).status_code == 200
    made = []
    real = meeting_queries.agenda_row
    monkeypatch.setattr(meeting_queries, "agenda_row", lambda item: made.append(item.id) or real(item))
    assert client.get(url).status_code == 200
    assert sorted(made) == sorted(item.id for item in meeting.items)


def test_submitter_presents_the_case_again_from_the_follow_up(app, signed, submitter, chair):
    from tests.conftest import log_in
    from tumorboard.cases.models import Case

    case_id = signed.case_id
    other = log_in(app.test_client(), chair)
    assert other.post(f"/decisions/{signed.id}/present-again").status_code == 403
    response = log_in(app.test_client(), submitter).post(f"/decisions/{signed.id}/present-again")
    assert response.status_code == 302
    assert db.session.get(Case, case_id).status == "submitted"


def test_guessing_the_signing_password_stops_at_the_limit(app, chair, draft, item):
    """Someone at an unlocked computer with the chair's session cannot try passwords without end."""
    from sqlalchemy import select

    from tumorboard.audit.models import AuditEvent
    from tumorboard.auth.operations import TOO_MANY_PASSWORDS

    client = client_of(app, chair)
    url = f"/decisions/{draft.id}/sign"
    for _ in range(5):
        page = client.post(
            url, data={"password": "guess-guess-guess", "version": draft.version}, follow_redirects=True
        )
        assert "The password is not correct." in page.text
    page = client.post(url, data={"password": PASSWORD, "version": draft.version}, follow_redirects=True)
    assert TOO_MANY_PASSWORDS in page.text
    db.session.expire_all()
    assert db.session.get(type(draft), draft.id).status == "draft"
    failures = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.reauthentication_failed")
    ).all()
    assert len(failures) == 6 and {e.actor_id for e in failures} == {chair.id}
    assert {e.details["for"] for e in failures} == {"signing a decision"}


def test_a_right_password_clears_the_count(app, chair, draft):
    client = client_of(app, chair)
    for _ in range(4):
        client.post(
            f"/decisions/{draft.id}/sign", data={"password": "wrong-wrong-wrong", "version": draft.version}
        )
    page = client.post(
        f"/decisions/{draft.id}/sign",
        data={"password": PASSWORD, "version": draft.version},
        follow_redirects=True,
    )
    assert "Decision signed" in page.text


def test_meeting_mode_shows_the_patient_the_whole_findings_and_each_items_state(
    app, specialist, chair, start_meeting, create_imaging
):
    meeting = start_meeting(3)
    first, second, third = meeting.items
    case = second.case
    case.ecog, case.comorbidities, case.patient_preferences = (
        1,
        "Type 2 diabetes, CKD 3a",
        "Wants to keep working",
    )
    report = "Three liver metastases, the largest 24 mm in segment VII; " * 3 + "No extrahepatic disease."
    create_imaging(case, created_by=case.submitter, report_text=report)
    db.session.commit()
    meeting_operations.set_outcome(chair, first, "discussed", expected_version=meeting.version)
    meeting_operations.set_outcome(chair, third, "deferred", expected_version=meeting.version)
    db.session.commit()
    html = client_of(app, specialist).get(mode_url(second)).text
    age = case.patient.age_on(to_local(meeting.starts_at).date())
    assert f"{age} years" in html and "ECOG 1" in html
    assert "Type 2 diabetes, CKD 3a" in html and "Wants to keep working" in html
    assert "No extrahepatic disease." in html  # the whole report, not cut at 120 characters
    assert "agenda-discussed" in html and ", discussed</span>" in html
    assert "agenda-deferred" in html and '<span class="agenda-state">deferred</span>' in html
    assert ", not yet decided</span>" in html


def test_the_case_page_shows_the_signed_decision_and_its_history(app, specialist, chair, signed):
    case = signed.case
    submitter = client_of(app, case.submitter)
    html = submitter.get(f"/cases/{case.id}").text
    assert 'id="board-decision"' in html and "The board's decision" in html
    assert signed.recommendation in html and f"signed by {chair.name}" in html
    assert f"/decisions/{signed.id}/letter" in html and "Record the follow-up" in html
    assert f"Version 1 signed by {chair.name}" in html  # the timeline
    amendment = operations.amend_decision(
        specialist, signed, reason="Octreotide instead: lanreotide not stocked."
    )
    db.session.commit()
    html = submitter.get(f"/cases/{case.id}").text
    assert "An amendment (version 2) is being prepared" in html and "Amendment (version 2) started" in html
    assert f"/decisions/{signed.id}/letter" in html  # version 1 stays in force until the amendment is signed
    del amendment


def test_the_case_page_says_nothing_of_a_decision_before_there_is_one(app, item):
    html = client_of(app, item.case.submitter).get(f"/cases/{item.case_id}").text
    assert 'id="board-decision"' not in html


def test_saving_the_same_draft_twice_is_not_a_conflict(app, specialist, draft, item):
    """A double click or a retried Save: the first POST saved exactly this; the second is not shown as
    someone else's change."""
    client = client_of(app, specialist)
    data = form_data(draft, recommendation="Sent twice.")
    assert client.post(f"/decisions/{draft.id}", data=data).status_code == 302
    again = client.post(f"/decisions/{draft.id}", data=data)
    assert again.status_code == 302
    assert "Someone else saved" not in client.get(again.location).text
    auto = client.post(f"/decisions/{draft.id}/autosave", data=data)
    assert auto.status_code == 200


def test_a_conflict_names_a_changed_outcome_and_review_date_too(app, specialist, chair, draft, item):
    loaded_at = draft.version
    review = (hospital_today() + timedelta(days=90)).isoformat()
    theirs = form_data(draft, outcome="further_diagnostics", next_review_date=review)
    assert client_of(app, chair).post(f"/decisions/{draft.id}", data=theirs).status_code == 302
    mine = form_data(draft) | {"version": str(loaded_at)}
    response = client_of(app, specialist).post(f"/decisions/{draft.id}", data=mine)
    assert response.status_code == 409
    panel = response.text[response.text.index('id="conflict"') :]
    assert "Outcome: theirs" in panel and "Next review: theirs" in panel


def test_a_deferred_cases_draft_is_not_shown_as_the_board_deciding(app, specialist, chair, item, draft):
    meeting_operations.set_outcome(chair, item, "deferred", expected_version=item.meeting.version)
    db.session.commit()
    html = client_of(app, item.case.submitter).get(f"/cases/{item.case_id}").text
    assert "The board is recording its decision" not in html
    from tumorboard.main.queries import decisions_to_sign

    assert draft not in (decisions_to_sign(chair) or [])  # nothing the chair could sign


def test_who_may_not_amend_or_start_gets_403(app, users, signed, start_meeting):
    from tumorboard.auth.roles import Role

    submitter = client_of(app, users[Role.SUBMITTER])
    assert (
        submitter.post(f"/decisions/{signed.id}/amend", data={"reason": "Not mine to change."}).status_code
        == 403
    )
    planned = start_meeting(1, start=False)
    assert (
        submitter.post(f"/meetings/{planned.id}/start", data={"version": planned.version}).status_code == 403
    )
