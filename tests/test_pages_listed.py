"""Every GET route is opened by a browser test (tests/e2e/test_every_page.py), so the page checks of the
browser tests (axe-core, the layout at 768 px) reach every page, or it is listed as not a page, with why."""

from tests.e2e.test_every_page import ANONYMOUS, API_PREFIX, NOT_PAGES, OPENED_ELSEWHERE, PAGES


def test_every_get_route_is_listed(app):
    """Every GET route is a page opened below, one opened by its own flow, or not a page (with why)."""
    opened = {endpoint for pages in PAGES.values() for endpoint in pages} | ANONYMOUS.keys()
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.endpoint.startswith(API_PREFIX)
    }
    unlisted = routes - opened - NOT_PAGES.keys() - OPENED_ELSEWHERE.keys()
    assert not unlisted, f"GET routes no browser test opens: {sorted(unlisted)}"
    stale = (NOT_PAGES.keys() | OPENED_ELSEWHERE.keys()) - routes
    assert not stale, f"listed routes the app no longer has: {sorted(stale)}"
