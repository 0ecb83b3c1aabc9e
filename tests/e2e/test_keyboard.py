"""The chair works the main pages with the keyboard alone: every Tab stop of the dashboard, a case page
and a meeting page shows where the focus is (an outline of 2 px or more, 3:1 against what is behind
it) and none lands on something hidden; the skip link leads to the content; at a tablet's width the
menu opens from the keyboard."""

import re

import pytest

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e

PATIENT = "Brenner, Klaus"  # a demo case with flagged laboratory results and Edit links
MAX_TAB_STOPS = 400

# What the focused element is and how it shows its focus, as the browser computed it: its outline's
# width and the contrast of its colour with the background it is drawn on (the outline sits outside the
# element, on its parent's background); Chromium's own `auto` ring, whose colour is its own, counts as
# none: the app's ring is the one that is known to meet 3:1 (WCAG 2.1 SC 1.4.11) on the page and the menu.
# Measured once the page has stopped scrolling: Bootstrap scrolls smoothly to the focused element, and on
# a loaded machine the box read at once may still be above or below the window.
FOCUSED = """async () => {
    const frame = () => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    for (let i = 0, last = null; i < 120; i++) {
        const now = scrollX + "," + scrollY;
        if (now === last) break;
        last = now;
        await frame();
    }
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    const rgba = text => (text.match(/[\\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
    const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255)
        .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
        .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    let behind = [255, 255, 255, 1];
    for (let a = el.parentElement; a; a = a.parentElement) {
        const colour = rgba(getComputedStyle(a).backgroundColor);
        if (colour[3] > 0.99) { behind = colour; break; }
    }
    const [lighter, darker] = [luminance(rgba(style.outlineColor)), luminance(behind)].sort((x, y) => y - x);
    const label = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "").trim();
    return {
        element: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + ` "${label.slice(0, 40)}"`,
        outline: style.outlineStyle === "auto" ? 0 : parseFloat(style.outlineWidth),
        contrast: Math.round((lighter + 0.05) / (darker + 0.05) * 100) / 100,
        shown: el.checkVisibility({opacityProperty: true, visibilityProperty: true})
               && box.width > 1 && box.height > 1,
        onScreen: box.right > 0 && box.bottom > 0 && box.left < innerWidth && box.top < innerHeight,
    };
}"""


def tab_through(page) -> list[dict]:
    """Tab from the top of the page until the focus leaves the page's last control."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    stops: list[dict] = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (stops and focused["element"] == stops[0]["element"]):
            return stops
        stops.append(focused)
    raise AssertionError(f"more than {MAX_TAB_STOPS} Tab stops: a keyboard trap?")


def assert_focus_shows(page, where: str, expected: list[str]) -> None:
    stops = tab_through(page)
    names = [stop["element"] for stop in stops]
    for name in expected:
        assert any(name in stop for stop in names), f"{where}: Tab never reaches {name!r}: {names}"
    faint = [
        (stop["element"], stop["outline"], stop["contrast"])
        for stop in stops
        if stop["outline"] < 2 or stop["contrast"] < 3
    ]
    assert faint == [], f"{where}: focus without a visible indicator (outline px, contrast): {faint}"
    hidden = [stop["element"] for stop in stops if not (stop["shown"] and stop["onScreen"])]
    assert hidden == [], f"{where}: focus lands on hidden elements {hidden}"


def test_the_main_pages_show_the_keyboard_focus_everywhere(page, live_server):
    sign_in(page, live_server, "chair@example.org")
    page.get_by_role("heading", name="Next meeting").wait_for()
    assert_focus_shows(page, "dashboard", ['"Skip to content"', '"Dashboard"', '"Sign out"', "GEP-NET board"])

    page.goto(f"{live_server}/cases")
    page.get_by_role("link", name=PATIENT).first.click()
    page.get_by_role("heading", name=re.compile(PATIENT)).wait_for()
    assert_focus_shows(page, "case page", ['"Skip to content"', '"Board decisions"', "Chromogranin A"])

    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("row").filter(has_text="GEP-NET board").first.get_by_role("link").click()
    page.get_by_role("link", name="Record attendance").wait_for()
    assert_focus_shows(page, "meeting page", ['"Skip to content"', '"Record attendance"', PATIENT])


def test_the_skip_link_and_the_collapsed_menu_work_from_the_keyboard(page, live_server):
    sign_in(page, live_server, "chair@example.org")
    page.get_by_role("heading", name="Next meeting").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")  # the next stop is inside the content, past the menu
    assert page.evaluate("document.activeElement.closest('main') !== null")

    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"{live_server}/")
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible()
    assert page.get_by_role("link", name="Meetings", exact=True).is_hidden()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Menu":
            break
    else:
        raise AssertionError("Tab never reaches the menu button at 768 px")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Meetings", exact=True).wait_for()
    assert menu.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Dashboard"
    while page.evaluate("document.activeElement.textContent") != "Meetings":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Meetings").wait_for()
