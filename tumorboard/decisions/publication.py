"""A signed decision's mCODE Bundle POSTed to the hospital's FHIR server (config FHIR_PUBLISH_URL), off
unless it is set.

Signing makes the decision's `FhirPublication` (pending) and enqueues `publish_decision`, which runs after
the signature commits: a refused signing sends nothing. The job POSTs the Bundle (from the frozen snapshot,
`decisions.documents.decision_bundle`) to `{FHIR_PUBLISH_URL}/Bundle` as a conditional create on the
Bundle's identifier (`If-None-Exist`), so a retry after a lost answer does not store it twice. A failure is
written on the publication (its HTTP status or "unreachable", never a body), audited, committed, and raised
again, so the queue retries it with back-off and, after the last try, keeps it on the admins' failed-jobs
page; the decision page shows the coordinator where it stands.
"""

import json
import re
import urllib.error
import urllib.request

from flask import current_app

from tumorboard.audit.recording import record
from tumorboard.clinical.labels import N_, Text, in_reader_language
from tumorboard.db import utcnow
from tumorboard.decisions.documents import decision_bundle
from tumorboard.decisions.models import Decision, FhirPublication, PublicationStatus
from tumorboard.extensions import db
from tumorboard.jobs import enqueue

FHIR_JSON = "application/fhir+json"


class PublishFailed(RuntimeError):
    """The hospital's FHIR server did not take the Bundle; the message is safe to show and log. It is a
    catalogue message with its values: the publication and the audit keep its English, and the decision
    page writes it in its reader's language (`failure_text`)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(Text(message, **values))


NOT_HTTP = N_("FHIR_PUBLISH_URL is not an http(s) address")
ANSWERED = N_("the FHIR server answered HTTP %(status)s")
UNREACHABLE = N_("the FHIR server could not be reached")
# the stored English of ANSWERED, read back: the message itself with its status as a group
_ANSWERED = re.compile(re.escape(ANSWERED).replace(re.escape("%(status)s"), r"(\d{3})"))


def failure_text(last_error: str) -> str:
    """A stored failure (its English) in the reader's language; an error of another wording (an older
    record) as it was written."""
    if last_error in (NOT_HTTP, UNREACHABLE):
        return in_reader_language(Text(last_error))
    answered = _ANSWERED.fullmatch(last_error)
    if answered:
        return in_reader_language(Text(ANSWERED, status=answered.group(1)))
    return last_error


def schedule(decision: Decision) -> FhirPublication | None:
    """Called by the signing operation, in its transaction: the Bundle goes out after the commit."""
    if not current_app.config.get("FHIR_PUBLISH_URL"):
        return None
    publication = FhirPublication(decision_id=decision.id)
    db.session.add(publication)
    db.session.flush()
    enqueue(publish_decision, publication.id)
    return publication


def _post(base_url: str, bundle: dict) -> str:
    if not base_url.startswith(("https://", "http://")):
        raise PublishFailed(NOT_HTTP)
    identifier = bundle.get("identifier") or {}
    headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
    if identifier.get("system") and identifier.get("value"):
        headers["If-None-Exist"] = f"identifier={identifier['system']}|{identifier['value']}"
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        f"{base_url.rstrip('/')}/Bundle",
        data=json.dumps(bundle, ensure_ascii=False).encode(),
        headers=headers,
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            return response.headers.get("Location") or response.headers.get("Content-Location") or ""
    except urllib.error.HTTPError as exc:
        exc.close()  # the error holds the answer's connection
        raise PublishFailed(ANSWERED, status=str(exc.code)) from None
    except (urllib.error.URLError, TimeoutError, OSError):
        raise PublishFailed(UNREACHABLE) from None


def publish_decision(publication_id: int) -> None:
    """The background job: send the Bundle once; a failure is noted, then raised for the retry."""
    publication = db.session.get(FhirPublication, publication_id)
    if publication is None or publication.is_sent:
        return  # done already: a duplicate enqueue or a retry after success
    decision = publication.decision
    publication.attempts += 1
    try:
        location = _post(current_app.config.get("FHIR_PUBLISH_URL") or "", decision_bundle(decision))
    except PublishFailed as exc:
        publication.status, publication.last_error = PublicationStatus.FAILED, str(exc)[:500]
        record(
            "decision.fhir_publish_failed",
            entity=decision,
            details={"attempt": publication.attempts, "error": publication.last_error},
        )
        db.session.commit()  # the failure stays visible while the queue waits to retry
        raise
    publication.status, publication.last_error = PublicationStatus.SENT, ""
    publication.sent_at, publication.location = utcnow(), location[:500]
    record("decision.fhir_published", entity=decision, details={"attempt": publication.attempts})
