"""Assemble the findings: tables and figures for the template, from the pipeline's outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from policytopics.config import ReportParams
from policytopics.report import figures
from policytopics.report.content import (
    distinctive_themes,
    flatten,
    leading_sections,
    ledger_highlights,
    markdown_to_html,
    representative_passages,
    theme_labels,
    topic_rows,
)


@dataclass(frozen=True)
class ReportInputs:
    """Everything the findings read, already loaded."""

    documents: pd.DataFrame
    passages: pd.DataFrame  # passages joined with their p_<theme> columns
    themes_by_locality: pd.DataFrame
    themes_by_group: dict[str, pd.DataFrame]  # "year" / "doc_type" -> table
    topics_by_locality: dict[str, pd.DataFrame]  # "lda" / "bertopic" -> table
    topic_words: dict[str, pd.DataFrame]
    topic_themes: pd.DataFrame
    coherence: pd.DataFrame
    metrics: dict[str, dict[str, Any]]  # "prevalence", "lda", "bertopic", "classify"
    ledger: dict[str, Any]
    summary_md: str
    lexicon: list[tuple[str, str, str]]  # (key, zh, en)


SUMMARY_SECTIONS = 1  # sections of reports/corpus/summary.md shown (its totals); the file has all
SUMMARY_ROWS = 16  # rows shown per table

_MODEL_NOTES = {
    "lda": "LDA; share = passage-topic distributions weighted by passage length, over the "
    "passages LDA modelled (lda.fit_languages; other passages carry only the prior).",
    "bertopic": "BERTopic; share = hard topic assignments weighted by passage length "
    "(topic -1 = outliers).",
}


def _chosen_k(lda_metrics: dict[str, Any]) -> int | None:
    """The K the lda stage chose (metrics.json: {"chosen": {"num_topics": K, ...}})."""
    chosen = lda_metrics.get("chosen", {})
    value = chosen.get("num_topics") if isinstance(chosen, dict) else None
    return value if isinstance(value, int) else None


def _contrasts(inputs: ReportInputs, labels: dict[str, str]) -> list[dict[str, Any]]:
    table = inputs.themes_by_locality
    out = []
    for theme, figures_ in inputs.metrics["prevalence"].get("contrasts", {}).items():
        focus = list(figures_.get("focus", {}))
        provinces = inputs.passages.drop_duplicates("locality").set_index("locality")["province"]
        versus = [
            str(loc) for loc, prov in provinces.items() if prov == figures_["versus_province"]
        ]
        rows = table[(table["theme"] == theme) & table["locality"].isin(focus + versus)]
        rows = rows.sort_values("prevalence", ascending=False)
        label = labels.get(theme, theme)
        passages = inputs.passages
        assigned = passages[passages["theme"] == theme].groupby("locality").size().to_dict()
        out.append(
            {
                "label": label,
                "focus_names": focus,
                "versus_province": figures_["versus_province"],
                "rows": [
                    {
                        **r,
                        "focus": r["locality"] in focus,
                        "assigned": assigned.get(r["locality"], 0),
                    }
                    for r in rows.to_dict("records")
                ],
                "excludes_shares": figures_.get("focus_excludes_versus_shares"),
                "excludes_intervals": figures_.get("focus_excludes_versus_intervals"),
                "focus_min_low": figures_.get("focus_min_ci_low", float("nan")),
                "versus_max": figures_.get("versus_max", {}),
                "versus_max_high": figures_.get("versus_max_ci_high", float("nan")),
                "figure": figures.contrast_plot(
                    table[table["theme"] == theme], set(focus), label, f"contrast-{theme}"
                ),
            }
        )
    return out


def _localities(
    inputs: ReportInputs, labels: dict[str, str], corpus: dict[str, float], params: ReportParams
) -> list[dict[str, Any]]:
    out = []
    table = inputs.themes_by_locality
    for index, (name, rows) in enumerate(table.groupby("locality", sort=True)):
        mine = inputs.passages[inputs.passages["locality"] == name]
        distinctive = []
        for row in distinctive_themes(rows, params.top_themes).to_dict("records"):
            theme = str(row["theme"])
            quotes = representative_passages(
                inputs.passages, str(name), theme, params.passages_per_theme, params.quote_chars
            )
            distinctive.append(
                {**row, "label": labels[theme], "corpus": corpus[theme], "quotes": quotes}
            )
        out.append(
            {
                "name": str(name),
                "province": str(mine["province"].iloc[0]) if len(mine) else "",
                "n_passages": int(rows["n_passages"].iloc[0]),
                "n_documents": int(mine["doc_id"].nunique()),
                "figure": figures.profile_bars(rows, corpus, labels, f"profile-{index}"),
                "distinctive": distinctive,
            }
        )
    return out


def _documents(inputs: ReportInputs) -> list[dict[str, Any]]:
    counts = inputs.passages.groupby("doc_id").size()
    docs = inputs.documents.sort_values(["province", "locality", "doc_id"])
    return [
        {
            **{k: ("" if pd.isna(row[k]) else row[k]) for k in ("title", "locality", "province")},
            "year": "" if pd.isna(row["year"]) else int(row["year"]),
            "doc_type": row["doc_type"],
            "language": row["language"],
            "n_chars": len(str(row["text"])),
            "n_passages": int(counts.get(row["doc_id"], 0)),
        }
        for row in docs.to_dict("records")
    ]


def _models(inputs: ReportInputs, labels: dict[str, str], params: ReportParams) -> list[Any]:
    out = []
    for model, name in (("lda", "LDA"), ("bertopic", "BERTopic")):
        shares = inputs.topics_by_locality[model]
        rows = topic_rows(
            inputs.topic_words[model],
            inputs.topic_themes,
            shares,
            model,
            labels,
            params.topic_words,
        )
        topic_labels = {str(r["topic"]): f"T{r['topic']} {r['theme']}" for r in rows}
        for topic in shares["topic"].astype(str).unique():
            topic_labels.setdefault(topic, topic)
        out.append(
            {
                "name": name,
                "note": _MODEL_NOTES[model],
                "rows": rows,
                "heatmap": figures.heatmap(
                    shares.astype({"topic": str}),
                    "locality",
                    "topic",
                    topic_labels,
                    f"{model}-map",
                    transpose=True,
                ),
            }
        )
    return out


def model_comparison(metrics: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """LDA and BERTopic side by side: topics, coherence, diversity, outlier share."""
    rows = []
    for key, name in (("lda", "LDA"), ("bertopic", "BERTopic")):
        chosen = metrics.get(key, {}).get("chosen", {})
        outliers = metrics.get(key, {}).get("outliers", {})
        rows.append(
            {
                "model": name,
                **{k: chosen.get(k) for k in ("num_topics", "c_v", "c_npmi", "diversity")},
                "outliers_before": outliers.get("share_before"),
                "outliers_after": outliers.get("share_after"),
            }
        )
    return rows


def findings_context(inputs: ReportInputs, params: ReportParams) -> dict[str, Any]:
    """The template context: every table and figure of the findings."""
    table = inputs.themes_by_locality
    labels = theme_labels(inputs.lexicon, table["theme"].astype(str).unique())
    prevalence = inputs.metrics["prevalence"]
    corpus = {k: float(v["share"]) for k, v in prevalence.get("corpus_share", {}).items()}
    top = prevalence.get("top_theme_by_locality", {})
    localities = _localities(inputs, labels, corpus, params)
    by_group = [
        {
            "name": group,
            "path": f"reports/prevalence/themes_by_{group}.csv",
            "figure": figures.heatmap(frame, group, "theme", labels, f"by-{group}", transpose=True),
        }
        for group, frame in inputs.themes_by_group.items()
        if frame[group].nunique() > 1
    ]
    zh_en = {key: (zh, en) for key, zh, en in inputs.lexicon}
    corpus_ci = prevalence.get("corpus_share", {})
    return {
        "overview": {
            "n_documents": len(inputs.documents),
            "n_passages": len(inputs.passages),
            "n_localities": table["locality"].nunique(),
            "n_chars": int(inputs.passages["n_chars"].sum()),
        },
        "contrasts": _contrasts(inputs, labels),
        "top_themes": [
            {
                "locality": loc,
                "theme": labels.get(v["theme"], v["theme"]),
                "share": v["share"],
                "ci_low": v["ci_low"],
                "ci_high": v["ci_high"],
                "distinctive": "、".join(
                    f"{t['label'].split(' ')[0]} ({t['lift']:.1f}×)"
                    for t in next(x for x in localities if x["name"] == loc)["distinctive"]
                ),
            }
            for loc, v in top.items()
        ],
        "documents": _documents(inputs),
        "ledger": ledger_highlights(inputs.ledger),
        "summary_html": markdown_to_html(
            leading_sections(inputs.summary_md, SUMMARY_SECTIONS), max_rows=SUMMARY_ROWS
        ),
        "heatmap": figures.heatmap(
            table, "locality", "theme", labels, "locality-theme", transpose=True
        ),
        "theme_legend": [
            {
                "key": key,
                "zh": zh_en.get(key, (key, ""))[0],
                "en": zh_en.get(key, ("", key))[1],
                "share": corpus.get(key, float("nan")),
                "ci_low": corpus_ci.get(key, {}).get("ci_low", float("nan")),
                "ci_high": corpus_ci.get(key, {}).get("ci_high", float("nan")),
            }
            for key in labels
            if key in corpus
        ],
        "localities": localities,
        "by_group": by_group,
        "models": _models(inputs, labels, params),
        "coherence_figure": (
            figures.coherence_plot(inputs.coherence, _chosen_k(inputs.metrics["lda"]), "coherence")
            if len(inputs.coherence)
            else ""
        ),
        "model_comparison": model_comparison(inputs.metrics),
        "diagnostics": [
            {"name": name, "rows": flatten(inputs.metrics[key])}
            for key, name in (
                ("lda", "LDA metrics (reports/lda/metrics.json)"),
                (
                    "bertopic",
                    "BERTopic metrics, incl. outlier share (reports/bertopic/metrics.json)",
                ),
                ("classify", "Theme classifier metrics (reports/classify/metrics.json)"),
            )
        ],
    }
