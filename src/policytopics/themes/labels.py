"""Training labels for the theme classifier: hand labels, and weak labels in order of trust."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from policytopics.errors import UserError
from policytopics.themes.lexicon import Lexicon

# Label sources, most trusted first: a passage takes the label of the first source that has one.
SOURCES: tuple[str, ...] = ("hand", "heading", "lexicon", "topic")
HAND_LABEL_COLUMNS: tuple[str, ...] = ("text", "passage_id", "theme", "split", "source_file")
SPLITS: tuple[str, ...] = ("train", "test")
_NON_WORD = re.compile(r"[\W_]+")


# pool: how a row was sampled ("random" = at random from its document, so a document's random
# rows estimate its theme shares; docs/estimators.md), "" when the file does not say
LABEL_COLUMNS: tuple[str, ...] = (*HAND_LABEL_COLUMNS, "corpus", "document", "doc_split", "pool")
UNCLEAR = "unclear"  # a row whose content has no primary theme: kept in files, never used


def label_paths(paths: Sequence[Path]) -> list[Path]:
    """The label files named: a file as given, a directory as its *.csv files (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(path.glob("*.csv")))
        elif path.is_file():
            out.append(path)
        else:
            raise UserError(f"{path}: no such label file or directory (corpus.labels)")
    return out


def read_label_files(paths: Sequence[Path], lexicon: Lexicon) -> pd.DataFrame:
    """Hand labels of every file in `paths` (a directory: its *.csv), one frame.

    Rows labelled `unclear` and rows of a later reading (`reading` > 1, an agreement check)
    are skipped. `corpus` is the file's `corpus` column, else the file's folder name
    (seeds/labels.csv -> seeds); `document` its `document` column, else "" (found later by
    text in the corpus). A file with a `document` column splits by document: `doc_split` is its
    `split`, and a document on both sides is an error; otherwise `doc_split` is "" (assigned
    by the document rule, `themes.documents`) and `split` stays the sentence-wise one.
    """
    frames = [read_hand_labels(path, lexicon) for path in label_paths(paths)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in LABEL_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(LABEL_COLUMNS)]


def read_hand_labels(path: Path, lexicon: Lexicon) -> pd.DataFrame:
    """One label file: `text` or `passage_id`, `theme`, optional `split` (default train),
    `corpus`, `document`, `reading` (see `read_label_files`)."""
    if not path.is_file():
        raise UserError(f"{path}: no such label file (corpus.labels)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: not a readable CSV ({str(error).splitlines()[0]})") from None
    if "reading" in frame.columns:
        frame = frame[frame["reading"].str.strip().isin(["", "1"])]
    if "theme" in frame.columns:
        frame = frame[frame["theme"].str.strip() != UNCLEAR]
    out = validate_hand_labels(frame.reset_index(drop=True), lexicon, str(path))
    out["source_file"] = out["source_file"].where(out["source_file"] != "", path.name)
    corpus = frame["corpus"].astype(str).str.strip() if "corpus" in frame.columns else None
    out["corpus"] = corpus.to_numpy() if corpus is not None else path.parent.name
    out.loc[out["corpus"] == "", "corpus"] = path.parent.name
    pool = frame["pool"] if "pool" in frame.columns else pd.Series("", index=frame.index)
    out["pool"] = pool.astype(str).str.strip().to_numpy()
    if "document" in frame.columns:
        out["document"] = frame["document"].astype(str).str.strip().to_numpy()
        if (out["document"] == "").any():
            row = int(out.index[out["document"] == ""][0]) + 2
            raise UserError(f"{path}: row {row} has an empty document")
        sides = out.groupby("document")["split"].nunique()
        if (sides > 1).any():
            raise UserError(
                f"{path}: document {sides.index[sides > 1][0]!r} is in both train and test; "
                "a file with a document column must split by document"
            )
        out["doc_split"] = out["split"]
    else:
        out["document"] = ""
        out["doc_split"] = ""
    return out


def validate_hand_labels(frame: pd.DataFrame, lexicon: Lexicon, source: str) -> pd.DataFrame:
    """Check hand labels against the lexicon; every row names a text or a passage id."""
    if "theme" not in frame.columns or not {"text", "passage_id"} & set(frame.columns):
        raise UserError(f"{source}: needs a `theme` column and a `text` or `passage_id` column")
    out = frame.copy()
    for column in HAND_LABEL_COLUMNS:
        if column not in out.columns:
            out[column] = "train" if column == "split" else ""
        out[column] = out[column].fillna("").astype(str).str.strip()
    out.loc[out["split"] == "", "split"] = "train"
    unknown = sorted(set(out["theme"]) - set(lexicon.keys))
    if unknown:
        raise UserError(f"{source}: unknown themes {unknown}; known: {lexicon.keys}")
    bad_split = sorted(set(out["split"]) - set(SPLITS))
    if bad_split:
        raise UserError(f"{source}: split must be train or test, got {bad_split}")
    empty = out.index[(out["text"] == "") & (out["passage_id"] == "")]
    if len(empty):
        raise UserError(f"{source}: row {int(empty[0]) + 2} has neither text nor passage_id")
    return out[list(HAND_LABEL_COLUMNS)].reset_index(drop=True)


def dominant_theme(counts: Mapping[str, int], min_count: int, min_ratio: float) -> str | None:
    """The theme whose count is at least `min_count` and `min_ratio` times the runner-up's."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] < min_count:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if ranked[0][1] < min_ratio * runner_up or ranked[0][1] == runner_up:
        return None
    return ranked[0][0]


def heading_theme(
    section_path: str, lexicon: Lexicon, ignore: frozenset[str] = frozenset({"general"})
) -> str | None:
    """Theme of the deepest heading above a passage that names exactly one theme.

    `第一节提质发展白酒产业集群` -> liquor_industry; `第八篇筑牢长江上游生态屏障新基础` ->
    ecology. Headings are joined with " > " in passages.parquet. Themes in `ignore` say
    nothing about content (`一、“十三五”时期工作回顾` is general, its passages are not), so
    such a heading defers to its parent.
    """
    for heading in reversed([h.strip() for h in section_path.split(" > ") if h.strip()]):
        counts = {k: n for k, n in lexicon.count_matches(heading).items() if k not in ignore}
        theme = dominant_theme(counts, min_count=1, min_ratio=1.0)
        if theme is not None:
            return theme
    return None


def lexicon_theme(text: str, lexicon: Lexicon, min_count: int, min_ratio: float) -> str | None:
    """Theme whose seed terms clearly dominate a passage, else None."""
    return dominant_theme(lexicon.count_matches(text), min_count, min_ratio)


def topic_themes_for_passages(
    doc_topics: pd.DataFrame,
    topic_themes: pd.DataFrame,
    model: str,
    min_probability: float,
    min_score: float,
) -> pd.Series:
    """passage_id -> theme of its dominant topic, when both the topic and its mapping are confident.

    `doc_topics` has passage_id, topic, probability (one row per passage); `topic_themes` the
    themes stage's table (model, topic, theme, score).
    """
    mapping = topic_themes[
        (topic_themes["model"] == model)
        & (topic_themes["theme"] != "unmapped")
        & (topic_themes["score"] >= min_score)
    ].set_index("topic")["theme"]
    confident = doc_topics[doc_topics["probability"] >= min_probability]
    themes = confident["topic"].map(mapping)
    return pd.Series(themes.to_numpy(), index=confident["passage_id"].to_numpy()).dropna()


def combine_labels(
    candidates: Mapping[str, Mapping[str, str]], passage_ids: Sequence[str]
) -> pd.DataFrame:
    """One label per passage from the most trusted source that has one (see SOURCES).

    `candidates` maps a source name to {passage_id: theme}. Returns passage_id, theme, source
    for the labelled passages, in `passage_ids` order.
    """
    unknown = sorted(set(candidates) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown label sources {unknown}")
    rows = []
    for pid in passage_ids:
        for source in SOURCES:
            theme = candidates.get(source, {}).get(pid)
            if theme:
                rows.append((pid, theme, source))
                break
    return pd.DataFrame(rows, columns=["passage_id", "theme", "source"])


def hand_labels_by_passage(hand: pd.DataFrame, passages: pd.DataFrame) -> dict[str, str]:
    """Hand labels that name a passage: by passage_id, or by a text equal to the passage's text."""
    by_id = {
        pid: theme for pid, theme in zip(hand["passage_id"], hand["theme"], strict=True) if pid
    }
    by_text = {
        match_key(t): theme for t, theme in zip(hand["text"], hand["theme"], strict=True) if t
    }
    out: dict[str, str] = {}
    for pid, text in zip(passages["passage_id"], passages["text"], strict=True):
        if pid in by_id:
            out[pid] = by_id[pid]
        elif match_key(text) in by_text:
            out[pid] = by_text[match_key(text)]
    return out


def match_key(text: str) -> str:
    """Text reduced to lower-cased letters and digits, so punctuation and spacing never matter."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text)).lower()


def containing_rows(needles: Sequence[str], haystacks: Sequence[str]) -> list[set[int]]:
    """For each needle, the positions of the haystacks that contain it (punctuation ignored)."""
    keys = [match_key(h) for h in haystacks]
    out = []
    for needle in needles:
        key = match_key(needle)
        out.append({i for i, hay in enumerate(keys) if key and key in hay})
    return out


def passages_containing(texts: Sequence[str], passages: pd.DataFrame) -> set[str]:
    """Ids of passages whose text contains any of `texts` (to keep held-out items unseen)."""
    ids = passages["passage_id"].tolist()
    hits = containing_rows(texts, passages["text"].tolist())
    return {ids[i] for rows in hits for i in rows}


def dominant_topics_lda(doc_topics: pd.DataFrame) -> pd.DataFrame:
    """passage_id, topic, probability of each passage's largest LDA topic share."""
    columns = [c for c in doc_topics.columns if c.startswith("topic_")]
    shares = doc_topics[columns].to_numpy(dtype=float)
    best = shares.argmax(axis=1)
    return pd.DataFrame(
        {
            "passage_id": doc_topics["passage_id"].to_numpy(),
            "topic": [int(columns[i].removeprefix("topic_")) for i in best],
            "probability": shares[range(len(best)), best],
        }
    )


def weak_label_candidates(
    passages: pd.DataFrame,
    lexicon: Lexicon,
    *,
    headings: bool,
    lexicon_dominance: tuple[int, float] | None,
    topic_votes: Sequence[pd.Series] = (),
) -> dict[str, dict[str, str]]:
    """Weak labels per source: section headings, lexicon dominance, confidently mapped topics.

    `topic_votes` are passage_id -> theme series (one per topic model, see
    `topic_themes_for_passages`); a passage gets a topic label only when the models agree.
    """
    out: dict[str, dict[str, str]] = {"heading": {}, "lexicon": {}, "topic": {}}
    for pid, path, text in zip(
        passages["passage_id"], passages["section_path"], passages["text"], strict=True
    ):
        if headings and path:
            theme = heading_theme(str(path), lexicon)
            # the passage itself must mention the heading's theme at least once
            if theme is not None and lexicon.count_matches(str(text))[theme] > 0:
                out["heading"][pid] = theme
        if lexicon_dominance is not None:
            theme = lexicon_theme(str(text), lexicon, *lexicon_dominance)
            if theme is not None:
                out["lexicon"][pid] = theme
    votes: dict[str, set[str]] = {}
    for series in topic_votes:
        for pid, theme in series.items():
            votes.setdefault(str(pid), set()).add(str(theme))
    out["topic"] = {pid: next(iter(t)) for pid, t in votes.items() if len(t) == 1}
    return out
