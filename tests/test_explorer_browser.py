"""The findings explorer in a real headless browser (Debian's Chromium via Playwright), offline.

The page is built from a tiny synthetic corpus (tests/_report_corpus.py) whose passages are
rewritten by hand below, so every filter and search has an exact expected answer. Every
network request is blocked and recorded: the page must ask for nothing but itself.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _report_corpus import CorpusSpec, Place, build

from policytopics.config import ReportParams
from policytopics.report.assemble import findings_html, provenance

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (`make browser`); never downloaded
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# passage -> (theme, probability of it, text); the fixture has 4 passages per locality
PASSAGES = {
    "d000#01/p0000": ("liquor_industry", 0.91, "做强白酒产业，支持泸州老窖扩能技改。"),
    "d000#01/p0001": ("liquor_industry", 0.72, "建设世界级优质白酒产业集群，打响川酒品牌。"),
    "d000#01/p0002": ("ecology", 0.88, "坚持生态优先，推进长江生态保护修复。"),
    "d000#01/p0003": ("digital_economy", 0.80, "加快发展数字经济，建设智慧城市。"),
    "d001#01/p0000": ("liquor_industry", 0.55, "引进酒类企业，培育本地白酒品牌。"),
    "d001#01/p0001": ("digital_economy", 0.93, "建设西部数字经济高地。"),
    "d001#01/p0002": ("ecology", 0.81, "筑牢长江上游重要生态屏障。"),
    "d001#01/p0003": ("general", 0.60, "全面完成年度目标任务。"),
    "d002#01/p0000": ("ecology", 0.77, "借鉴泸州老窖生态园经验，发展生态旅游。"),
    "d002#01/p0001": ("ecology", 0.95, "推进三峡库区生态修复。"),
    "d002#01/p0002": ("general", 0.66, "坚定不移推进各项工作。"),
    "d002#01/p0003": ("digital_economy", 0.70, "推动政务服务数字化。"),
}


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = CorpusSpec(
        [Place("江阳区"), Place("渝北区", "重庆市"), Place("巫山县", "重庆市")], passages_per_doc=4
    )
    inputs, _ = build(spec)
    passages = inputs.passages.copy()
    for passage_id, (theme, p, text) in PASSAGES.items():
        row = passages["passage_id"] == passage_id
        assert row.sum() == 1, passage_id
        passages.loc[row, "theme"] = theme
        passages.loc[row, "text"] = text
        passages.loc[row, f"p_{theme}"] = p
    inputs = dataclasses.replace(inputs, passages=passages)
    reproduction = provenance([("a.txt", b"x")], "seed: 1\n", inputs.metrics["prevalence"])
    html = findings_html(inputs, ReportParams(), reproduction)
    path = tmp_path_factory.mktemp("findings") / "findings.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser_page(page_file: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    if shutil.which(str(CHROMIUM)) is None:
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import Route, sync_playwright

    url = page_file.as_uri()
    requests: list[str] = []
    errors: list[str] = []

    def block(route: Route) -> None:
        requests.append(route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.route("**/*", block)
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_selector("#ex-body tr")
        yield page, requests, errors
        browser.close()


def rows(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "#ex-body tr", "rows => rows.map(r => r.dataset.passage)"
    )
    return ids


def reset(page: Any) -> None:
    page.click("#ex-reset")


def test_every_passage_is_listed_with_its_document_and_section(browser_page: Any) -> None:
    page, _, _ = browser_page
    reset(page)
    assert rows(page) == sorted(PASSAGES)
    assert page.inner_text("#ex-count") == "12 of 12 passages"
    first = page.inner_text("#ex-body tr:first-child")
    assert "做强白酒产业，支持泸州老窖扩能技改。" in first
    assert "《江阳区政府工作报告0》 · 一、工作回顾" in first


def test_filter_by_theme_and_locality_then_search_chinese(browser_page: Any) -> None:
    page, _, _ = browser_page
    reset(page)
    page.select_option("#ex-theme", "liquor_industry")
    assert rows(page) == ["d000#01/p0000", "d000#01/p0001", "d001#01/p0000"]
    page.select_option("#ex-locality", "江阳区")
    assert rows(page) == ["d000#01/p0000", "d000#01/p0001"]
    page.fill("#ex-search", "川酒")
    assert rows(page) == ["d000#01/p0001"]
    assert page.inner_text("#ex-body mark") == "川酒"
    reset(page)
    page.fill("#ex-search", "泸州老窖")
    assert rows(page) == ["d000#01/p0000", "d002#01/p0000"]


def test_probability_filter_and_sorting(browser_page: Any) -> None:
    page, _, _ = browser_page
    reset(page)
    page.fill("#ex-pmin", "0.9")
    assert rows(page) == ["d000#01/p0000", "d001#01/p0001", "d002#01/p0001"]
    page.click("#ex-table th[data-sort='p']")  # ascending
    assert rows(page) == ["d000#01/p0000", "d001#01/p0001", "d002#01/p0001"]
    page.click("#ex-table th[data-sort='p']")  # descending
    assert rows(page) == ["d002#01/p0001", "d001#01/p0001", "d000#01/p0000"]
    page.click("#ex-table th[data-sort='passage_id']")


def test_a_heatmap_click_lists_that_cells_passages(browser_page: Any) -> None:
    page, _, _ = browser_page
    reset(page)
    assert page.locator("#heatmap-plot .main-svg").count() > 0  # Plotly drew the heatmap
    page.evaluate(
        "document.getElementById('heatmap-plot')"
        ".emit('plotly_click', {points: [{customdata: ['巫山县', 'ecology']}]})"
    )
    assert page.input_value("#ex-theme") == "ecology"
    assert rows(page) == ["d002#01/p0000", "d002#01/p0001"]


def test_every_table_has_a_csv_download(browser_page: Any) -> None:
    page, _, _ = browser_page
    tables = page.locator("section table:not(#ex-table)").count()
    assert tables > 5
    assert page.locator("button.csv").count() == tables
    with page.expect_download() as download:
        page.click("#ex-csv")
    assert download.value.suggested_filename == "passages.csv"


def test_no_network_request_and_no_console_error(browser_page: Any, page_file: Path) -> None:
    _, requests, errors = browser_page
    assert errors == []
    assert set(requests) == {page_file.as_uri()}
