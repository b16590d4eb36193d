"""The findings sections added for a reader's first look: the headline, the explorer, the
three methods side by side, and diagnostics as tables and figures (template context).

`extra_context(inputs, params)` returns the keys the template reads besides those of
`build.findings_context`; inputs a run did not produce (effects, the classifier's evaluation)
give a note, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from policytopics.analysis.methods import (
    agreement,
    agreement_wide,
    disagreeing_themes,
    side_by_side,
)
from policytopics.config import ReportParams
from policytopics.report import figures
from policytopics.report.build import ReportInputs, locality_info, prepare
from policytopics.report.content import theme_labels
from policytopics.report.downstream import effects_context, stability_context
from policytopics.report.explorer import (
    explorer_script,
    lift_heatmap_spec,
    passage_data,
    plotly_bundle,
    script_json,
)
from policytopics.report.headline import caveats, locality_highlights, strongest_contrasts

AGREEMENT_THRESHOLD = 0.5  # Spearman below this with both topic models: "the methods disagree"


def _short(label: str) -> str:
    return label.split(" ")[0]


def headline_context(
    inputs: ReportInputs,
    params: ReportParams,
    labels: Mapping[str, str],
    info: pd.DataFrame,
    disagreeing: list[str],
) -> dict[str, Any]:
    """Per locality (grouped by province, then level) its distinctive themes with intervals,
    the strongest contrasts in the data, and the caveats."""
    table = inputs.themes_by_locality
    corpus = {
        k: float(v["share"])
        for k, v in inputs.metrics["prevalence"].get("corpus_share", {}).items()
    }
    highlights = locality_highlights(table, corpus, params.catch_all_themes, params.top_themes)
    by_locality: dict[str, list[dict[str, Any]]] = {}
    for row in highlights.to_dict("records"):
        by_locality.setdefault(str(row["locality"]), []).append(
            {
                **{str(k): v for k, v in row.items()},
                "label": _short(labels.get(str(row["theme"]), str(row["theme"]))),
            }
        )
    groups: list[dict[str, Any]] = []
    for record in info.to_dict("records"):
        name = str(record["locality"])
        if not groups or groups[-1]["name"] != record["group"]:
            groups.append({"name": record["group"], "rows": []})
        groups[-1]["rows"].append(
            {
                "locality": name,
                "level": record["level_label"],
                "n_passages": int(record["n_passages"]),
                "small": int(record["n_passages"]) < params.small_locality_passages,
                "themes": by_locality.get(name, []),
            }
        )
    strongest = strongest_contrasts(
        table, corpus, params.catch_all_themes, params.headline_contrasts
    )
    lda = inputs.topics_by_locality.get("lda")
    modelled = set() if lda is None else set(lda["locality"].astype(str))
    lda_missing = sorted(set(info["locality"]) - modelled) if lda is not None and len(lda) else []
    return {
        "headline_groups": groups,
        "strongest": [
            {**r, "label": labels.get(str(r["theme"]), str(r["theme"]))}
            for r in strongest.to_dict("records")
        ],
        "caveats": caveats(
            info,
            params.small_locality_passages,
            inputs.effects_metrics,
            [t for t in disagreeing if t not in params.catch_all_themes],
            labels,
            lda_missing,
        ),
        "catch_all": [_short(labels.get(t, t)) for t in params.catch_all_themes],
        "lda_missing": lda_missing,
    }


def methods_context(inputs: ReportInputs, labels: Mapping[str, str]) -> dict[str, Any]:
    """The classifier, LDA and BERTopic shares per theme and locality, and their agreement."""
    table = side_by_side(inputs.themes_by_locality, inputs.topics_by_locality, inputs.topic_themes)
    agree = agreement(table)
    wide = agreement_wide(agree)
    mapping = inputs.topic_themes
    topics = []
    for model in ("lda", "bertopic"):
        words = inputs.topic_words.get(model)
        top = (
            {}
            if words is None or words.empty
            else {
                int(str(t)): "、".join(str(w) for w in g.sort_values("rank")["word"].head(5))
                for t, g in words.groupby("topic")
            }
        )
        for r in (
            mapping[mapping["model"] == model].sort_values(["theme", "topic"]).to_dict("records")
        ):
            topics.append(
                {
                    "model": "LDA" if model == "lda" else "BERTopic",
                    "theme": str(r["theme"]),
                    "topic": int(str(r["topic"])),
                    "words": top.get(int(str(r["topic"])), ""),
                }
            )
    per_theme = []
    for theme in [t for t in labels if t in set(table["theme"])]:
        mine = table[table["theme"] == theme]
        per_theme.append(
            {
                "theme": theme,
                "label": labels[theme],
                "agreement": [
                    wide.loc[theme, c] if theme in wide.index else float("nan")
                    for c in wide.columns
                ],
                "topics": [
                    f"{t['model']} T{t['topic']} {t['words']}"
                    for t in topics
                    if t["theme"] == theme
                ],
                "rows": mine.sort_values(
                    ["classifier", "locality"], ascending=[False, True]
                ).to_dict("records"),
            }
        )
    overall = [wide.loc["overall", c] for c in wide.columns] if "overall" in wide.index else []
    return {
        "methods": {
            "pairs": list(wide.columns),
            "overall": overall,
            "themes": per_theme,
            "figure": figures.methods_plot(table, labels, "methods") if len(table) else "",
            "disagreeing": disagreeing_themes(agree, AGREEMENT_THRESHOLD),
            "threshold": AGREEMENT_THRESHOLD,
        }
    }


def _classifier_evaluation(inputs: ReportInputs) -> dict[str, Any]:
    """The by-document evaluation (evaluation.json) else the headline metrics."""
    evaluation = inputs.evaluation or {}
    return dict(evaluation.get("document_grouped") or {})


def diagnostics_context(inputs: ReportInputs, labels: Mapping[str, str]) -> dict[str, Any]:
    """Per-theme F1 with intervals and test counts, calibration, and the headline numbers."""
    grouped = _classifier_evaluation(inputs)
    per_theme = grouped.get("per_theme", {})
    thin = set(grouped.get("thin_themes", []))
    f1_rows = [
        {
            "label": labels.get(k, k),
            "f1": v.get("f1"),
            "low": v.get("low"),
            "high": v.get("high"),
            "n": v.get("n"),
            "thin": k in thin,
        }
        for k, v in sorted(
            per_theme.items(), key=lambda kv: [*labels].index(kv[0]) if kv[0] in labels else 99
        )
    ]
    calibration = grouped.get("calibration") or {}
    shares = calibration.get("share") or {}
    interval = grouped.get("interval") or {}
    return {
        "classifier_eval": {
            "available": bool(grouped),
            "macro_f1": grouped.get("macro_f1"),
            "low": interval.get("low"),
            "high": interval.get("high"),
            "n": grouped.get("n"),
            "documents": grouped.get("documents"),
            "rows": f1_rows,
            "ece": calibration.get("ece"),
            "brier": calibration.get("brier"),
            "calibration_figure": (
                figures.calibration_plot(shares, labels, calibration.get("ece"), "calibration")
                if shares
                else ""
            ),
            "by_corpus": {
                k: v.get("macro_f1") for k, v in (grouped.get("by_corpus") or {}).items()
            },
            "loco": {
                k: v.get("macro_f1")
                for k, v in ((inputs.evaluation or {}).get("leave_one_corpus_out") or {}).items()
            },
        },
        "estimator": estimator_context(inputs.metrics.get("prevalence") or {}),
    }


def estimator_context(prevalence: Mapping[str, Any]) -> dict[str, Any]:
    """The prevalence estimator, its measured per-document share error (and the other
    estimators'), and the documents with more abstained text than the flag threshold."""
    error = prevalence.get("estimator_error") or {}
    chosen = error.get("chosen") or {}
    return {
        "name": prevalence.get("estimator", "soft"),
        "available": bool(chosen),
        "mae": chosen.get("mae"),
        "low": chosen.get("low"),
        "high": chosen.get("high"),
        "vs_soft": chosen.get("vs_soft") or {},
        "soft": (error.get("soft") or {}).get("mae"),
        "all": error.get("mae") or {},
        "documents": error.get("documents"),
        "sample": error.get("sample"),
        "abstained_share": prevalence.get("abstained_share"),
        "threshold": prevalence.get("max_abstained_share"),
        "flagged": prevalence.get("flagged_documents") or [],
    }


def explorer_context(
    inputs: ReportInputs, params: ReportParams, labels: Mapping[str, str], info: pd.DataFrame
) -> dict[str, Any]:
    """The inlined passage JSON, the Plotly heatmap spec and the scripts."""
    data = script_json(passage_data(inputs.passages, labels))
    assigned = inputs.passages.groupby(["locality", "theme"]).size()
    counts = {(str(key[0]), str(key[1])): int(n) for key, n in assigned.items()}  # type: ignore[index]
    row_labels = {
        str(r["locality"]): f"{r['locality']} · {r['group']}" for r in info.to_dict("records")
    }
    spec = lift_heatmap_spec(
        inputs.themes_by_locality,
        labels,
        info["locality"].tolist(),
        row_labels,
        counts,
        params.font_family,
    )
    return {
        "explorer": {
            "data_json": data,
            "heatmap_json": script_json(spec),
            "plotly_js": plotly_bundle(),
            "script": explorer_script(),
            "n_passages": len(inputs.passages),
            "data_kib": len(data.encode("utf-8")) // 1024,
            "plotly_kib": len(plotly_bundle().encode("utf-8")) // 1024,
        }
    }


def extra_context(inputs: ReportInputs, params: ReportParams, interactive: bool) -> dict[str, Any]:
    """Everything the new sections need; `interactive` adds the explorer (not in the PDF)."""
    inputs = prepare(inputs)
    labels = theme_labels(inputs.lexicon, inputs.themes_by_locality["theme"].astype(str).unique())
    info = locality_info(inputs)
    methods = methods_context(inputs, labels)
    context = {
        **headline_context(inputs, params, labels, info, methods["methods"]["disagreeing"]),
        **methods,
        **diagnostics_context(inputs, labels),
        **effects_context(inputs.effects, inputs.effects_metrics, labels, params.catch_all_themes),
        **stability_context(inputs.stability),
        "interactive": interactive,
    }
    if interactive:
        context |= explorer_context(inputs, params, labels, info)
    return context


def extra_context_interactive(
    inputs: ReportInputs, params: ReportParams, shared: Mapping[str, Any]
) -> dict[str, Any]:
    """`shared` (the print variant's extra context) with the explorer added."""
    inputs = prepare(inputs)
    labels = theme_labels(inputs.lexicon, inputs.themes_by_locality["theme"].astype(str).unique())
    return {
        **shared,
        "interactive": True,
        **explorer_context(inputs, params, labels, locality_info(inputs)),
    }


def findings_tables(inputs: ReportInputs, params: ReportParams) -> dict[str, pd.DataFrame]:
    """The findings' own tables (file stem -> table), written beside the page for readers
    and for `dvc plots`: distinctive themes, strongest contrasts, the three methods side by
    side and their agreement, the classifier's per-theme F1 and its calibration."""
    inputs = prepare(inputs)
    table = inputs.themes_by_locality
    corpus = {
        k: float(v["share"])
        for k, v in inputs.metrics["prevalence"].get("corpus_share", {}).items()
    }
    methods = side_by_side(table, inputs.topics_by_locality, inputs.topic_themes)
    grouped = _classifier_evaluation(inputs)
    per_theme = grouped.get("per_theme", {})
    f1 = pd.DataFrame(
        [
            {
                "theme": k,
                "f1": v.get("f1"),
                "ci_low": v.get("low"),
                "ci_high": v.get("high"),
                "n_test": v.get("n"),
            }
            for k, v in sorted(per_theme.items())
        ],
        columns=["theme", "f1", "ci_low", "ci_high", "n_test"],
    )
    shares = (grouped.get("calibration") or {}).get("share") or {}
    calibration = pd.DataFrame(
        [
            {"theme": k, "observed": v.get("observed"), "predicted": v.get("predicted")}
            for k, v in sorted(shares.items())
        ],
        columns=["theme", "observed", "predicted"],
    )
    return {
        "distinctive_themes": locality_highlights(
            table, corpus, params.catch_all_themes, params.top_themes
        ),
        "strongest_contrasts": strongest_contrasts(
            table, corpus, params.catch_all_themes, params.headline_contrasts
        ),
        "methods_side_by_side": methods,
        "method_agreement": agreement(methods),
        "classifier_f1": f1,
        "calibration": calibration,
    }
