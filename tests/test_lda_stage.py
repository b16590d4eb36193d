import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from policytopics.config import LdaParams
from policytopics.errors import UserError
from policytopics.models import lda, lda_sweep, lda_tomotopy
from policytopics.models.lda_report import theme_seed_words
from policytopics.models.ldavis import ldavis_page, prepare_ldavis
from policytopics.stages import lda as stage
from policytopics.themes.lexicon import load_lexicon

ECOLOGY = ["生态", "长江", "污染", "保护", "湿地"]
DIGITAL = ["数字", "大数据", "电子信息", "软件", "算力"]
LIQUOR = ["白酒", "酒业", "酿酒", "窖池", "名酒"]


def rotated(words: list[str], n_docs: int) -> list[list[str]]:
    return [[words[(i + j) % len(words)] for j in range(4)] for i in range(n_docs)]


TEXTS = rotated(ECOLOGY, 10) + rotated(DIGITAL, 10) + rotated(LIQUOR, 10)
TOMOTOPY = LdaParams(engine="tomotopy", min_df=1, max_df=0.9, gibbs_iterations=200)


def fit_tomotopy(seed: int = 3) -> lda_tomotopy.TomotopyFit:
    dictionary = lda.build_dictionary(TEXTS, 1, 0.9, 100)
    return lda_tomotopy.fit_tomotopy(TEXTS, dictionary, 3, TOMOTOPY, seed)


def test_tomotopy_engine_is_deterministic_and_roundtrips(tmp_path: Path) -> None:
    fit = fit_tomotopy()
    table = lda_sweep.topics_table(fit, 5)
    pd.testing.assert_frame_equal(table, lda_sweep.topics_table(fit_tomotopy(), 5))
    groups = sorted(sorted(g["word"]) for _, g in table.groupby("topic"))
    assert groups == sorted(sorted(w) for w in (ECOLOGY, DIGITAL, LIQUOR))
    lda_sweep.save_fit(fit, tmp_path / "lda")
    loaded = lda_sweep.load_fit(tmp_path / "lda")
    assert isinstance(loaded, lda_tomotopy.TomotopyFit)
    pd.testing.assert_frame_equal(lda_sweep.topics_table(loaded, 5), table)
    matrix = lda_sweep.topic_term_of(loaded)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    doc_topics = lda_sweep.doc_topics_table(fit, ["a", "b"], [LIQUOR[:3], []], ["zh", "zh"], ["zh"])
    assert doc_topics["status"].tolist() == ["modelled", "empty"]
    assert doc_topics.loc[0, [f"topic_{k}" for k in range(3)]].max() > 0.8


def test_ldavis_page_is_offline_and_reproducible() -> None:
    dictionary = lda.build_dictionary(TEXTS, 1, 0.9, 100)
    bows = lda.to_bows(dictionary, TEXTS)
    fit = lda.fit_lda(bows, dictionary, 3, LdaParams(passes=5), seed=1)
    args = (
        lda.topic_term_matrix(fit),
        lda.document_topics(fit, bows),
        [4] * len(bows),
        [dictionary[i] for i in range(len(dictionary))],
        [float(dictionary.cfs[i]) for i in range(len(dictionary))],
    )
    prepared = prepare_ldavis(*args)
    data = json.loads(prepared)
    assert data["mdsDat"]["topics"] == [1, 2, 3]  # LDAvis reads topic 0 as "none selected"
    assert data["topic.order"] == [1, 2, 3]  # the model's order
    assert set(data["tinfo"]["Term"]) >= set(ECOLOGY)
    page = ldavis_page(prepared, "LDA")
    assert page == ldavis_page(prepare_ldavis(*args), "LDA")
    assert "<script src" not in page and "<link" not in page  # nothing loaded from a CDN
    assert 'new LDAvis("#ldavis"' in page and "d3" in page


def write_params(directory: Path, lda_section: dict[str, object]) -> None:
    text = yaml.safe_dump({"seed": 5, "lda": lda_section}, allow_unicode=True)
    (directory / "params.yaml").write_text(text, encoding="utf-8")


def run_stage(tmp_path: Path) -> dict[str, Path]:
    out = {
        "model": tmp_path / "models" / "lda",
        "topics": tmp_path / "topics.csv",
        "doc_topics": tmp_path / "doc_topics.parquet",
        "metrics": tmp_path / "metrics.json",
        "coherence": tmp_path / "coherence.csv",
        "ldavis": tmp_path / "ldavis.html",
    }
    stage.main(
        tmp_path / "tokens.parquet",
        out["model"],
        out["topics"],
        out["doc_topics"],
        out["metrics"],
        out["coherence"],
        out["ldavis"],
    )
    return out


@pytest.fixture
def stage_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tokens = pd.DataFrame(
        {
            "passage_id": [f"d#01/p{i:04d}" for i in range(len(TEXTS) + 2)],
            "language": ["zh"] * (len(TEXTS) + 1) + ["en"],
            "tokens": [*TEXTS, [], ["ecolog"]],
        }
    )
    tokens.to_parquet(tmp_path / "tokens.parquet", index=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_stage_writes_every_output_and_accounts_for_every_passage(
    stage_dir: Path, repo_root: Path
) -> None:
    lda_section = {
        "num_topics": [3, 4],
        "min_df": 1,
        "max_df": 0.9,
        "passes": 20,
        "chunksize": 10,
        "coherence_top_n": 4,
        "seed_priors": True,
        "seed_prior_weight": 5.0,
    }
    write_params(stage_dir, lda_section)
    out = run_stage(stage_dir)
    metrics = json.loads(out["metrics"].read_text(encoding="utf-8"))
    assert set(metrics["sweep"]) == {"3", "4"}
    # the best c_v (at the 6 decimals written), the smaller K on a tie
    best = max(metrics["sweep"], key=lambda k: (metrics["sweep"][k]["c_v"], -int(k)))
    assert metrics["chosen"]["num_topics"] == int(best)
    k = int(best)
    assert metrics["passages"] == {
        "total": 32,
        "modelled": 30,
        "empty": 1,
        "no_vocabulary": 0,
        "other_language": 1,
    }
    coherence = pd.read_csv(out["coherence"])
    assert list(coherence.columns) == ["num_topics", "c_v", "c_npmi", "diversity"]
    assert out["coherence"].read_bytes()[:3] == b"num"  # no BOM: dvc plots reads the header
    doc_topics = pd.read_parquet(out["doc_topics"])
    assert len(doc_topics) == 32
    assert list(doc_topics.columns) == ["passage_id", *[f"topic_{i}" for i in range(k)], "status"]
    assert doc_topics["status"].tolist()[-2:] == ["empty", "other_language"]
    topics = pd.read_csv(out["topics"])
    assert len(topics) == k * 15  # top 20 words per topic, here the whole 15-word vocabulary
    # seeded priors: theme i (ecology, digital_economy, liquor_industry) is topic i
    top = topics[topics["rank"] == 1].sort_values("topic")["word"].tolist()[:3]
    assert top[0] in ECOLOGY and top[1] in DIGITAL and top[2] in LIQUOR
    first_table = out["topics"].read_bytes()
    run_stage(stage_dir)
    assert out["topics"].read_bytes() == first_table  # same seed, identical topic table
    assert isinstance(lda_sweep.load_fit(out["model"]), lda.LdaFit)


def test_seed_words_follow_the_lexicon_with_its_traps() -> None:
    lexicon = load_lexicon()
    params = LdaParams(seed_priors=True, seed_themes=["ecology", "liquor_industry"])
    vocabulary = ["白酒产业", "生态环境", "产业生态圈", "酒店", "绿色", "数字经济"]
    ecology, liquor = theme_seed_words(params, lexicon, vocabulary)
    assert ecology == ["生态环境"]  # 产业生态圈 is a trap; 绿色 alone is a weak term
    assert liquor == ["白酒产业"]  # a token containing the seed 白酒; 酒店 is a hotel
    assert theme_seed_words(LdaParams(seed_priors=False), lexicon, vocabulary) == []


def test_unknown_seed_theme_is_a_user_error() -> None:
    lexicon = load_lexicon()
    params = LdaParams(seed_priors=True, seed_themes=["ecolgy"])
    with pytest.raises(UserError, match=r"lda\.seed_themes: \['ecolgy'\]"):
        theme_seed_words(params, lexicon, ["生态"])


def test_missing_tokens_is_a_one_line_user_error(stage_dir: Path) -> None:
    write_params(stage_dir, {"num_topics": [3]})
    (stage_dir / "tokens.parquet").unlink()
    with pytest.raises(UserError, match=r"tokens\.parquet: not found; run `dvc repro tokenize`"):
        run_stage(stage_dir)
