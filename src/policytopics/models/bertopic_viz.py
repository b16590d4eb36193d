"""BERTopic's own figures as standalone offline HTML (plotly inlined; Chinese labels kept)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bertopic import BERTopic

from policytopics.io import atomic_path


def write_figure(figure: Any, path: Path, title: str) -> None:
    """One self-contained HTML file: plotly.js inlined, so it opens without a network."""
    figure.update_layout(
        title={"text": title},
        font={"family": "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"},
    )
    with atomic_path(path) as tmp:
        # A fixed div id (plotly draws a random one) keeps the page byte-identical across runs.
        figure.write_html(tmp, include_plotlyjs=True, full_html=True, div_id=path.stem)


def topic_barchart(model: BERTopic, top_n_topics: int, n_words: int = 8) -> Any:
    """Top c-TF-IDF words of the largest topics."""
    return model.visualize_barchart(top_n_topics=top_n_topics, n_words=n_words, width=280)


def topics_per_locality(
    model: BERTopic, docs: Sequence[str], localities: Sequence[str], top_n_topics: int
) -> Any:
    """How often each topic occurs in each locality's passages, with locality-specific words."""
    per_class = model.topics_per_class(list(docs), classes=[str(c) for c in localities])
    # BERTopic walks the classes as a set (hash order, new in every process): sort the rows.
    per_class = per_class.sort_values(["Topic", "Class"], kind="stable").reset_index(drop=True)
    return model.visualize_topics_per_class(
        per_class, top_n_topics=top_n_topics, normalize_frequency=False
    )


def topic_hierarchy(model: BERTopic, docs: Sequence[str]) -> Any:
    """Agglomerative hierarchy of the topics from their c-TF-IDF vectors."""
    hierarchy = model.hierarchical_topics(list(docs))
    return model.visualize_hierarchy(hierarchical_topics=hierarchy)


def write_visualisations(
    model: BERTopic,
    docs: Sequence[str],
    localities: Sequence[str],
    top_n_topics: int,
    barchart_path: Path,
    per_locality_path: Path,
    hierarchy_path: Path,
) -> None:
    """The three figures researchers use most, written where dvc.yaml says."""
    write_figure(topic_barchart(model, top_n_topics), barchart_path, "BERTopic: topic words")
    write_figure(
        topics_per_locality(model, docs, localities, top_n_topics),
        per_locality_path,
        "BERTopic: topics per locality",
    )
    write_figure(topic_hierarchy(model, docs), hierarchy_path, "BERTopic: topic hierarchy")
