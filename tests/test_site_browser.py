"""The site in a real browser: Debian's chromium (/usr/bin/chromium, installed
by the Makefile's test set-up) driven by Playwright, against `goinglocal
serve` on 127.0.0.1. One browser for the module. Screenshots of the main
pages at laptop and phone sizes go to build/screenshots/."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

import conftest_serve as cs

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.is_file(), reason="needs Debian's chromium: apt-get install -y chromium")]
playwright_api = pytest.importorskip("playwright.sync_api")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SIZES = {"laptop": {"width": 1366, "height": 860}, "phone": {"width": 390, "height": 844}}
SHOTS = cs.REPO / "build" / "screenshots"
ACTOR = "id/org/cn/guizhou-government/"
PAGES = {"home": "", "place-jujuy": "id/place/ar/jujuy/", "actor": ACTOR, "map": "map/",
         "timeline": "timeline/", "network": "network/"}
OTHER_PAGES = ["questions/", "questions/place-projects/", "ontology/", "downloads/", "classes/",
               "classes/Country/", "id/source/myers-2020/fn/125/", "editor/"]


@pytest.fixture(scope="module")
def server():
    return cs.server()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


class Watched:
    """A page that records console errors, page errors and every request
    that would leave 127.0.0.1 (those are aborted)."""

    def __init__(self, browser, viewport):
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.context.route("**/*", self._route)

    def _route(self, route):
        host = urllib.parse.urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", None) or route.request.url.startswith(("data:", "blob:")):
            return route.continue_()
        self.outside.append(route.request.url)
        return route.abort()

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    w = Watched(browser, SIZES["laptop"])
    yield w
    w.close()


def test_pages_load_without_console_errors_or_outside_requests(server, watched):
    for path in [*PAGES.values(), *OTHER_PAGES]:
        watched.page.goto(f"{server.base}/{path}", wait_until="networkidle")
        assert watched.page.locator("h1").first.inner_text().strip(), path
    assert not watched.errors, watched.errors
    assert not watched.outside, watched.outside


def test_search_finds_a_place_typed_without_accents(server, watched):
    page = watched.page
    page.goto(server.base + "/")
    page.fill("#q", "entre rios")
    hit = page.locator("#results a", has_text="Entre Ríos").first
    hit.click()
    page.wait_for_url("**/id/place/ar/entre-rios/")
    assert page.locator("h1").inner_text() == "Entre Ríos"
    assert not watched.errors


def test_map_shows_a_marker_per_place_and_a_marker_leads_to_its_page(server, watched, tmp_path):
    page = watched.page
    page.goto(server.base + "/map/", wait_until="networkidle")
    points = json.loads(page.evaluate("JSON.stringify(window.GL_MAP)"))
    assert len(points) > 100
    assert page.locator("path.gl-marker").count() == len(points)
    assert page.locator("path.leaflet-interactive").count() >= len(points)
    assert page.locator(".leaflet-overlay-pane path").count() > len(points)  # the country outlines are drawn
    page.locator('path[data-iri="https://w3id.org/goinglocal/id/place/ar/jujuy"]').dispatch_event("click")
    link = page.locator(".leaflet-popup-content a", has_text="Jujuy")
    link.click()
    page.wait_for_url("**/id/place/ar/jujuy/")
    assert page.locator("h1").inner_text() == "Jujuy"
    assert not watched.errors and not watched.outside


def test_network_filters_by_country_and_kind_and_links_nodes(server, watched):
    page = watched.page
    page.goto(server.base + "/network/", wait_until="networkidle")
    data = json.loads(page.evaluate("JSON.stringify(window.GL_NETWORK)"))
    assert page.locator("#network g.node").count() == len(data["nodes"])
    page.select_option("#country", label="Argentina")
    argentina = page.locator("#network g.node").count()
    assert 0 < argentina < len(data["nodes"])
    assert page.locator("#network g.node a[href$='id/place/ar/jujuy/']").count() == 1
    page.uncheck("input[value=agreement]")
    page.uncheck("input[value=brokerage]")
    assert page.locator("#network line.edge.agreement").count() == 0
    assert page.locator("#network line.edge.twinning").count() >= 1
    page.locator("#network g.node a[href$='id/place/ar/jujuy/']").click()
    page.wait_for_url("**/id/place/ar/jujuy/")
    assert not watched.errors


def test_question_link_runs_its_sparql_in_the_query_page(server, watched):
    page = watched.page
    page.goto(server.base + "/questions/place-projects/")
    rows = page.locator("table.answer tbody tr").count()
    page.locator("a", has_text="Run it in the query page").click()
    page.wait_for_selector("#query-result table")
    assert page.locator("#query-result tbody tr").count() == rows
    assert not watched.errors


def test_screenshots_at_laptop_and_phone_sizes(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        w = Watched(browser, viewport)
        try:
            for name, path in PAGES.items():
                w.page.goto(f"{server.base}/{path}", wait_until="networkidle")
                out = SHOTS / f"{name}-{size}.png"
                w.page.screenshot(path=str(out))
                assert out.stat().st_size > 10_000
                # nothing wider than the window (no sideways scrolling on a phone)
                overflow = w.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{name} at {size} is {overflow}px wider than the window"
        finally:
            w.close()
        assert not w.errors and not w.outside
