"""The hospital's FHIR server (config FHIR_SOURCE_URL) asked for one patient's record by MRN.

The MRN travels in a POSTed search (`Patient/_search`), never in a URL that a proxy or the server would
log; the record is the patient's `$everything` Bundle, read up to the import's size limit. Any failure is
one `FetchFailed` whose message names neither the patient nor the server's answer body.
"""

import json
import re
import urllib.error
import urllib.parse
import urllib.request

from flask_babel import gettext as _

from tumorboard.cases.fields import FhirImportFields
from tumorboard.timezones import format_number

FHIR_JSON = "application/fhir+json"
_RESOURCE_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # FHIR's id datatype


class FetchFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _read(request: urllib.request.Request, timeout: float) -> str:
    if not request.full_url.startswith(("https://", "http://")):
        raise FetchFailed(
            _("The hospital's FHIR server address (FHIR_SOURCE_URL) is not an http(s) address.")
        )
    limit = FhirImportFields.bundle.max_length
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            body = response.read(limit * 4 + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error holds the answer's connection
        raise FetchFailed(
            _("The hospital's FHIR server answered HTTP %(status)d.", status=exc.code)
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError):
        raise FetchFailed(_("The hospital's FHIR server could not be reached.")) from None
    text = body.decode("utf-8", errors="replace")
    if len(body) > limit * 4 or len(text) > limit:
        raise FetchFailed(
            _(
                "The record is larger than the import reads at once (%(most)s characters).",
                most=format_number(limit),
            )
        )
    return text


def fetch_patient_bundle(base_url: str, mrn: str, *, timeout: float = 10.0) -> str:
    """The patient's record as a FHIR Bundle (JSON text), found by their MRN."""
    base = base_url.rstrip("/")
    search = urllib.request.Request(  # noqa: S310 (the scheme is checked in _read)
        f"{base}/Patient/_search",
        data=urllib.parse.urlencode({"identifier": mrn}).encode(),
        headers={"Accept": FHIR_JSON, "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        found = json.loads(_read(search, timeout))
    except ValueError:
        raise FetchFailed(_("The hospital's FHIR server did not answer with FHIR JSON.")) from None
    patients: list[dict] = [
        entry["resource"]
        for entry in (found.get("entry") or [] if isinstance(found, dict) else [])
        if isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == "Patient"
    ]
    if not patients:
        raise FetchFailed(_("The hospital's FHIR server knows no patient with this case's MRN."))
    if len(patients) > 1:
        raise FetchFailed(_("The hospital's FHIR server has several patients with this case's MRN."))
    ident = str(patients[0].get("id") or "")
    if not _RESOURCE_ID.match(ident):
        raise FetchFailed(_("The hospital's FHIR server gave the patient no usable id."))
    everything = urllib.request.Request(  # noqa: S310
        f"{base}/Patient/{ident}/$everything", headers={"Accept": FHIR_JSON}, method="GET"
    )
    return _read(everything, timeout)
