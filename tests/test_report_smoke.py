"""End to end on the pipeline fixture: prevalence + report, then read the HTML and the PDF."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from _bars import step_labels
from fixtures.pipeline.build_fixture import fixture_run

from policytopics.report.content import flatten

pytestmark = pytest.mark.slow

LOCALITIES = ["江阳区", "泸州市", "渝北区", "巫山县", "龙港市"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        project = fixture_run(tmp_path_factory.mktemp("fixture") / "project")
    (project / "stderr.log").write_bytes(stderr.getvalue().encode("utf-8"))
    return project


def test_the_report_progress_bar_names_each_step_in_turn(run: Path) -> None:
    assert step_labels(run / "stderr.log", "report", 4) == [
        "report",
        "report: read the pipeline's outputs",
        "report: figures and HTML",
        "report: tables",
        "report: PDF",
        "report",
    ]


def test_the_prevalence_progress_bar_names_each_step_in_turn(run: Path) -> None:
    assert step_labels(run / "stderr.log", "prevalence", 4) == [
        "prevalence",
        "prevalence: theme shares",
        "prevalence: LDA topic shares",
        "prevalence: BERTopic topic shares",
        "prevalence: write tables",
        "prevalence",
    ]


def test_prevalence_outputs_follow_the_contract(run: Path) -> None:
    table = pd.read_csv(run / "reports/prevalence/themes_by_locality.csv")
    assert list(table.columns) == [
        "locality", "theme", "prevalence", "ci_low", "ci_high", "lift", "n_passages",
        "n_sentences", "prevalence_soft", "low_confidence_share", "median_ood", "flagged",
    ]  # fmt: skip
    # prevalence.estimator hard (the default): each locality's share of text whose top theme
    # is the theme (one sentence per passage in the fixture); the soft mean beside it
    passages = pd.read_parquet(run / "data/interim/passages.parquet")
    top = pd.read_parquet(run / "data/processed/passage_themes.parquet")[["passage_id", "theme"]]
    text = passages.merge(top, on="passage_id").groupby(["locality", "theme"])["n_chars"].sum()
    hard = (text / text.groupby(level="locality").transform("sum")).to_dict()
    found = table.set_index(["locality", "theme"])["prevalence"].to_dict()
    assert found == pytest.approx({key: hard.get(key, 0.0) for key in found}, abs=1e-9)
    assert (table["prevalence_soft"] > 0).all()
    assert sorted(table["locality"].unique()) == sorted(LOCALITIES)
    assert len(table) == 5 * 13
    sums = table.groupby("locality")["prevalence"].sum()
    assert sums.to_numpy() == pytest.approx([1.0] * 5, abs=1e-8)
    metrics = json.loads((run / "reports/prevalence/metrics.json").read_text(encoding="utf-8"))
    assert metrics["top_theme_by_locality"]["江阳区"]["theme"] == "liquor_industry"
    liquor = metrics["contrasts"]["liquor_industry"]
    assert set(liquor["focus"]) == {"江阳区", "泸州市"} and liquor["n_versus"] == 2
    # LDA models the Chinese passages only (lda.fit_languages); BERTopic every passage
    for model, localities in (("lda", ["江阳区", "渝北区", "巫山县"]), ("bertopic", LOCALITIES)):
        topics = pd.read_csv(run / f"reports/prevalence/topics_by_locality_{model}.csv")
        sums = topics.groupby("locality")["prevalence"].sum()
        assert sorted(sums.index) == sorted(localities)
        assert sums.to_numpy() == pytest.approx([1.0] * len(localities), abs=1e-8)
    assert metrics["lda_passages_not_modelled"] == 6


def test_html_is_self_contained_and_bilingual(run: Path) -> None:
    html = (run / "reports/findings.html").read_text(encoding="utf-8")
    # the scripts are inlined (no src=); that they request nothing at run time is checked in
    # a browser (tests/test_explorer_browser.py), so the markup is checked without them
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" not in tag for tag in scripts)
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup)
    assert "<link" not in markup
    assert html.count('src="data:image/svg+xml;base64,') >= 10
    for text in [
        "生态环保 Ecology and environment",
        "白酒产业 Liquor (baijiu) industry",
        *LOCALITIES,
    ]:
        assert text in html
    assert "第三篇 &gt; 第九章 &gt; 第一节提质发展白酒产业集群" in html  # a quote's section path
    assert 'alt="coherence vs K"' in html  # diagnostics figure from reports/lda/coherence.csv
    # the estimator and its measured error (the fixture's calibration.json: 0.05 for each)
    text = re.sub(r"<[^>]+>", "", html)
    assert "Theme shares are estimated from the sentence scores by hard" in text
    assert "0.050 [0.040–0.060], against 0.050 for the soft mean" in text
    assert "No document has more than 25.0% abstained text." in text
    # every classifier metric, as reports/classify/metrics.json has it (macro-F1 0.88 first)
    classify = json.loads((run / "reports/classify/metrics.json").read_text(encoding="utf-8"))
    rows = flatten(classify)
    assert rows[0] == ("macro_f1", "0.88")
    for key, value in rows:
        assert f'<tr><td><code>{key}</code></td><td class="num">{value}</td></tr>' in html
    assert "character-weighted mean, over the sentences of passage" in html  # classify.unit
    comparison = html[html.index("LDA and BERTopic compared") :]
    assert "<td>BERTopic</td>" in comparison and "0.052" in comparison and "42.0%" in comparison


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_has_the_chinese_text_layer_and_embedded_cjk_fonts(run: Path) -> None:
    pdf = run / "reports/findings.pdf"
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ["生态环保", "白酒产业", "数字经济", "做强白酒产业", *LOCALITIES]:
        assert expected in text
    assert "\ufffd" not in text and "\u25a1" not in text
    flat = " ".join(text.split())
    assert "The interactive explorer" in flat and "findings.html: open it in a browser" in flat
    assert "Explorer 段落浏览" not in flat  # the print variant leaves the explorer out
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert any("Noto-Sans-CJK-SC" in line for line in fonts)
    assert all(" yes " in line for line in fonts), fonts  # every font embedded
    assert not any("CJK-JP" in line for line in fonts)  # no Japanese glyph forms
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "3", str(pdf), str(run / "page")],
        check=True,
    )
    pages = sorted(run.glob("page-*.png"))
    assert len(pages) == 3 and all(p.stat().st_size > 5000 for p in pages)
