"""The `bertopic` stage end to end on the tiny corpus: every output written, every passage kept."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _bars import step_labels
from plotly.offline import get_plotlyjs
from test_bertopic import tiny_corpus

from policytopics.models.bertopic import load_topic_model, predict_topics

PARAMS_YAML = """
seed: 42
bertopic:
  align_languages: false  # keep the embeddings bit-identical to test_bertopic's fit
  fit_languages: []       # fit every passage, as test_bertopic does
  umap: {n_neighbors: 5, n_components: 2, min_dist: 0.0, metric: cosine}
  hdbscan: {min_cluster_size: 8, min_samples: 10}
  outliers: {strategy: embeddings, threshold: 0.0}
  top_words: 5
  min_df: 2
  max_df: 0.9
  visualise_top_n_topics: 5
"""


@pytest.fixture(scope="module")
def stage_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import policytopics.stages.bertopic as stage

    root = tmp_path_factory.mktemp("bertopic_stage")
    tokens, embeddings, subjects = tiny_corpus()
    n = len(tokens)
    ids = [f"d{i // 10}#01/p{i:04d}" for i in range(n)]
    languages = ["en" if i in (3, 25) else "zh" for i in range(n)]
    passages = pd.DataFrame(
        {
            "passage_id": ids,
            "doc_id": [i.split("/")[0] for i in ids],
            "language": languages,
            "locality": ["泸州市" if s == "liquor" else "渝北区" for s in subjects],
            "text": ["".join(t) + "。" for t in tokens],
        }
    )
    passages.to_parquet(root / "passages.parquet")
    pd.DataFrame({"passage_id": ids, "tokens": tokens}).to_parquet(root / "tokens.parquet")
    order = list(reversed(range(n)))  # the stage must re-align by passage_id
    pd.DataFrame(
        {"passage_id": [ids[i] for i in order], "embedding": [embeddings[i] for i in order]}
    ).to_parquet(root / "embeddings.parquet")
    zero = np.zeros(16, np.float32)
    pd.DataFrame({"language": ["zh", "en"], "embedding": [zero, zero]}).to_parquet(
        root / "anchors.parquet"
    )
    (root / "params.yaml").write_text(PARAMS_YAML, encoding="utf-8")
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stderr(io.StringIO()) as stderr,
    ):
        patch.chdir(root)
        stage.main(
            Path("passages.parquet"),
            Path("tokens.parquet"),
            Path("embeddings.parquet"),
            Path("anchors.parquet"),
            Path("model"),
            Path("out/topics.csv"),
            Path("out/topic_info.csv"),
            Path("out/cross_language.csv"),
            Path("out/assignments.parquet"),
            Path("out/metrics.json"),
            Path("out/barchart.html"),
            Path("out/per_locality.html"),
            Path("out/hierarchy.html"),
        )
    (root / "stderr.log").write_text(stderr.getvalue(), encoding="utf-8")
    return root


def test_the_progress_bar_names_each_step_in_turn(stage_run: Path) -> None:
    assert step_labels(stage_run / "stderr.log", "bertopic", 5) == [
        "bertopic",
        "bertopic: reduce (UMAP) and cluster (HDBSCAN)",
        "bertopic: describe topics",
        "bertopic: topic quality (coherence)",
        "bertopic: save model and tables",
        "bertopic: figures",
        "bertopic",
    ]


def test_every_passage_gets_a_topic_and_probability(stage_run: Path) -> None:
    out = pd.read_parquet(stage_run / "out/assignments.parquet")
    passages = pd.read_parquet(stage_run / "passages.parquet")
    assert list(out.columns) == ["passage_id", "topic", "probability", "topic_before_reduction"]
    assert out["passage_id"].tolist() == passages["passage_id"].tolist()
    assert (out["topic"] >= 0).all() and (out["topic_before_reduction"] == -1).sum() == 6


def test_metrics_line_up_with_lda_and_report_outliers(stage_run: Path) -> None:
    metrics = json.loads((stage_run / "out/metrics.json").read_text(encoding="utf-8"))
    assert metrics["chosen"]["num_topics"] == 3
    assert set(metrics["chosen"]) == {"num_topics", "c_v", "c_npmi", "diversity"}
    assert metrics["outliers"] == {"share_before": round(6 / 66, 6), "share_after": 0.0}
    assert metrics["clusters"] == {"min_cluster_size": 8, "found": 3, "merged": 0}
    assert metrics["prediction"]["reload_agrees_with_fitted"] == 1.0
    assert metrics["passages"] == {
        "total": 66,
        "zh": 64,
        "en": 2,
        "fitted": 66,
        "assigned_to_nearest_topic": 0,
    }


def test_tables_and_cross_language_examples(stage_run: Path) -> None:
    topics = pd.read_csv(stage_run / "out/topics.csv", encoding="utf-8-sig")
    assert list(topics.columns) == ["topic", "rank", "word", "weight"] and len(topics) == 15
    info = pd.read_csv(stage_run / "out/topic_info.csv", encoding="utf-8-sig")
    assert info["size"].sum() == 66 and info["n_en"].sum() == 2
    examples = pd.read_csv(stage_run / "out/cross_language.csv", encoding="utf-8-sig")
    # each English passage, and how many Chinese passages share its topic
    assert examples[["passage_id", "zh_passages_in_topic"]].values.tolist() == [
        ["d0#01/p0003", 25],
        ["d2#01/p0025", 19],
    ]


def test_figures_are_offline_html_with_chinese(stage_run: Path) -> None:
    for name in ("barchart", "per_locality", "hierarchy"):
        html = (stage_run / f"out/{name}.html").read_text(encoding="utf-8")
        assert "<script src=" not in html  # nothing loaded from a CDN ...
        assert get_plotlyjs() in html and html.count("Plotly.newPlot(") == 1  # ... it is inlined
    assert "白酒" in (stage_run / "out/barchart.html").read_text(encoding="utf-8")
    assert "泸州市" in (stage_run / "out/per_locality.html").read_text(encoding="utf-8")


def test_saved_model_predicts_the_assignments(stage_run: Path) -> None:
    model, anchors = load_topic_model(stage_run / "model")
    _, embeddings, _ = tiny_corpus()
    predicted, _ = predict_topics(model, embeddings)
    out = pd.read_parquet(stage_run / "out/assignments.parquet")
    clean = out["topic_before_reduction"] >= 0
    assert (np.array(predicted)[clean.to_numpy()] == out.loc[clean, "topic"].to_numpy()).all()
    assert anchors is None  # align_languages: false


def test_tables_that_miss_a_passage_are_a_user_error() -> None:
    from policytopics.errors import UserError
    from policytopics.models.bertopic_check import passage_frame

    passages = pd.DataFrame(
        {
            "passage_id": ["a", "b"],
            "doc_id": ["d", "d"],
            "language": ["zh", "zh"],
            "locality": ["泸州市", "泸州市"],
            "text": ["发展白酒产业。", "保护长江生态。"],
        }
    )
    tokens = pd.DataFrame({"passage_id": ["a", "b"], "tokens": [["白酒"], ["长江"]]})
    vectors = pd.DataFrame({"passage_id": ["b"], "embedding": [np.ones(2, np.float32)]})
    with pytest.raises(UserError, match=r"embeddings table does not match .* 1 passages missing"):
        passage_frame(passages, tokens, vectors)
    both = pd.DataFrame({"passage_id": ["b", "a"], "embedding": [np.ones(2), np.zeros(2)]})
    frame, matrix = passage_frame(passages, tokens, both)
    assert frame["tokens"].map(list).tolist() == [["白酒"], ["长江"]]
    assert matrix.tolist() == [[0.0, 0.0], [1.0, 1.0]]  # re-aligned by passage_id
