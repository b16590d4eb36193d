"""DVC stage `report`: pipeline outputs -> reports/findings.html and reports/findings.pdf."""

from __future__ import annotations

import argparse
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import matplotlib

from policytopics.config import load_params
from policytopics.io import atomic_path, read_output, write_text_atomic
from policytopics.report.build import ReportInputs, findings_context
from policytopics.report.content import corpus_hash, package_versions
from policytopics.report.fonts import configure_matplotlib
from policytopics.report.html import render_html
from policytopics.report.pdf import render_pdf
from policytopics.schemas import require_columns
from policytopics.stages._runner import run_stage
from policytopics.themes.lexicon import load_lexicon

_WEIGHT_NOTES = {
    "n_chars": "the passage's length in characters, so the share is the share of text",
    "equal": "1 for every passage, so the share is the share of passages",
}


def load_inputs(args: argparse.Namespace, lexicon_path: str) -> ReportInputs:
    """Read every pipeline output the findings cite."""
    passages = read_output(args.passages, "segment")
    documents = read_output(args.documents, "ingest")
    themes = read_output(args.passage_themes, "classify")
    require_columns(themes, ["passage_id"], "passage_themes")
    require_columns(themes, ["theme"], "passage_themes")
    probs = themes[["passage_id", "theme", *[c for c in themes.columns if c.startswith("p_")]]]
    titles = documents[["doc_id", "title"]]
    joined = passages.merge(probs, on="passage_id", how="left").merge(titles, on="doc_id")
    lexicon = load_lexicon(Path(lexicon_path) if lexicon_path else None)
    by_locality = read_output(args.themes_by_locality, "prevalence")
    return ReportInputs(
        documents=documents,
        passages=joined,
        themes_by_locality=by_locality,
        themes_by_group={
            "year": read_output(args.themes_by_year, "prevalence").astype({"year": str}),
            "doc_type": read_output(args.themes_by_doc_type, "prevalence"),
        },
        topics_by_locality={
            "lda": read_output(args.topics_lda, "prevalence"),
            "bertopic": read_output(args.topics_bertopic, "prevalence"),
        },
        topic_words={
            "lda": read_output(args.lda_topics, "lda"),
            "bertopic": read_output(args.bertopic_topics, "bertopic"),
        },
        topic_themes=read_output(args.topic_themes, "themes"),
        coherence=read_output(args.lda_coherence, "lda"),
        metrics={
            "prevalence": read_output(args.prevalence_metrics, "prevalence"),
            "lda": read_output(args.lda_metrics, "lda"),
            "bertopic": read_output(args.bertopic_metrics, "bertopic"),
            "classify": read_output(args.classify_metrics, "classify"),
        },
        ledger=read_output(args.ledger, "ingest"),
        summary_md=read_output(args.corpus_summary, "segment"),
        lexicon=[(t.key, t.zh, t.en) for t in lexicon.themes],
    )


def provenance(args: argparse.Namespace, prevalence: dict[str, Any]) -> dict[str, Any]:
    """What a reader needs to reproduce the findings: seeds, versions, params."""
    seed_files = sorted(p for p in args.seeds.rglob("*") if p.is_file())
    digest, entries = corpus_hash(
        (str(p.relative_to(args.seeds)), p.read_bytes()) for p in seed_files
    )
    return {
        "version": metadata.version("policytopics"),
        "corpus_hash": digest,
        "seed_files": entries,
        "versions": package_versions(),
        "params_text": args.params.read_text(encoding="utf-8"),
        "confidence": float(prevalence.get("confidence", 0.95)),
        "n_bootstrap": prevalence.get("n_bootstrap", ""),
        "seed": prevalence.get("seed", ""),
        "weight_note": _WEIGHT_NOTES.get(str(prevalence.get("weight", "n_chars")), ""),
    }


def main(args: argparse.Namespace) -> None:
    params = load_params(args.params)
    settings = params.report
    matplotlib.use("Agg")
    configure_matplotlib(settings.font_family)
    started = time.perf_counter()
    inputs = load_inputs(args, params.themes.lexicon)
    context = {
        "title": settings.title,
        **findings_context(inputs, settings),
        **provenance(args, inputs.metrics["prevalence"]),
        "classify_unit": inputs.metrics["classify"].get("passages", {}).get("unit", "passage"),
    }
    html = render_html(context, settings.font_family)
    write_text_atomic(html, args.html)
    with atomic_path(args.pdf) as tmp:
        render_pdf(html, tmp, settings.font_family)
    print(
        f"report: {args.html} ({len(html) // 1024} KiB), {args.pdf} "
        f"({args.pdf.stat().st_size // 1024} KiB) in {time.perf_counter() - started:.1f} s"
    )


_INPUTS = (
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
    "params",
    "html",
    "pdf",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="policytopics.stages.report", description=__doc__)
    for name in _INPUTS:
        parser.add_argument(f"--{name}", type=Path, required=name != "params")
    parser.set_defaults(params=Path("params.yaml"))
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    run_stage("report", lambda: main(arguments))
