"""A live server on a free localhost port and Debian's Chromium driven by Playwright; every page a test
visits is checked for accessibility and for its layout at 768 px (`PageChecks`, autouse)."""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import greenlet
import pytest
from playwright._impl._sync_base import SyncBase
from werkzeug.serving import make_server

from tests.conftest import IN_CI
from tumorboard.extensions import db
from tumorboard.seed import seed_demo

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # `make test` installs it with npm ci
WIDTHS = (1440, 1920, 768)
# A full-page picture is for a person to look at, not a step under test: a cold or loaded Chromium took
# more than the steps' 10 s to draw one at 1920 px in CI, so pictures get longer.
SCREENSHOT_TIMEOUT_MS = 60_000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM}: install Debian's chromium package to run the browser tests"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_app(isolated_app):
    """The app `live_server` serves, with the demo data (a test may set its config before a request)."""
    app = isolated_app()
    with app.app_context():
        seed_demo()
        db.session.commit()
    return app


@pytest.fixture
def live_server(live_app):
    """The app with the demo data, served by a real HTTP server in a thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def screenshot(page):
    """`screenshot("name")` saves a PNG under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, timeout=SCREENSHOT_TIMEOUT_MS)
        return path

    return take


@pytest.fixture
def screenshots(page):
    """`screenshots("name")` saves the page at 1440, 1920 and 768 px wide, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> list[Path]:
        paths = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            path = ARTIFACTS / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True, timeout=SCREENSHOT_TIMEOUT_MS)
            paths.append(path)
        page.set_viewport_size({"width": 1280, "height": 900})
        return paths

    return take


# axe-core on the page as it is: one line per violation and element, with what axe measured.
AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return result.violations.flatMap(v => v.nodes.map(n => ({
        rule: v.id, impact: v.impact, help: v.help, target: n.target.join(" "),
        detail: [...n.any.slice(0, 1), ...n.all, ...n.none].map(c => c.message).join("; "),
    })));
}"""

# At a tablet's width: does the page scroll sideways, which elements stick out, is the menu collapsed?
LAYOUT_AT_WIDTH = """() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => {
    const root = document.documentElement, width = root.clientWidth;
    const clips = el => { for (let a = el.parentElement; a && a !== root && a !== document.body;
                                a = a.parentElement) {
        if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(a).overflowX)) return true; }
        return false; };
    const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].slice(0, 3).map(c => "." + c).join("");
    const sticksOut = el => {  // its box, or its content when it does not clip it, past the right edge
        const box = el.getBoundingClientRect();
        const shown = ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX)
            ? box.width : Math.max(box.width, el.scrollWidth);
        return box.left + shown > width + 0.5 && !clips(el);
    };
    const out = [...document.body.querySelectorAll("*")].filter(sticksOut);
    const wide = out.filter(el => !out.some(other => other !== el && el.contains(other)));
    const toggler = document.querySelector(".navbar .navbar-toggler");
    resolve({scrollWidth: root.scrollWidth, width, wide: wide.slice(0, 5).map(name),
             menuCollapsed: toggler === null || toggler.offsetParent !== null});
})))"""

TABLET = {"width": 768, "height": 1024}


class PageChecks:
    """Every page a browser test visits meets WCAG 2.1 AA (axe-core: WCAG 2.0/2.1 A and AA and axe's best
    practices) and, at 768 px wide, collapses its menu and does not scroll sideways.

    A page is checked before the test's first step after it loaded (its first Playwright call from the
    test's own code), so the check sees each page the test acts on or looks at, and before the test
    leaves it; and the page a test ends on is checked as it ends (`pytest_runtest_call` below). The check
    runs in the test's own flow, never beside it: no step of the test meets a page half-way through a
    check or resized to 768 px. What is found fails the test, one line per problem: the page's path,
    axe's rule, impact, the element's selector and what axe measured. The axe-core script is served
    from the page's own origin, so the page's CSP stays on."""

    def __init__(self, page, axe_source: str) -> None:
        self.page = page
        self.problems: list[str] = []
        self.pages_checked = 0
        self._loaded = False
        self._checking = False
        self.active = True
        self._test_flow = greenlet.getcurrent()
        page.route(
            "**/__axe-core.js",
            lambda route: route.fulfill(body=axe_source, content_type="text/javascript"),
        )
        page.on("framenavigated", self._on_navigated)

    def _on_navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self._loaded = True

    def before_step(self) -> None:
        """Called by every Playwright call (see `page_checks`); checks a page loaded since the last step."""
        if not (self.active and self._loaded) or self._checking:
            return
        if greenlet.getcurrent() is not self._test_flow:
            return  # an event or route handler of the test's own: not a step of the test
        self._loaded = False
        try:
            self._record(self.check())
        except Exception as error:  # noqa: BLE001 - a page that could not be checked is a problem, named
            self._record([f"{self.page.url}: the page could not be checked: {error}"])

    def _record(self, problems: list[str]) -> None:
        self.problems.extend(p for p in problems if p not in self.problems)

    def check(self) -> list[str]:
        """The problems of the page as it is now (none for a page that is not the app's HTML)."""
        page = self.page
        self._checking = True
        try:
            page.wait_for_load_state()
            return self._check()
        finally:
            self._checking = False

    def _check(self) -> list[str]:
        page = self.page
        where = page.evaluate(
            "() => /^https?:$/.test(location.protocol) && document.contentType === 'text/html'"
            " ? location.pathname + location.search : null"
        )
        if where is None:
            return []
        self.pages_checked += 1
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            origin = page.evaluate("location.origin")
            page.add_script_tag(url=f"{origin}/__axe-core.js")
        problems = [
            f"{where}: axe {v['rule']} ({v['impact']}): {v['help']} at `{v['target']}`: {v['detail']}"
            for v in page.evaluate(AXE_RUN, AXE_TAGS)
        ]
        size = page.viewport_size
        page.set_viewport_size(TABLET)
        try:
            layout = page.evaluate(LAYOUT_AT_WIDTH)
        finally:
            if size is not None:
                page.set_viewport_size(size)
        if layout["scrollWidth"] > layout["width"]:
            problems.append(
                f"{where}: at {TABLET['width']} px the page scrolls sideways ({layout['scrollWidth']} px"
                f" of content in {layout['width']} px); too wide: {', '.join(layout['wide'])}"
            )
        if not layout["menuCollapsed"]:
            problems.append(f"{where}: at {TABLET['width']} px the menu does not collapse behind its toggler")
        return problems

    def assert_clean(self, name: str) -> None:
        problems = self.check()
        self._record(problems)
        if problems:
            pytest.fail(f"{name}:\n" + "\n".join(problems), pytrace=False)

    def finish(self) -> None:
        """At the end of a test that passed: the page it ends on, then everything found on its way."""
        self._loaded = False
        self._record(self.check())
        if not self.pages_checked:
            pytest.fail("the test visited no page of the app", pytrace=False)
        if self.problems:
            pytest.fail(
                "pages that fail the accessibility and layout checks:\n" + "\n".join(self.problems),
                pytrace=False,
            )


@pytest.fixture(autouse=True)
def page_checks(page, monkeypatch) -> Iterator[PageChecks]:
    """Every browser test checks every page it visits (see PageChecks). Every call of Playwright's sync
    API goes through `SyncBase._sync`, the one place to run the check before the test's next step."""
    if not AXE.exists():
        message = f"no axe-core at {AXE}: `npm ci` installs it (make test does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    checks = PageChecks(page, AXE.read_text(encoding="utf-8"))
    call = SyncBase._sync

    def checked_call(self, awaitable):
        __tracebackhide__ = True
        checks.before_step()
        return call(self, awaitable)

    monkeypatch.setattr(SyncBase, "_sync", checked_call)
    yield checks
    checks.active = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A browser test that passed fails if a page it visited failed the checks."""
    result = yield
    checks = item.funcargs.get("page_checks")
    if isinstance(checks, PageChecks):
        checks.finish()
    return result


@pytest.fixture
def axe(page_checks):
    """`axe("name")` checks the page as it is now, at a moment the navigation checks would not see (a
    dialog open, a live update), and fails at once on a problem."""
    return page_checks.assert_clean
