"""The corpus summary a researcher reads first (Markdown), and the segment stage's metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from policytopics.config import SegmentParams
from policytopics.corpus.segment import bounds
from policytopics.corpus.sentences import CUT_LEVELS

METRIC_CUTS_LISTED = 20  # cut sentences named in the metrics; all are in the corpus summary

# What each ingest ledger reason means; a reason not listed here is shown by its key.
REMOVAL_REASONS: dict[str, str] = {
    "site_chrome": "网站栏目、投稿须知、电话、菜单 (site chrome: menus, terms, phone numbers)",
    "scrape_date": "网页抓取日期 (dates the scraper added)",
    "disclaimer": "网站免责声明 声明:本站… (site disclaimer)",
    "end_marker": "“- END -” 结束标记 (end marker)",
    "teasers_after_end": "“- END -”之后的无关文章推荐 (unrelated article teasers after the end)",
    "title_to_metadata": "标题行，移入元数据 title (title line, kept as metadata)",
    "byline_to_metadata": "Author/Time 署名行，移入元数据 (byline, kept as metadata)",
    "source_credit": "来源署名 Source: … (source credit)",
    "whitespace": "空白：PDF 提取造成的中文内空格、空行 (whitespace, PDF-extraction spaces)",
    "stray_punctuation": "孤立标点 (stray punctuation)",
    "zero_width": "零宽字符 (zero-width characters)",
}


def _cell(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if text in ("<NA>", "nan"):
        text = ""
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def outside_bounds(passages: pd.DataFrame, params: SegmentParams) -> pd.DataFrame:
    """Passages shorter than min_chars or longer than max_chars for their language."""
    limits = passages["language"].map(lambda lang: bounds(params, str(lang)))
    low = passages["n_chars"] < limits.map(lambda b: b[0])
    high = passages["n_chars"] > limits.map(lambda b: b[1])
    return passages[low | high]


def segment_metrics(
    passages: pd.DataFrame,
    sentences: pd.DataFrame,
    heading_chars: Mapping[str, int],
    params: SegmentParams,
    *,
    cuts: pd.DataFrame,
) -> dict[str, Any]:
    """Counts and passage length statistics for DVC (`dvc metrics show`).

    `cuts` (segment.CUT_COLUMNS): the over-long sentences cut into pieces; the metrics count
    them and name the first passage of the first `METRIC_CUTS_LISTED`.
    """
    by_language = {}
    for language, group in passages.groupby("language", sort=True):
        lengths = group["n_chars"]
        by_language[str(language)] = {
            "n_passages": len(group),
            "min_chars": int(lengths.min()),
            "median_chars": float(lengths.median()),
            "max_chars": int(lengths.max()),
        }
    exceptions = outside_bounds(passages, params)
    limits = passages["language"].map(lambda lang: bounds(params, str(lang))[0])
    return {
        "n_documents": int(passages["doc_id"].nunique()),
        "n_passages": len(passages),
        "n_sentences": len(sentences),
        "n_below_min": int((exceptions["n_chars"] < limits[exceptions.index]).sum()),
        "n_above_max": int((exceptions["n_chars"] >= limits[exceptions.index]).sum()),
        "chars_in_headings": int(sum(heading_chars.values())),
        "chars_in_passages": int(passages["text"].map(lambda t: len("".join(t.split()))).sum()),
        "n_sentences_cut": len(cuts),
        "n_sentence_pieces": int(cuts["n_pieces"].sum()),
        "sentences_cut_at": {level: int((cuts["cut_at"] == level).sum()) for level in CUT_LEVELS},
        "sentences_cut_in": [str(v) for v in cuts["first_passage_id"][:METRIC_CUTS_LISTED]],
        "by_language": by_language,
    }


def corpus_summary(
    documents: pd.DataFrame,
    passages: pd.DataFrame,
    metrics: Mapping[str, Any],
    ledger: Mapping[str, Any],
    params: SegmentParams,
    *,
    cuts: pd.DataFrame,
) -> str:
    """reports/corpus/summary.md: documents per locality, characters, passages, removals, and
    the over-long sentences cut into pieces (`cuts`, segment.CUT_COLUMNS)."""
    totals = ledger.get("totals", {})
    lines = [
        "# 语料概览 Corpus summary",
        "",
        "Written by the DVC stages `ingest` and `segment` from `seeds/`; do not edit by hand.",
        "Every character of the raw files is either in a passage, in a heading (kept as the",
        "passages' `section_path`), in document metadata, or listed below as removed. How",
        "passages are cut: README, section `segment`.",
        "",
        "## 总览 Totals",
        "",
        *_table(
            ["项目 item", "数量 count"],
            [
                [
                    "文件 files read / skipped",
                    f"{totals.get('n_files', '?')} / {totals.get('n_files_skipped', '?')}",
                ],
                ["文档 documents", len(documents)],
                ["地区 localities", documents["locality"].nunique()],
                ["正文字符 characters kept by ingest", f"{totals.get('chars_kept', 0):,}"],
                ["删除字符 characters removed by ingest", f"{totals.get('chars_removed', 0):,}"],
                [
                    "标题字符 characters in headings (→ section_path)",
                    f"{metrics['chars_in_headings']:,}",
                ],
                [
                    "段落字符 characters in passages (no whitespace)",
                    f"{metrics['chars_in_passages']:,}",
                ],
                ["段落 passages", f"{metrics['n_passages']:,}"],
                ["句子 sentences", f"{metrics['n_sentences']:,}"],
                [
                    "超长句切分 over-long sentences cut / pieces",
                    f"{len(cuts):,} / {int(cuts['n_pieces'].sum()):,}",
                ],
                [
                    "段落长度 passage bounds (zh / en characters)",
                    f"{params.min_chars}–{params.max_chars} / "
                    f"{params.en_min_chars}–{params.en_max_chars}",
                ],
            ],
        ),
        "",
        "## 各地文档 Documents per locality",
        "",
        *_documents_table(documents, passages),
        "",
        "## 删除内容 What ingest removed, and why",
        "",
        *_removals(ledger),
        "",
        "## 段落长度例外 Passages outside the bounds",
        "",
        *_exceptions(passages, params),
        "",
        "## 超长句切分 Over-long sentences cut into pieces",
        "",
        *_cuts(cuts, params),
        "",
    ]
    return "\n".join(lines)


def _documents_table(documents: pd.DataFrame, passages: pd.DataFrame) -> list[str]:
    stats = passages.groupby("doc_id")["n_chars"].agg(["count", "min", "median", "max"])
    rows = []
    ordered = documents.sort_values(["province", "city", "locality", "doc_id"])
    for doc in ordered.to_dict("records"):
        s = stats.loc[doc["doc_id"]] if doc["doc_id"] in stats.index else None
        rows.append(
            [
                doc["locality"],
                doc["province"],
                doc["city"],
                doc["title"],
                doc["year"],
                doc["doc_type"],
                doc["language"],
                f"{len(str(doc['text'])):,}",
                int(s["count"]) if s is not None else 0,
                f"{int(s['min'])} / {s['median']:.0f} / {int(s['max'])}" if s is not None else "",
                doc["doc_id"],
            ]
        )
    header = ["地区 locality", "省 province", "市 city", "标题 title", "年 year", "类型 doc_type"]
    header += ["语言", "字符 chars", "段落 passages", "长度 min / median / max", "doc_id"]
    lines = _table(header, rows)
    empty = sorted(set(documents["doc_id"]) - set(stats.index))
    if empty:
        lines += ["", f"Documents without any passage (empty body): {', '.join(empty)}"]
    return lines


def _removals(ledger: Mapping[str, Any]) -> list[str]:
    by_reason = ledger.get("totals", {}).get("chars_removed_by_reason", {})
    rows: list[list[object]] = [
        [reason, f"{chars:,}", REMOVAL_REASONS.get(reason, "")]
        for reason, chars in sorted(by_reason.items(), key=lambda kv: -int(kv[1]))
    ]
    lines = _table(["原因 reason", "字符 chars", "说明 what it is"], rows)
    removals = sorted(
        (
            (str(f["file"]), removal)
            for f in ledger.get("files", [])
            for source in (f, *f.get("documents", []))  # the file's lines and each document's
            for removal in source.get("removed_lines", [])
        ),
        key=lambda item: (item[0], int((item[1].get("lines") or [0])[0])),
    )
    removed: list[list[object]] = [
        [
            name,
            removal["reason"],
            "–".join(str(n) for n in removal.get("lines", [])),
            removal["chars"],
            str(removal["preview"])[:60],
        ]
        for name, removal in removals
    ]
    if removed:
        lines += ["", "Removed lines, per file (line numbers in the raw file):", ""]
        lines += _table(["file", "reason", "lines", "chars", "preview"], removed)
    skipped = [[s.get("file", ""), s.get("reason", "")] for s in ledger.get("skipped", [])]
    if skipped:
        lines += ["", "Skipped files:", "", *_table(["file", "reason"], skipped)]
    return lines


def _exceptions(passages: pd.DataFrame, params: SegmentParams) -> list[str]:
    outside = outside_bounds(passages, params)
    if outside.empty:
        return ["None: every passage is within its bounds."]
    lines = [
        "A passage never crosses a heading, so a section shorter than the minimum as a whole",
        "(a part's one-sentence introduction, a document's title lines) stays a short passage,",
        "and a short tail that cannot be rebalanced makes its passage slightly longer than the",
        "maximum.",
        "",
    ]
    rows = [
        [row["passage_id"], row["n_chars"], row["section_path"], str(row["text"])[:40]]
        for row in outside.to_dict("records")
    ]
    return lines + _table(["passage_id", "chars", "section_path", "text"], rows)


def _cuts(cuts: pd.DataFrame, params: SegmentParams) -> list[str]:
    if cuts.empty:
        return ["None: every sentence fits in a passage."]
    lines = [
        f"A sentence longer than a passage ({params.max_chars} Chinese / {params.en_max_chars}",
        "English characters) is cut into pieces, each a row of the sentences table: at its",
        "clause punctuation (，；：、) where it has some (cut_at clause), else at spaces (space),",
        "else every max_chars characters (hard). The pieces together are the sentence's text.",
        "",
    ]
    rows: list[list[object]] = [
        [
            row["doc_id"],
            row["first_passage_id"]
            if row["first_passage_id"] == row["last_passage_id"]
            else f"{row['first_passage_id']} … {row['last_passage_id']}",
            f"{int(row['n_chars']):,}",
            row["n_pieces"],
            row["cut_at"],
            row["preview"],
        ]
        for row in cuts.to_dict("records")
    ]
    return lines + _table(["doc_id", "passages", "chars", "pieces", "cut_at", "text"], rows)
