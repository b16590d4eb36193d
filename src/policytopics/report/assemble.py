"""The report stage's work as one call: joined inputs -> the findings HTML (and its context)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata
from typing import Any

import matplotlib
import pandas as pd

from policytopics.config import ReportParams
from policytopics.report.build import ReportInputs, findings_context
from policytopics.report.content import corpus_hash, package_versions
from policytopics.report.fonts import configure_matplotlib
from policytopics.report.html import render_html
from policytopics.report.sections import extra_context, extra_context_interactive
from policytopics.schemas import require_columns

WEIGHT_NOTES = {
    "n_chars": "the passage's length in characters, so the share is the share of text",
    "equal": "1 for every passage, so the share is the share of passages",
}


def passages_with_themes(
    passages: pd.DataFrame, documents: pd.DataFrame, passage_themes: pd.DataFrame
) -> pd.DataFrame:
    """Passages with their theme, p_<theme> columns and their document's title."""
    require_columns(passage_themes, ["passage_id"], "passage_themes")
    require_columns(passage_themes, ["theme"], "passage_themes")
    probs = passage_themes[
        ["passage_id", "theme", *[c for c in passage_themes.columns if c.startswith("p_")]]
    ]
    titles = documents[["doc_id", "title"]]
    return passages.merge(probs, on="passage_id", how="left").merge(titles, on="doc_id")


def provenance(
    seed_files: Iterable[tuple[str, bytes]], params_text: str, prevalence: dict[str, Any]
) -> dict[str, Any]:
    """What a reader needs to reproduce the findings: seeds, versions, params."""
    digest, entries = corpus_hash(seed_files)
    return {
        "version": metadata.version("policytopics"),
        "corpus_hash": digest,
        "seed_files": entries,
        "versions": package_versions(),
        "params_text": params_text,
        "confidence": float(prevalence.get("confidence", 0.95)),
        "n_bootstrap": prevalence.get("n_bootstrap", ""),
        "seed": prevalence.get("seed", ""),
        "weight_note": WEIGHT_NOTES.get(str(prevalence.get("weight", "n_chars")), ""),
    }


def findings_html(
    inputs: ReportInputs,
    params: ReportParams,
    reproduction: dict[str, Any],
    interactive: bool = True,
) -> str:
    """The self-contained findings page (figures drawn with `params.font_family`);
    `interactive` inlines the explorer and Plotly (the PDF's page leaves them out)."""
    return findings_pages(inputs, params, reproduction, (interactive,))[0]


def findings_pages(
    inputs: ReportInputs,
    params: ReportParams,
    reproduction: dict[str, Any],
    variants: tuple[bool, ...] = (True, False),
) -> list[str]:
    """The findings page once per variant (True: interactive, for the browser; False: for
    print), from one computation of the tables and figures."""
    matplotlib.use("Agg")
    configure_matplotlib(params.font_family)
    context = {
        "title": params.title,
        **findings_context(inputs, params),
        **reproduction,
        "classify_unit": inputs.metrics["classify"].get("passages", {}).get("unit", "passage"),
    }
    shared = extra_context(inputs, params, interactive=False)
    pages = []
    for interactive in variants:
        extra = extra_context_interactive(inputs, params, shared) if interactive else shared
        pages.append(render_html({**context, **extra}, params.font_family))
    return pages
