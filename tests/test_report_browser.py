"""The report of the demo, opened in a real browser: the system's Chromium, driven through its
ChromeDriver (nothing downloads a browser of its own)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
MISSING = "no Chromium here: install the system's `chromium` and `chromium-driver` (apt-get install chromium chromium-driver)"

if not (CHROMIUM and DRIVER):
    if os.environ.get("CI") == "true":
        pytest.fail(MISSING + " (CI=true: a missing browser fails the run)", pytrace=False)
    pytestmark = pytest.mark.skip(reason=MISSING)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1200,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from typer.testing import CliRunner

    from cli import app

    folder = tmp_path_factory.mktemp("report")
    runner, db = CliRunner(), folder / "demo.db"
    assert runner.invoke(app, ["demo", "--db", str(db), "--out", str(folder / "diagrams")]).exit_code == 0
    result = runner.invoke(app, ["report", "--db", str(db), "--out", str(folder / "site")])
    assert result.exit_code == 0, result.output
    loops = json.loads(runner.invoke(app, ["loops", "--json", "--db", str(db)]).stdout)
    truth = json.loads(runner.invoke(app, ["discretion", "--json", "--db", str(db)]).stdout)
    leverage = json.loads(runner.invoke(app, ["leverage", "--json", "--db", str(db)]).stdout)
    return folder / "site", loops, truth, leverage


def _open(browser, path: Path):
    from selenium.webdriver.common.by import By

    browser.get(path.as_uri())
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, (path, errors)
    return browser.find_elements(By.CSS_SELECTOR, "a[href]"), By


def test_every_page_loads_clean_every_link_resolves_every_diagram_shows(browser, report):
    site = report[0]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 5 + 26  # the cross-case pages and one per case (ten studied, sixteen vignettes)
    for page in pages:
        links, by = _open(browser, page)
        for link in links:
            href = link.get_attribute("href")
            assert href.startswith("file://"), (page, href)  # nothing on the network
            assert Path(href.removeprefix("file://").split("#")[0]).is_file(), (page, href)
        figures = browser.find_elements(by.CSS_SELECTOR, "figure")
        shown = [svg for svg in browser.find_elements(by.CSS_SELECTOR, "figure svg") if svg.is_displayed()]
        assert len(shown) == len(figures), page  # each figure shows one drawing (a pathway one of its two forms)
        for svg in shown:
            size = svg.size
            assert size["width"] > 50 and size["height"] > 50, (page, size)
    _open(browser, site / "cases" / "ir-1995.html")
    shown = [svg for svg in browser.find_elements(by.CSS_SELECTOR, "figure svg") if svg.is_displayed()]
    assert len(shown) == 2  # the pathway (one of its two forms) and the loop diagram


def _rows(browser, by, table: int = 0) -> list[list[str]]:
    found = browser.find_elements(by.CSS_SELECTOR, "table")[table]
    return [[cell.text for cell in row.find_elements(by.CSS_SELECTOR, "td")]
            for row in found.find_elements(by.CSS_SELECTOR, "tbody tr")]


def test_the_tables_hold_what_json_gives(browser, report):
    site, loops, truth, leverage = report
    _, by = _open(browser, site / "index.html")
    shown = {row[0]: int(row[5]) for row in _rows(browser, by)}
    counted = {case: sum(1 for loop in loops if loop["case"] == case) for case in shown}
    assert shown == counted and sum(shown.values()) == len(loops)
    _open(browser, site / "discretion.html")
    rows = _rows(browser, by)
    assert [(int(n), int(k), float(c)) for *_, n, k, c, _ in rows] == [
        (row["contacts"], row["outcome"], round(row["consistency"], 2)) for row in truth["rows"]]
    _open(browser, site / "leverage.html")
    assert [(row[0], int(row[1]), int(row[2])) for row in _rows(browser, by)] == [
        (row["variable"], row["loops"], row["unfavourable"]) for row in leverage["variables"]]
    _open(browser, site / "cases" / "ir-1995.html")
    quotes = [element.text for element in browser.find_elements(by.CSS_SELECTOR, "blockquote")]
    assert any("no time to waste" in quote for quote in quotes)  # quotes shown, with their source


def test_pages_fit_a_phone_without_sideways_scrolling(browser, report):
    site = report[0]
    browser.set_window_size(400, 800)
    try:
        for page in (site / "index.html", site / "cases" / "ir-1995.html", site / "discretion.html"):
            _open(browser, page)
            width, visible = browser.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width <= visible, page  # wide tables scroll inside their own box
    finally:
        browser.set_window_size(1200, 900)


# how wide a figure is against its box, and how large its words are against the page's own
_FIGURE_TEXT = """
const body = parseFloat(getComputedStyle(document.body).fontSize);
return [...document.querySelectorAll(arguments[0])].filter(svg => svg.getBoundingClientRect().width > 0).map(svg => {
  const box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal;
  const sizes = [...svg.querySelectorAll("g.node text")].map(t => parseFloat(t.getAttribute("font-size")) * box.width / view.width);
  sizes.sort((a, b) => a - b);
  return {width: box.width, room: svg.closest("figure").clientWidth, page: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth, text: sizes[Math.floor(sizes.length / 2)], body: body};
});
"""


@pytest.mark.parametrize("width", [1200, 400])
def test_a_pathway_figure_fits_its_page_and_reads_at_its_size(browser, report, width):
    """Desktop and phone: the pathway shown fits the page's width (no scrolling sideways) and its words
    are drawn about as large as the page's own text (a wide pathway wraps into rows, a phone gets one
    column), where before a wide one ran off the page at its own size."""
    site = report[0]
    browser.set_window_size(width, 900)
    try:
        for case in ("ma-2009", "ir-1995", "bd-restaurant", "slb-01"):
            _open(browser, site / "cases" / f"{case}.html")
            shown = browser.execute_script(_FIGURE_TEXT, "figure.pathway svg")
            assert len(shown) == 1, (case, width)
            figure = shown[0]
            assert figure["width"] <= figure["room"] + 0.5 and figure["page"] <= figure["client"], (case, width, figure)
            assert figure["text"] >= 0.9 * figure["body"], (case, width, figure)
    finally:
        browser.set_window_size(1200, 900)


_SHAPES = """
return [...document.querySelectorAll("g.node")].map(node => {
  const shape = node.querySelector("polygon");
  const points = shape ? shape.getAttribute("points").trim().split(/\\s+/).map(p => p.split(",").map(Number)) : [];
  const boxes = [...node.querySelectorAll("text")].map(t => { const b = t.getBBox(); return [b.x, b.y, b.width, b.height]; });
  return {title: node.querySelector("title").textContent, points: points, texts: boxes};
});
"""


def _inside(point, polygon) -> bool:
    x, y = point
    found = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            found = not found
    return found


def _area(polygon) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]))) / 2


def test_hexagons_are_sized_to_their_words(browser, report, tmp_path):
    """The reception's hexagons (ir-1995 meets the COA) hold every line of their labels, with the real
    font's widths, and are no more than twice the area of the words (Graphviz's own came out 3.3 times)."""
    from pathways.application import service
    from pathways.outputs.render.diagrams import pathway_diagram
    from pathways.outputs.render.engine import render
    from events.store import EventStore

    store = EventStore(report[0].parent / "demo.db", create=False)
    analyses = {a.case: a for a in service.analyses(store, service.settings(3, 8, "5000"))}
    file = tmp_path / "ir-1995.svg"
    file.write_bytes(render(pathway_diagram(analyses["ir-1995"], store.catalogue()), "svg"))
    browser.get(file.as_uri())
    hexagons = [node for node in browser.execute_script(_SHAPES) if len(node["points"]) == 7
                and len({round(x, 1) for x, _ in node["points"]}) == 4]  # six corners, four distinct x
    assert len(hexagons) >= 2
    for node in hexagons:
        polygon = node["points"][:-1]
        for x, y, w, h in node["texts"]:
            for corner in ((x, y + 0.25 * h), (x + w, y + 0.25 * h), (x, y + 0.85 * h), (x + w, y + 0.85 * h)):
                assert _inside(corner, polygon), (node["title"], corner)  # the glyphs' body, not its leading
        left = min(x for x, _, _, _ in node["texts"])
        right = max(x + w for x, _, w, _ in node["texts"])
        top = min(y for _, y, _, _ in node["texts"])
        bottom = max(y + h for _, y, _, h in node["texts"])
        assert _area(polygon) <= 2.0 * (right - left) * (bottom - top), node["title"]
