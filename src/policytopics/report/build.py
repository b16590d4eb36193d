"""Assemble the findings: tables and figures for the template, from the pipeline's outputs.

Any corpus must give a readable page, never a crash: blank metadata becomes `unknown` (a
locality) or stays blank (province, year, doc_type), a contrast the corpus cannot make is a
note, and views grow only so far: heatmaps show at most `report.heatmap_max_columns` groups
across (else the groups go down the rows, at most `report.heatmap_max_rows` of them),
localities are grouped by province and level, and only the `report.max_profiles` localities
with the most passages get a full profile. Whatever is not shown is counted, with the CSV
that holds it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
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
    evaluation: dict[str, Any] | None = None  # classify's evaluation.json (None: not run)
    effects_metrics: dict[str, Any] | None = None  # effects_metrics.json (None: not run)
    effects: dict[str, pd.DataFrame] | None = None  # "effects" / "marginal" / "panel" tables
    stability: dict[str, Any] | None = None  # stability metrics.json (None: not run)
    # per model, the stability stage's topic table (topic, reappear_share, stable); None: not run
    topic_stability: dict[str, pd.DataFrame] | None = None


SUMMARY_SECTIONS = 1  # sections of reports/corpus/summary.md shown (its totals); the file has all
SUMMARY_ROWS = 16  # rows shown per table
UNKNOWN = "unknown"  # a blank locality, year or doc_type (analysis.prevalence.UNKNOWN_GROUP)
NATIONAL_GROUP = "全国 national"
UNKNOWN_PROVINCE = "未知省份 province unknown"
LEVELS = {  # admin_level -> (order within a province group, label)
    "national": (0, "national 全国"),
    "province": (1, "province 省级"),
    "prefecture": (2, "prefecture 地级"),
    "county": (3, "county 县级"),
    "township": (4, "township 乡镇"),
}
CSV = {
    "locality": "reports/prevalence/themes_by_locality.csv",
    "year": "reports/prevalence/themes_by_year.csv",
    "doc_type": "reports/prevalence/themes_by_doc_type.csv",
    "lda": "reports/prevalence/topics_by_locality_lda.csv",
    "bertopic": "reports/prevalence/topics_by_locality_bertopic.csv",
}

_MODEL_NOTES = {
    "lda": "LDA; share = passage-topic distributions weighted by passage length, over the "
    "passages LDA modelled (lda.fit_languages; other passages carry only the prior).",
    "bertopic": "BERTopic; share = hard topic assignments weighted by passage length "
    "(topic -1 = outliers).",
}


def is_blank(value: object) -> bool:
    """None, NaN, pandas NA or a blank string (as a CSV round trip leaves an empty cell)."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in ("", "nan", "<NA>", "None")
    return (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT


def _filled(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """`frame` with blank cells of `columns` replaced (column -> replacement); a copy."""
    frame = frame.copy()
    for column, replacement in columns.items():
        if column in frame.columns:
            values = frame[column].astype(object)
            frame[column] = [replacement if is_blank(v) else v for v in values]
    return frame


def prepare(inputs: ReportInputs) -> ReportInputs:
    """Inputs with blank localities as `UNKNOWN` everywhere (tables, passages, metrics keys)
    and blank province, city, doc_type and admin_level as ""."""
    text_columns = {"province": "", "city": "", "doc_type": "", "admin_level": ""}
    with_locality = {"locality": UNKNOWN, **text_columns}
    prevalence = dict(inputs.metrics.get("prevalence", {}))
    top = prevalence.get("top_theme_by_locality", {})
    if isinstance(top, Mapping):
        prevalence["top_theme_by_locality"] = {
            (UNKNOWN if is_blank(k) else str(k)): v for k, v in top.items()
        }
    return dataclasses.replace(
        inputs,
        documents=_filled(inputs.documents, with_locality),
        passages=_filled(inputs.passages, with_locality),
        themes_by_locality=_filled(inputs.themes_by_locality, {"locality": UNKNOWN}),
        themes_by_group={
            group: _filled(frame, {group: UNKNOWN})
            for group, frame in inputs.themes_by_group.items()
        },
        topics_by_locality={
            model: _filled(frame, {"locality": UNKNOWN})
            for model, frame in inputs.topics_by_locality.items()
        },
        metrics={**inputs.metrics, "prevalence": prevalence},
    )


def _most_common(values: pd.Series) -> str:
    kept = [str(v) for v in values if not is_blank(v)]
    return str(pd.Series(kept).value_counts().sort_index().idxmax()) if kept else ""


def locality_info(inputs: ReportInputs) -> pd.DataFrame:
    """One row per locality of the prevalence table: its group (province, else national or
    unknown), level, passages and documents, in display order (group, level, name); `rank`
    orders them by passages (most first), the order in which views are capped."""
    passages, documents = inputs.passages, inputs.documents
    names = sorted(str(n) for n in inputs.themes_by_locality["locality"].unique())
    rows = []
    for name in names:
        mine = passages[passages["locality"] == name]
        docs = documents[documents["locality"] == name]
        province = _most_common(pd.concat([mine["province"], docs["province"]]))
        level = _most_common(docs["admin_level"]) if "admin_level" in docs else ""
        if province:
            group, group_order = province, 1
        elif level == "national" or name == "全国":
            group, group_order = NATIONAL_GROUP, 0
        else:
            group, group_order = UNKNOWN_PROVINCE, 2
        rows.append(
            {
                "locality": name,
                "group": group,
                "group_order": group_order,
                "level": level,
                "level_label": LEVELS.get(level, (9, level))[1],
                "level_order": LEVELS.get(level, (9, level))[0],
                "n_passages": len(mine),
                "n_documents": int(mine["doc_id"].nunique()),
            }
        )
    info = pd.DataFrame(
        rows,
        columns=[
            "locality", "group", "group_order", "level", "level_label", "level_order",
            "n_passages", "n_documents",
        ],
    )  # fmt: skip
    info = info.sort_values(["group_order", "group", "level_order", "locality"]).reset_index(
        drop=True
    )
    ranked = info.sort_values(["n_passages", "locality"], ascending=[False, True])
    return info.assign(rank=pd.Series(range(len(ranked)), index=ranked.index))


def _row_names(info: pd.DataFrame) -> dict[str, str]:
    """Locality labels for heatmap rows: name and province group (江阳区 · 四川省)."""
    return {str(r["locality"]): f"{r['locality']} · {r['group']}" for r in info.to_dict("records")}


def _grouped(info: pd.DataFrame, rows: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`rows` (keyed by locality) in display order, as groups [{name, rows}]."""
    groups: list[dict[str, Any]] = []
    for record in info.to_dict("records"):
        if record["locality"] not in rows:
            continue
        if not groups or groups[-1]["name"] != record["group"]:
            groups.append({"name": record["group"], "rows": []})
        groups[-1]["rows"].append(rows[record["locality"]])
    return groups


def capped_heatmap(
    table: pd.DataFrame,
    group: str,
    label: str,
    label_names: Mapping[str, str],
    group_order: Sequence[str],
    group_rank: Sequence[str],
    params: ReportParams,
    name: str,
    what: tuple[str, str],
    label_rank: Sequence[str] | None = None,
    group_names: Mapping[str, str] | None = None,
    colour_by_lift: bool = False,
) -> dict[str, str]:
    """A heatmap whose size is bounded, and a note on what it leaves out (else "").

    Up to `heatmap_max_columns` groups go across (labels down the rows, as for a few
    localities); more go down the rows, the `heatmap_max_rows` first of `group_rank` only.
    Labels beyond the room left (rows or columns) keep the first of `label_rank`.
    `what` names the groups and the labels for the note, e.g. ("localities", "topics");
    `group_names` labels the groups when they go down the rows (e.g. with their province).
    """
    present = set(table[group].astype(str))
    groups = [g for g in group_order if g in present]
    if not groups:
        return {"figure": "", "note": ""}
    across = len(groups) <= params.heatmap_max_columns
    group_room = len(groups) if across else params.heatmap_max_rows
    shown_groups = set([g for g in group_rank if g in present][:group_room])
    labels = [str(k) for k in label_names if str(k) in set(table[label].astype(str))]
    label_room = params.heatmap_max_rows if across else params.heatmap_max_columns
    ranked_labels = [str(k) for k in (label_rank or labels) if str(k) in set(labels)]
    shown_labels = set(ranked_labels[:label_room])
    data = table.astype({group: str, label: str})
    data = data[data[group].isin(shown_groups) & data[label].isin(shown_labels)]
    order = [g for g in groups if g in shown_groups]
    figure = figures.heatmap(
        data,
        group,
        label,
        {k: v for k, v in label_names.items() if str(k) in shown_labels},
        name,
        transpose=across,
        row_order=order,
        row_labels=None if across else group_names,
        colour_by_lift=colour_by_lift,
    )
    left = []
    if len(shown_groups) < len(groups):
        left.append(f"the {len(shown_groups)} {what[0]} with the most passages of {len(groups)}")
    if len(shown_labels) < len(labels):
        left.append(f"the {len(shown_labels)} largest {what[1]} of {len(labels)}")
    note = f"Showing {' and '.join(left)}; every row is in the CSV." if left else ""
    return {"figure": figure, "note": note}


def _chosen_k(lda_metrics: dict[str, Any]) -> int | None:
    """The K the lda stage chose (metrics.json: {"chosen": {"num_topics": K, ...}})."""
    chosen = lda_metrics.get("chosen", {})
    value = chosen.get("num_topics") if isinstance(chosen, dict) else None
    return value if isinstance(value, int) else None


def _contrasts(
    inputs: ReportInputs, labels: dict[str, str], info: pd.DataFrame, params: ReportParams
) -> list[dict[str, Any]]:
    table = inputs.themes_by_locality
    groups = dict(zip(info["locality"], info["group"], strict=True))
    out = []
    for theme, figures_ in inputs.metrics["prevalence"].get("contrasts", {}).items():
        label = labels.get(theme, theme)
        focus = list(figures_.get("focus", {}))
        versus_province = str(figures_.get("versus_province", ""))
        missing = [str(x) for x in figures_.get("missing_focus", [])]
        skipped = figures_.get("skipped")
        rows = table[table["theme"] == theme]
        if not skipped and not focus:
            skipped = "none of the focus localities is in this corpus"
        entry: dict[str, Any] = {
            "label": label,
            "focus_names": focus or missing,
            "versus_province": versus_province,
            "skipped": str(skipped) if skipped else "",
            "missing": missing,
            "rows": [],
            "rows_note": "",
            "figure": "",
        }
        out.append(entry)
        if skipped or rows.empty:
            continue
        versus = [loc for loc, g in groups.items() if g == versus_province and loc not in focus]
        compared = rows[rows["locality"].isin(focus + versus)]
        compared = compared.sort_values(["prevalence", "locality"], ascending=[False, True])
        room = max(params.heatmap_max_rows, len(focus))
        shown = pd.concat(
            [
                compared[compared["locality"].isin(focus)],
                compared[~compared["locality"].isin(focus)].head(room - len(focus)),
            ]
        ).sort_values(["prevalence", "locality"], ascending=[False, True])
        plotted = rows.sort_values(["prevalence", "locality"], ascending=[False, True])
        plotted = pd.concat(
            [
                plotted[plotted["locality"].isin(focus)],
                plotted[~plotted["locality"].isin(focus)].head(room - len(focus)),
            ]
        )
        assigned = inputs.passages[inputs.passages["theme"] == theme].groupby("locality").size()
        entry |= {
            "rows": [
                {
                    **r,
                    "focus": r["locality"] in focus,
                    "assigned": int(assigned.get(r["locality"], 0)),
                }
                for r in shown.to_dict("records")
            ],
            "rows_note": (
                f"The {room - len(focus)} {versus_province} localities with the largest "
                f"shares of {len(versus)}; all in {CSV['locality']}."
                if len(shown) < len(compared)
                else ""
            ),
            "excludes_shares": figures_.get("focus_excludes_versus_shares"),
            "excludes_intervals": figures_.get("focus_excludes_versus_intervals"),
            "focus_min_low": figures_.get("focus_min_ci_low", float("nan")),
            "versus_max": figures_.get("versus_max", {}),
            "versus_max_high": figures_.get("versus_max_ci_high", float("nan")),
            "figure": figures.contrast_plot(plotted, set(focus), label, f"contrast-{theme}"),
        }
    return out


def _distinctive(
    inputs: ReportInputs,
    rows: pd.DataFrame,
    name: str,
    labels: dict[str, str],
    corpus: dict[str, float],
    params: ReportParams,
    quotes: bool,
) -> list[dict[str, Any]]:
    out = []
    for row in distinctive_themes(rows, params.top_themes).to_dict("records"):
        theme = str(row["theme"])
        out.append(
            {
                **{str(k): v for k, v in row.items()},
                "label": labels.get(theme, theme),
                "corpus": corpus.get(theme, float("nan")),
                "quotes": representative_passages(
                    inputs.passages, name, theme, params.passages_per_theme, params.quote_chars
                )
                if quotes
                else [],
            }
        )
    return out


def _localities(
    inputs: ReportInputs,
    labels: dict[str, str],
    corpus: dict[str, float],
    info: pd.DataFrame,
    params: ReportParams,
) -> dict[str, dict[str, Any]]:
    """Per locality: its profile (figure and quotes only for the `max_profiles` largest)."""
    out: dict[str, dict[str, Any]] = {}
    records = {str(r["locality"]): r for r in info.to_dict("records")}
    table = inputs.themes_by_locality
    for key, rows in table.groupby("locality", sort=True):
        name = str(key)
        record = records[name]
        profiled = int(record["rank"]) < params.max_profiles
        out[name] = {
            "name": name,
            "anchor": f"loc-{int(record['rank']) + 1}",
            "province": record["group"],
            "level": record["level_label"],
            "n_passages": int(record["n_passages"]),
            "n_documents": int(record["n_documents"]),
            "profiled": profiled,
            "figure": (
                figures.profile_bars(rows, corpus, labels, f"profile-{int(record['rank'])}")
                if profiled
                else ""
            ),
            "distinctive": _distinctive(inputs, rows, name, labels, corpus, params, profiled),
        }
    return out


def _documents(inputs: ReportInputs) -> list[dict[str, Any]]:
    counts = inputs.passages.groupby("doc_id").size()
    docs = inputs.documents.sort_values(["province", "locality", "doc_id"])
    return [
        {
            **{
                k: ("" if is_blank(row.get(k)) else row[k])
                for k in ("title", "locality", "province", "doc_type", "language", "admin_level")
            },
            "year": "" if is_blank(row["year"]) else int(row["year"]),
            "n_chars": len(str(row["text"])),
            "n_passages": int(counts.get(row["doc_id"], 0)),
        }
        for row in docs.to_dict("records")
    ]


def _models(
    inputs: ReportInputs, labels: dict[str, str], info: pd.DataFrame, params: ReportParams
) -> list[Any]:
    out = []
    order = info["locality"].tolist()
    rank = info.sort_values("rank")["locality"].tolist()
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
        rows = with_stability(rows, (inputs.topic_stability or {}).get(model))
        topic_labels = {str(r["topic"]): topic_label(r) for r in rows}
        for topic in shares["topic"].astype(str).unique():
            topic_labels.setdefault(topic, topic)
        by_share = [str(r["topic"]) for r in sorted(rows, key=lambda r: -_number(r["share"]))]
        by_share += [t for t in topic_labels if t not in by_share]
        view = (
            capped_heatmap(
                shares,
                "locality",
                "topic",
                topic_labels,
                order,
                rank,
                params,
                f"{model}-map",
                ("localities", "topics"),
                label_rank=by_share,
                group_names=_row_names(info),
            )
            if len(shares)
            else {"figure": "", "note": ""}
        )
        modelled = set(shares["locality"].astype(str))
        missing = [loc for loc in order if loc not in modelled]
        if missing and view["figure"]:
            absent = (
                f"Not in the {name} heatmap: {'、'.join(missing)} ({name} modelled none of "
                "their passages, e.g. a language outside lda.fit_languages)."
            )
            view = {**view, "note": f"{view['note']} {absent}".strip()}
        out.append(
            {
                "name": name,
                "note": _MODEL_NOTES[model],
                "rows": rows,
                "empty_note": (
                    f"{name} found no topic in this corpus"
                    + (" (every passage is an outlier)." if model == "bertopic" else ".")
                    if not rows
                    else ""
                ),
                "heatmap": view["figure"],
                "heatmap_note": view["note"],
                "csv": CSV[model],
            }
        )
    return out


TOPIC_LABEL_WORDS = 3  # top words naming a topic's heatmap row, before its theme


def topic_label(row: Mapping[str, Any]) -> str:
    """A topic's row label: number, top words and mapped theme (Chinese part), so topics
    mapped to one theme stay apart: "T3 绿色、生活、生产 · 生态环保"; an unstable topic (it
    reappears in too few of the stability stage's refits) ends in " ⚠"."""
    words = "、".join(str(row["words"]).split("、")[:TOPIC_LABEL_WORDS])
    theme = str(row["theme"]).split(" ")[0]
    label = f"T{row['topic']} {words} · {theme}" if words else f"T{row['topic']} {theme}"
    return f"{label} ⚠" if row.get("stable") is False else label


def with_stability(
    rows: list[dict[str, Any]], stability: pd.DataFrame | None
) -> list[dict[str, Any]]:
    """Topic rows with `stable` (bool, None when not measured) and `reappear_share` from the
    stability stage's topic table."""
    found: dict[str, tuple[bool, float]] = {}
    if stability is not None and len(stability):
        for r in stability.to_dict("records"):
            is_stable = str(r["stable"]).strip().lower() == "true"
            found[str(r["topic"])] = (is_stable, float(r["reappear_share"]))
    out = []
    for row in rows:
        measured = found.get(str(row["topic"]))
        stable = None if measured is None else measured[0]
        share = float("nan") if measured is None else measured[1]
        out.append({**row, "stable": stable, "reappear_share": share})
    return out


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if number != number else number  # NaN sorts last


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


def _group_order(values: Sequence[str]) -> list[str]:
    """Numbers (years) in numeric order, then other values by name; `unknown` last."""

    def key(value: str) -> tuple[int, float, str]:
        try:
            return (0, float(value), value)
        except ValueError:
            return (1, 0.0, value)

    known = sorted((v for v in values if v != UNKNOWN), key=key)
    return known + [v for v in values if v == UNKNOWN]


def _by_group(
    inputs: ReportInputs, labels: dict[str, str], params: ReportParams
) -> tuple[list[dict[str, Any]], list[str]]:
    views, notes = [], []
    for group, frame in inputs.themes_by_group.items():
        frame = frame.astype({group: str})
        values = sorted(set(frame[group]))
        if len(values) <= 1:
            only = values[0] if values else "none"
            notes.append(f"Every passage has the same {group} ({only}): no view by {group}.")
            continue
        counts = frame.groupby(group)["n_passages"].first()
        rank = sorted(values, key=lambda v: (-int(counts.get(v, 0)), v))
        view = capped_heatmap(
            frame,
            group,
            "theme",
            labels,
            _group_order(values),
            rank,
            params,
            f"by-{group}",
            ({"year": "years", "doc_type": "document types"}.get(group, group), "themes"),
        )
        views.append({"name": group, "path": CSV.get(group, ""), **view})
    return views, notes


def _corpus_notes(inputs: ReportInputs, info: pd.DataFrame) -> list[str]:
    """Caveats a reader needs before the numbers: missing metadata, one locality, national."""
    notes = []
    docs = inputs.documents
    unknown = docs[docs["locality"] == UNKNOWN]
    if len(unknown):
        notes.append(
            f"{len(unknown)} of {len(docs)} documents have no locality; they are counted as "
            f"the locality “{UNKNOWN}”."
        )
    if "admin_level" in docs:
        national = int((docs["admin_level"] == "national").sum())
        if national:
            notes.append(
                f"{national} documents are national (locality 全国); their shares describe "
                "the central government, not a place."
            )
    no_year = int(docs["year"].map(is_blank).sum())
    if no_year:
        notes.append(f"{no_year} documents have no year; they form the year “{UNKNOWN}”.")
    if len(info) == 1:
        notes.append(
            "The corpus has one locality: its shares are the corpus's, every lift is 1, and no "
            "theme is distinctive."
        )
    return notes


def findings_context(inputs: ReportInputs, params: ReportParams) -> dict[str, Any]:
    """The template context: every table and figure of the findings."""
    inputs = prepare(inputs)
    table = inputs.themes_by_locality
    labels = theme_labels(inputs.lexicon, table["theme"].astype(str).unique())
    prevalence = inputs.metrics["prevalence"]
    corpus = {k: float(v["share"]) for k, v in prevalence.get("corpus_share", {}).items()}
    info = locality_info(inputs)
    localities = _localities(inputs, labels, corpus, info, params)
    top = prevalence.get("top_theme_by_locality", {})
    top_rows = {}
    for loc, entry in localities.items():
        best = top.get(loc, {})
        top_rows[loc] = {
            "locality": loc,
            "anchor": entry["anchor"] if entry["profiled"] else "",
            "level": entry["level"],
            "n_passages": entry["n_passages"],
            "theme": labels.get(best.get("theme", ""), best.get("theme", "")),
            "share": best.get("share", float("nan")),
            "ci_low": best.get("ci_low", float("nan")),
            "ci_high": best.get("ci_high", float("nan")),
            "distinctive": "、".join(
                f"{t['label'].split(' ')[0]} ({t['lift']:.1f}×)" for t in entry["distinctive"]
            ),
        }
    profiled = {k: v for k, v in localities.items() if v["profiled"]}
    unprofiled = {k: top_rows[k] for k, v in localities.items() if not v["profiled"]}
    by_group, group_notes = _by_group(inputs, labels, params)
    zh_en = {key: (zh, en) for key, zh, en in inputs.lexicon}
    corpus_ci = prevalence.get("corpus_share", {})
    rank = info.sort_values("rank")["locality"].tolist()
    heatmap = capped_heatmap(
        table,
        "locality",
        "theme",
        labels,
        info["locality"].tolist(),
        rank,
        params,
        "locality-theme",
        ("localities", "themes"),
        group_names=_row_names(info),
        colour_by_lift="lift" in table.columns,
    )
    documents = _documents(inputs)
    ledger = ledger_highlights(inputs.ledger)
    return {
        "overview": {
            "n_documents": len(inputs.documents),
            "n_passages": len(inputs.passages),
            "n_localities": table["locality"].nunique(),
            "n_chars": int(inputs.passages["n_chars"].sum()),
        },
        "notes": _corpus_notes(inputs, info) + group_notes,
        "contrasts": _contrasts(inputs, labels, info, params),
        "top_theme_groups": _grouped(info, top_rows),
        "documents": documents,
        "collapse_documents": len(documents) > params.collapse_rows,
        "ledger": ledger,
        "collapse_ledger": len(ledger["files"]) > params.collapse_rows,
        "collapse_rows": params.collapse_rows,
        "summary_html": markdown_to_html(
            leading_sections(inputs.summary_md, SUMMARY_SECTIONS), max_rows=SUMMARY_ROWS
        ),
        "heatmap": heatmap["figure"],
        "heatmap_note": heatmap["note"],
        "heatmap_across": len(info) <= params.heatmap_max_columns,
        "locality_csv": CSV["locality"],
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
        "profile_groups": _grouped(info, profiled),
        "unprofiled_groups": _grouped(info, unprofiled),
        "n_unprofiled": len(unprofiled),
        "max_profiles": params.max_profiles,
        "max_distinctive": params.top_themes,
        "by_group": by_group,
        "models": _models(inputs, labels, info, params),
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
