"""The themes and classify stage modules end to end on tiny tables (fake embedder)."""

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _theme_fixtures import DIM, SENTENCES, FakeEmbedder, passages_frame

import policytopics.stages.classify as classify_stage
import policytopics.stages.themes as themes_stage
from policytopics.config import TokenizeParams
from policytopics.text.tokenize import build_tokenizer

THEMES = ["ecology", "digital_economy", "liquor_industry", "general"]


@pytest.fixture
def tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(themes_stage, "build_embedder", lambda params: FakeEmbedder())
    monkeypatch.setattr(classify_stage, "build_embedder", lambda params: FakeEmbedder())
    passages = passages_frame()
    texts = passages["text"].tolist()
    tokenizer = build_tokenizer(TokenizeParams())
    passages.to_parquet(tmp_path / "passages.parquet")
    pd.DataFrame(
        {
            "passage_id": passages["passage_id"],
            "language": "zh",
            "tokens": [tokenizer.tokenize(t, "zh") for t in texts],
        }
    ).to_parquet(tmp_path / "tokens.parquet")
    vectors = FakeEmbedder().embed(texts)
    pd.DataFrame({"passage_id": passages["passage_id"], "embedding": list(vectors)}).to_parquet(
        tmp_path / "embeddings.parquet"
    )
    pd.DataFrame(
        {"language": ["zh", "en"], "embedding": [np.zeros(DIM, np.float32)] * 2}
    ).to_parquet(tmp_path / "anchors.parquet")
    truth = [THEMES.index(k) for k, _ in SENTENCES]  # topic i is theme i, six passages each
    shares = np.full((len(texts), 4), 0.05)
    shares[range(len(texts)), truth] = 0.85
    lda = pd.DataFrame(shares, columns=[f"topic_{i}" for i in range(4)])
    lda.insert(0, "passage_id", passages["passage_id"])
    lda.to_parquet(tmp_path / "lda_doc_topics.parquet")
    bert = pd.DataFrame({"passage_id": passages["passage_id"], "topic": truth, "probability": 0.9})
    bert.to_parquet(tmp_path / "bertopic_topics.parquet")
    words = {
        0: ["生态", "污染", "保护"],
        1: ["数字经济", "大数据", "软件"],
        2: ["白酒", "酿酒", "高粱"],
        3: ["推进", "工作", "代表"],
    }
    topics = pd.DataFrame(
        [(t, r + 1, w, 0.3 - 0.1 * r) for t, ws in words.items() for r, w in enumerate(ws)],
        columns=["topic", "rank", "word", "weight"],
    )
    topics.to_csv(tmp_path / "lda_topics.csv", index=False)
    topics.to_csv(tmp_path / "bertopic_topics.csv", index=False)
    labels = pd.DataFrame(
        {
            "text": [t for _, t in SENTENCES],
            "theme": [k for k, _ in SENTENCES],
            "split": ["test" if i % 4 == 0 else "train" for i in range(len(SENTENCES))],
        }
    )
    labels.to_csv(tmp_path / "labels.csv", index=False)
    return tmp_path


def test_themes_then_classify_write_every_output(
    tables: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = tables
    themes_stage.main(
        argparse.Namespace(
            passages=t / "passages.parquet",
            embeddings=t / "embeddings.parquet",
            lda_topics=t / "lda_topics.csv",
            lda_doc_topics=t / "lda_doc_topics.parquet",
            bertopic_topics=t / "bertopic_topics.csv",
            bertopic_doc_topics=t / "bertopic_topics.parquet",
            topic_themes=t / "out" / "topic_themes.csv",
            audit=t / "out" / "audit.md",
            audit_table=t / "out" / "audit.csv",
        )
    )
    mapping = pd.read_csv(t / "out" / "topic_themes.csv", encoding="utf-8-sig")
    assert mapping[mapping["model"] == "lda"]["theme"].tolist() == [
        "ecology",
        "digital_economy",
        "liquor_industry",
        "unmapped",
    ]
    assert "## Themes no topic expresses" in (t / "out" / "audit.md").read_text(encoding="utf-8")
    assert "themes: lda: 3/4 topics mapped to 3 of 13 themes" in capsys.readouterr().out

    classify_stage.main(
        argparse.Namespace(
            passages=t / "passages.parquet",
            tokens=t / "tokens.parquet",
            embeddings=t / "embeddings.parquet",
            anchors=t / "anchors.parquet",
            labels=t / "labels.csv",
            topic_themes=t / "out" / "topic_themes.csv",
            lda_doc_topics=t / "lda_doc_topics.parquet",
            bertopic_doc_topics=t / "bertopic_topics.parquet",
            model=t / "model",
            passage_themes=t / "out" / "passage_themes.parquet",
            metrics=t / "out" / "metrics.json",
        )
    )
    table = pd.read_parquet(t / "out" / "passage_themes.parquet")
    assert len(table) == len(SENTENCES) and "p_liquor_industry" in table.columns
    metrics = json.loads((t / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["labels"]["hand_test"] == 6
    assert metrics["held_out"]["n"] == 6
    assert (t / "model" / "pipeline.joblib").is_file()
