"""Saved models are byte-identical across runs and processes (DVC hashes them)."""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

from test_lda import fit_two_topics

from policytopics.config import TokenizeParams
from policytopics.models import lda
from policytopics.text.tokenize import build_tokenizer

_PICKLE_DIGEST = """
import hashlib, pickle
from policytopics.config import load_params
from policytopics.text.tokenize import build_tokenizer
from policytopics.themes.lexicon import load_lexicon
params = load_params()  # params.yaml sets fields explicitly: pydantic's set of them
objects = (params, build_tokenizer(params.tokenize), load_lexicon())
print(hashlib.sha256(pickle.dumps(objects)).hexdigest())
"""


def _digest_under_hash_seed(seed: str, code: str = _PICKLE_DIGEST) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_params_tokenizer_and_lexicon_pickle_identically_whatever_the_hash_seed() -> None:
    assert _digest_under_hash_seed("1") == _digest_under_hash_seed("2")


def test_pickled_tokenizer_still_removes_stopwords() -> None:
    tokenizer = build_tokenizer(TokenizeParams())
    restored = pickle.loads(pickle.dumps(tokenizer))
    text = "坚持推进长江生态保护，发展数字经济。"
    assert restored.tokenize(text, "zh") == tokenizer.tokenize(text, "zh")
    assert restored.stopwords == tokenizer.stopwords and restored.units == tokenizer.units


def _files(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def test_lda_saves_are_byte_identical(tmp_path: Path) -> None:
    lda.save_lda(fit_two_topics(), tmp_path / "a")
    lda.save_lda(fit_two_topics(), tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    reloaded = lda.load_lda(tmp_path / "a")
    assert lda.topic_words(reloaded, 3) == lda.topic_words(fit_two_topics(), 3)


def test_bertopic_figures_are_byte_identical(tmp_path: Path) -> None:
    import plotly.graph_objects as go

    from policytopics.models.bertopic_viz import write_figure

    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        figure = go.Figure(go.Bar(x=["生态", "数字"], y=[3, 1]))
        write_figure(figure, tmp_path / run / "barchart.html", "主题")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert "生态" in (tmp_path / "a" / "barchart.html").read_text(encoding="utf-8")


_LDA_DIGEST = """
import hashlib, sys, tempfile
from pathlib import Path
from policytopics.config import LdaParams
from policytopics.models import lda
texts = [["生态", "长江", "污染", "保护"], ["数字", "大数据", "软件", "算力"]] * 6
params = LdaParams(num_topics=[2], min_df=1, max_df=0.9, passes=2)
dictionary = lda.build_dictionary(texts, 1, 0.9, 100)
fit = lda.fit_lda(lda.to_bows(dictionary, texts), dictionary, 2, params, 7)
with tempfile.TemporaryDirectory() as tmp:
    lda.save_lda(fit, Path(tmp))
    print(sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in Path(tmp).iterdir()))
"""


def test_lda_saves_are_byte_identical_whatever_the_hash_seed() -> None:
    assert _digest_under_hash_seed("1", _LDA_DIGEST) == _digest_under_hash_seed("2", _LDA_DIGEST)
