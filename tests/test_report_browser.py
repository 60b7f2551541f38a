"""The HTML report in a real headless browser (Debian's chromium driven by Playwright): it opens
to the forest plot and the claims table, both on the first screen, and the forest plot has one
row per claim part of the table.

Marked ``browser`` (kept out of the default run): it runs a tiny quickstart (2-4 min on 2 cores)
and needs ``chromium`` (apt) and ``playwright`` (pip, extra ``browser``; no browser download:
Playwright drives the system chromium). Skipped where either is missing. Screenshots go to
``$QGEN_SCREENSHOTS`` if set, else the test's temporary folder; their paths are printed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from test_workflow import _tiny_config, snakemake

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("QGEN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SCREEN = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny quickstart with its report (--report-after-run), in a temporary folder."""
    if CHROMIUM is None:
        pytest.skip("no chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="no playwright (pip install -e '.[browser]')")
    workdir = tmp_path_factory.mktemp("report")
    base = _tiny_config(workdir, [0, 1])
    snakemake(workdir, "--cores", "2", "quickstart", "--report-after-run", "--report", str(workdir / "report.html"),
              configs=(base,))
    return workdir


def test_report_opens_to_the_forest_plot_and_the_claims_table(report: Path) -> None:
    from playwright.sync_api import sync_playwright

    from qgen.report.figures import DATA_KEY, png_metadata

    shots = Path(os.environ.get("QGEN_SCREENSHOTS") or report / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    forest_rows = json.loads(png_metadata(report / "results" / "claims" / "quickstart" / "forest_s1.png")[DATA_KEY])
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                       viewport=SCREEN)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto((report / "report.html").as_uri())
            forest = page.locator(".qgen-page img[alt^='Forest plot']").first
            table = page.locator(".qgen-page table").first
            forest.wait_for(state="visible", timeout=60_000)
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=forest.element_handle())
            page.screenshot(path=str(shots / "report_landing.png"))

            # Both on the first screen: the forest plot whole, the claims table starting on it.
            box, tbox = forest.bounding_box(), table.bounding_box()
            assert box is not None and tbox is not None
            assert 0 <= box["y"] and box["y"] + box["height"] <= SCREEN["height"] and box["width"] > 300
            assert tbox["y"] < SCREEN["height"] - 60 and tbox["y"] > box["y"]
            header = [h.strip() for h in table.locator("th").all_inner_texts()]
            assert header[0] == "claim" and header[-1] == "verdict"
            # The table's claim-part rows are the forest plot's rows, in order.
            cells = [r.locator("td").all_inner_texts() for r in table.locator("tbody tr").all()]
            parts = [c for c in cells if not c[header.index("metric")].startswith("parts:")]  # not combined claims
            assert [c[0] for c in parts] == [r["claim"] for r in forest_rows]
            assert [c[-1] for c in parts] == [r["verdict"] for r in forest_rows]
            assert "Not run in this target" in page.locator(".qgen-page").first.inner_text()

            # A figure: the training category lists the gradient figure; its view button shows it,
            # its info button the caption, which states the finding.
            page.get_by_text("4 Training", exact=True).first.click()
            row = page.locator("tr", has_text="3 gradients of the quantum weights").first
            row.locator("a").nth(0).click()
            shown = page.locator("img[src^='data:image/png']").last
            shown.wait_for(state="visible")
            row.locator("a").nth(1).click()
            page.get_by_text("gradient exactly 0 in every epoch", exact=False).first.wait_for(state="visible")
            page.screenshot(path=str(shots / "report_gradients.png"))
            assert not errors, errors

            # The claims page on its own (as the report's "1 Claims" shows it), whole.
            page.goto((report / "results" / "claims" / "quickstart.html").as_uri())
            page.locator("img[alt^='Forest plot']").wait_for(state="visible")
            page.screenshot(path=str(shots / "report_claims_page.png"), full_page=True)
            assert page.locator("details summary").first.inner_text().startswith("quickstart.json: git ")
        finally:
            browser.close()
    for name in ("report_landing.png", "report_claims_page.png", "report_gradients.png"):
        print(f"screenshot: {shots / name}")
