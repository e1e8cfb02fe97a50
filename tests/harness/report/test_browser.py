"""The report as a user meets it: opened in headless Chromium at 1400 × 900 (tests/harness/report/chromium.py), the
committed matrix report (and the nightly's and the bisects'), and a fresh report of one run. From the laid-out
page: every image loaded, nothing wider than the screen outside a box that scrolls, "what changed" inside the
first screen and above the table of contents, every link and anchor resolves (to a page of the report and an id
on it; nothing online).

Skipped only where no Chromium binary exists; .ci/run installs Debian's and sets FITBENCH_REQUIRE_CHROMIUM=1, so
in CI a missing browser fails instead. FITBENCH_SCREENSHOTS=DIR writes both first screens there (docs/ holds the
committed ones, shown in docs/report.md).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

import cases
from harness.report import write_report
from tests.conftest import ROOT
from tests.harness.report.chromium import Browser, find_chromium

MATRIX_REPORT = ROOT / "results" / "asv-matrix" / "report"
ONE_RUN = sorted((ROOT / "results" / "reference").glob("cpu-*.jsonl"))[0]
WIDTH, HEIGHT = 1400, 900


@pytest.fixture(scope="module")
def browser():
    binary = find_chromium()
    if binary is None:
        if os.environ.get("FITBENCH_REQUIRE_CHROMIUM") == "1":
            pytest.fail("no chromium binary, and FITBENCH_REQUIRE_CHROMIUM=1 (CI installs it: .ci/run)")
        pytest.skip("no chromium binary (apt-get install chromium)")
    with Browser(binary, WIDTH, HEIGHT) as b:
        yield b


def problems(browser: Browser, folder: Path) -> tuple[list[str], dict]:
    """Every page of the report folder opened; what is wrong, and the front page's probe."""
    probes = {page.name: browser.open(page) for page in sorted(folder.glob("*.html"))}
    found = []
    for name, p in probes.items():
        found += [f"{name}: image not loaded: {src}" for src in p["broken"]]
        found += [f"{name}: wider than the screen, outside a scroll box: {w}" for w in p["wide"]]
        if p["scrollWidth"] > p["width"]:
            found.append(f"{name}: the page scrolls sideways ({p['scrollWidth']} px)")
        for href in p["links"]:
            found += [f"{name}: {href}: {why}" for why in _unresolved(href, name, probes, folder)]
    return found, probes["index.html"]


def _unresolved(href: str, page: str, probes: dict, folder: Path) -> list[str]:
    if re.match(r"^[a-z]+:", href):
        return ["a link out of the report (it is read offline)"]
    target, _, anchor = unquote(href).partition("#")
    target = target or page
    if not (folder / target).is_file():
        return ["no such file"]
    if anchor and target in probes and anchor not in probes[target]["ids"]:
        return [f"no id {anchor!r} on {target}"]
    return []


def first_screen(probe: dict) -> list[str]:
    lead = probe["lead"]
    if lead is None:
        return ["no lead section"]
    found = []
    if lead["title"] not in ("What changed", "New releases tonight"):
        found.append(f"the lead is {lead['title']!r}")
    if lead["top"] >= HEIGHT:
        found.append(f"what changed starts at {lead['top']:.0f} px, below the first screen")
    if probe["toc"] is not None and probe["toc"] < lead["top"]:
        found.append("the table of contents comes before what changed")
    return found


def _screenshot(browser: Browser, page: Path, name: str) -> None:
    folder = os.environ.get("FITBENCH_SCREENSHOTS")
    if folder:
        browser.open(page)
        browser.screenshot(Path(folder) / name)


@pytest.mark.slow  # every page of the matrix report laid out: seconds (the fast loop leaves it out; CI runs it)
def test_the_committed_matrix_report_in_a_browser(browser):
    found, front = problems(browser, MATRIX_REPORT)
    assert not found + first_screen(front), found + first_screen(front)
    assert len(front["links"]) > 100  # the matrix cells: the links were really checked
    _screenshot(browser, MATRIX_REPORT / "index.html", "report-matrix-first-screen.png")


@pytest.mark.parametrize("folder", ["nightly", "bisect"])
def test_the_other_committed_reports_in_a_browser(browser, folder):
    found, front = problems(browser, ROOT / "results" / folder / "report")
    assert not found + first_screen(front), found + first_screen(front)


@pytest.mark.slow  # renders a report of a whole run, then lays out every page
def test_a_fresh_report_of_one_run_in_a_browser(browser, tmp_path):
    write_report([ONE_RUN], tmp_path / "report", cases)
    found, front = problems(browser, tmp_path / "report")
    assert not found + first_screen(front), found + first_screen(front)
    pictures = list((tmp_path / "report").glob("*.png"))
    assert pictures  # the case pages' pictures were opened, and loaded
    _screenshot(browser, tmp_path / "report" / "index.html", "report-run-first-screen.png")


def test_the_probe_sees_what_it_looks_for(browser, tmp_path):
    """A page with each defect: a missing picture, a wide table outside a scroll box, a dead anchor, the lead
    below the first screen. The probe must name every one (or the tests above could pass by seeing nothing)."""
    page = tmp_path / "index.html"
    page.write_text('<!doctype html><html><body><nav class="toc"><a href="#nowhere">x</a></nav>'
                    '<div style="height:1200px"></div><section class="lead" id="what-changed"><h2>What changed</h2>'
                    '</section><img src="missing.png"><table style="width:3000px"><tr><td>wide</td></tr></table>'
                    '<a href="gone.html">y</a></body></html>')
    found, front = problems(browser, tmp_path)
    text = "\n".join(found + first_screen(front))
    for fragment in ("image not loaded: missing.png", "outside a scroll box: TABLE", "no id 'nowhere'",
                     "gone.html: no such file", "below the first screen", "the page scrolls sideways",
                     "the table of contents comes before"):
        assert fragment in text, text
