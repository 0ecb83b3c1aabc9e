"""The API's HTTP conventions: ETags from the record's version, If-Match for every change (412 stale,
428 missing), `Link` headers for keyset pages, and Idempotency-Key for POSTs (tumorboard.once)."""

import re

from flask import abort, request, url_for

from tumorboard.api.queries import Page
from tumorboard.once import TOKEN

_ETAG = re.compile(r'^(?:W/)?"v(\d{1,10})"$')


def etag(entity) -> str:
    return f'"v{entity.version}"'


def version_headers(entity) -> dict[str, str]:
    return {"ETag": etag(entity)}


def expected_version() -> int:
    """The version the client read, from If-Match: 428 without it; a value that is no ETag of ours can
    match no version (412 from the operation's version check)."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        abort(428)
    match = _ETAG.match(header.strip())
    return int(match.group(1)) if match else -1


def idempotency_key() -> str | None:
    """A client's key for a POST it may retry (the create forms' token, tumorboard.once): the same key
    again finds what the first request made."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip().strip('"')
    if not TOKEN.fullmatch(key):
        abort(
            422,
            description="Idempotency-Key must be 16 to 64 letters, digits, hyphens or underscores.",
        )
    return key


def page_links(page: Page, limit: int) -> dict[str, str]:
    """RFC 8288 links to the next and the previous page, with the request's own filters."""
    args = {k: v for k, v in request.args.items() if k not in ("after", "before", "limit")}
    values = {**(request.view_args or {}), **args, "limit": limit}
    links, endpoint = [], str(request.endpoint)
    if page.next_after is not None:
        links.append(f'<{url_for(endpoint, **values, after=page.next_after)}>; rel="next"')
    if page.prev_before is not None:
        links.append(f'<{url_for(endpoint, **values, before=page.prev_before)}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}
