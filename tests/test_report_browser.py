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
        for svg in browser.find_elements(by.CSS_SELECTOR, "figure svg"):
            size = svg.size
            assert svg.is_displayed() and size["width"] > 50 and size["height"] > 50, (page, size)
    _open(browser, site / "cases" / "ir-1995.html")
    assert len(browser.find_elements(by.CSS_SELECTOR, "figure svg")) == 2  # the pathway and the loop diagram


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
