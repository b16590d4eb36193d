"""`dvc plots show` renders offline: the project's HTML template inlines vega (issue 15)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _dvc import run_dvc

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARGS += ["--disable-component-update", "--disable-sync"]
DVC_YAML = """\
stages: {}
plots:
  - coherence.csv:
      title: 一致性 coherence by K
      x: num_topics
      y: c_v
      x_label: number of topics K
      y_label: c_v
"""


@pytest.fixture(scope="module")
def plots_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("plots")
    run_dvc(project, "init", "--no-scm", "-q")
    (project / ".dvc/plots").mkdir(exist_ok=True)
    shutil.copy(ROOT / ".dvc/plots/offline.html", project / ".dvc/plots/offline.html")
    config = (ROOT / ".dvc/config").read_text(encoding="utf-8")
    (project / ".dvc/config").write_text(config, encoding="utf-8")
    (project / "dvc.yaml").write_text(DVC_YAML, encoding="utf-8")
    (project / "coherence.csv").write_text("num_topics,c_v\n15,0.58\n20,0.59\n", encoding="utf-8")
    run_dvc(project, "plots", "show", "-o", "out")
    return project / "out/index.html"


def test_the_page_loads_no_script_from_anywhere(plots_page: Path) -> None:
    html = plots_page.read_text(encoding="utf-8")
    assert "<script src" not in html
    assert "cdn.jsdelivr.net" not in html
    assert html.count("vegaEmbed(") == 1


@pytest.mark.slow
def test_the_chart_draws_in_a_browser_with_the_network_blocked(plots_page: Path) -> None:
    if shutil.which(str(CHROMIUM)) is None:
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import Route, sync_playwright

    url = plots_page.as_uri()
    requests: list[str] = []
    errors: list[str] = []

    def block(route: Route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.route("**/*", block)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_selector(".vega-embed canvas, .vega-embed svg.marks")
        width: int = page.eval_on_selector(
            ".vega-embed canvas, .vega-embed svg.marks", "e => e.getBoundingClientRect().width"
        )
        browser.close()
    assert requests == []
    assert errors == []
    assert width > 100  # vega drew the chart (canvas or svg marks), offline
