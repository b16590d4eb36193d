"""DVC stage `report`: pipeline outputs -> reports/findings.html and reports/findings.pdf."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from policytopics.config import load_params
from policytopics.io import (
    atomic_path,
    read_output,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from policytopics.progress import Steps
from policytopics.report.assemble import findings_pages, passages_with_themes, provenance
from policytopics.report.build import ReportInputs
from policytopics.report.headline_metrics import headline_metrics
from policytopics.report.pdf import render_pdf
from policytopics.report.sections import findings_tables
from policytopics.stages._runner import path_parser, run_stage
from policytopics.themes.lexicon import lexicon_from_params


def main(
    documents: Path,
    passages: Path,
    passage_themes: Path,
    themes_by_locality: Path,
    themes_by_year: Path,
    themes_by_doc_type: Path,
    topics_lda: Path,
    topics_bertopic: Path,
    prevalence_metrics: Path,
    lda_topics: Path,
    lda_coherence: Path,
    lda_metrics: Path,
    bertopic_topics: Path,
    bertopic_metrics: Path,
    topic_themes: Path,
    classify_metrics: Path,
    ledger: Path,
    corpus_summary: Path,
    seeds: Path,
    html: Path,
    pdf: Path,
    params: Path = Path("params.yaml"),
    classify_evaluation: Path | None = None,
    effects_metrics: Path | None = None,
    stability_metrics: Path | None = None,
    lda_stability: Path | None = None,
    bertopic_stability: Path | None = None,
    effects: Path | None = None,
    marginal_shares: Path | None = None,
    panel: Path | None = None,
    tables: Path | None = None,
    headline: Path | None = None,
) -> None:
    started = time.perf_counter()
    settings = load_params(params)
    with Steps("report", STEPS) as steps:
        steps.start("read the pipeline's outputs")
        lexicon = lexicon_from_params(settings.themes.lexicon)
        document_table = read_output(documents, "ingest")
        inputs = ReportInputs(
            documents=document_table,
            passages=passages_with_themes(
                read_output(passages, "segment"),
                document_table,
                read_output(passage_themes, "classify"),
            ),
            themes_by_locality=read_output(themes_by_locality, "prevalence"),
            themes_by_group={
                "year": read_output(themes_by_year, "prevalence").astype({"year": str}),
                "doc_type": read_output(themes_by_doc_type, "prevalence"),
            },
            topics_by_locality={
                "lda": read_output(topics_lda, "prevalence"),
                "bertopic": read_output(topics_bertopic, "prevalence"),
            },
            topic_words={
                "lda": read_output(lda_topics, "lda"),
                "bertopic": read_output(bertopic_topics, "bertopic"),
            },
            topic_themes=read_output(topic_themes, "themes"),
            coherence=read_output(lda_coherence, "lda"),
            metrics={
                "prevalence": read_output(prevalence_metrics, "prevalence"),
                "lda": read_output(lda_metrics, "lda"),
                "bertopic": read_output(bertopic_metrics, "bertopic"),
                "classify": read_output(classify_metrics, "classify"),
            },
            ledger=read_output(ledger, "ingest"),
            summary_md=read_output(corpus_summary, "segment"),
            lexicon=[(t.key, t.zh, t.en) for t in lexicon.themes],
            evaluation=_optional(classify_evaluation, "classify"),
            effects_metrics=_optional(effects_metrics, "effects"),
            effects=_effects_tables(effects, marginal_shares, panel),
            stability=_optional(stability_metrics, "stability"),
            topic_stability={
                model: table
                for model, path in (("lda", lda_stability), ("bertopic", bertopic_stability))
                if (table := _optional(path, "stability")) is not None
            },
        )
        seed_files = sorted(p for p in seeds.rglob("*") if p.is_file())
        reproduction = provenance(
            ((str(p.relative_to(seeds)), p.read_bytes()) for p in seed_files),
            params.read_text(encoding="utf-8"),
            inputs.metrics["prevalence"],
        )
        steps.start("figures and HTML")
        page, printed = findings_pages(inputs, settings.report, reproduction)
        write_text_atomic(page, html)
        steps.start("tables")
        if tables is not None:
            for stem, frame in findings_tables(inputs, settings.report).items():
                write_csv_atomic(frame, tables / f"{stem}.csv")
                if stem in PLOT_DATA:  # `dvc plots` data: JSON, as DVC misreads a CSV's BOM
                    write_json_atomic(frame.to_dict("records"), tables / f"{stem}.json")
        if headline is not None:
            write_json_atomic(headline_metrics(inputs.metrics, inputs.stability), headline)
        steps.start("PDF")
        with atomic_path(pdf) as tmp:
            render_pdf(printed, tmp, settings.report.font_family)
    print(
        f"report: {html} ({len(page) // 1024} KiB), {pdf} "
        f"({pdf.stat().st_size // 1024} KiB) in {time.perf_counter() - started:.1f} s"
    )


# the stage's steps, for its progress bar: the figures and WeasyPrint's PDF take seconds to a
# minute and report nothing themselves
STEPS = ("read the pipeline's outputs", "figures and HTML", "tables", "PDF")
PLOT_DATA = ("classifier_f1", "calibration")  # findings tables that dvc.yaml's plots draw


def _optional(path: Path | None, stage: str) -> Any:
    """An optional input: None when not passed or not (yet) produced by `stage`."""
    return read_output(path, stage) if path is not None and path.exists() else None


def _effects_tables(
    effects: Path | None, marginal_shares: Path | None, panel: Path | None
) -> dict[str, Any] | None:
    """The effects stage's coefficient, predicted-share and panel tables (None: not passed or
    not produced)."""
    coefficients = _optional(effects, "effects")
    if coefficients is None:
        return None
    out = {"effects": coefficients}
    for key, path in (("marginal", marginal_shares), ("panel", panel)):
        table = _optional(path, "effects")
        if table is not None:
            out[key] = table
    return out


_PATHS = (
    "documents",
    "passages",
    "passage-themes",
    "themes-by-locality",
    "themes-by-year",
    "themes-by-doc-type",
    "topics-lda",
    "topics-bertopic",
    "prevalence-metrics",
    "lda-topics",
    "lda-coherence",
    "lda-metrics",
    "bertopic-topics",
    "bertopic-metrics",
    "topic-themes",
    "classify-metrics",
    "ledger",
    "corpus-summary",
    "seeds",
    "html",
    "pdf",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    optional: tuple[str, ...] = ("classify-evaluation", "effects-metrics", "stability-metrics")
    optional += ("lda-stability", "bertopic-stability", "headline")
    optional += ("effects", "marginal-shares", "panel", "tables")
    parser = path_parser("report", __doc__, _PATHS, optional)
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("report", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
