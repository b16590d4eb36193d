"""The `stability` stage on the tiny corpus: both engines refitted per seed, tables written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from test_bertopic import tiny_corpus

from policytopics.config import LdaParams, load_params
from policytopics.errors import UserError
from policytopics.models.bertopic import save_topic_model
from policytopics.models.bertopic_check import model_passage_topics
from policytopics.models.lda_report import model_topics
from policytopics.models.lda_sweep import save_fit
from policytopics.models.stability import THEME_COLUMNS, TOPIC_COLUMNS
from policytopics.models.stability_refit import lda_inputs, lda_run, refit_lda
from policytopics.stages import stability as stage
from policytopics.themes.lexicon import load_lexicon

SETTINGS = {
    "seed": 42,
    "lda": {
        "num_topics": [3],
        "passes": 20,
        "iterations": 50,
        "min_df": 1,
        "max_df": 0.9,
        "seed_priors": False,
        "top_words": 5,
    },
    "bertopic": {
        "align_languages": False,
        "fit_languages": [],
        "umap": {"n_neighbors": 5, "n_components": 2, "min_dist": 0.0, "metric": "cosine"},
        "hdbscan": {"min_cluster_size": 8, "min_samples": 10},
        "top_words": 5,
        "min_df": 2,
        "max_df": 0.9,
    },
    "stability": {"seeds": [1, 2], "top_words": 5},
}
INPUTS = {
    "passages": "passages.parquet",
    "tokens": "tokens.parquet",
    "embeddings": "embeddings.parquet",
    "anchors": "anchors.parquet",
    "lda_model": "models/lda",
    "lda_doc_topics": "lda_doc_topics.parquet",
    "bertopic_model": "models/bertopic",
    "bertopic_assignments": "bertopic_topics.parquet",
    "topic_themes": "topic_themes.csv",
}
OUTPUTS = {
    "lda_stability": "out/lda_topics.csv",
    "bertopic_stability": "out/bertopic_topics.csv",
    "theme_spread": "out/theme_spread.csv",
    "topic_spread": "out/topic_spread.csv",
    "matches": "out/matches.csv",
    "runs": "out/runs.csv",
    "metrics": "out/metrics.json",
}
THEMES = ["ecology", "digital_economy", "liquor_industry"]


def write_params(root: Path, **changes: object) -> None:
    settings = {**SETTINGS, **changes}
    (root / "params.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), "utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The inputs the stage reads: the tiny corpus and both engines' reference models."""
    root = tmp_path_factory.mktemp("stability")
    tokens, embeddings, subjects = tiny_corpus()
    ids = [f"d{i // 10}#01/p{i:04d}" for i in range(len(tokens))]
    passages = pd.DataFrame(
        {
            "passage_id": ids,
            "doc_id": [i.split("/")[0] for i in ids],
            "language": "zh",
            "locality": ["泸州市" if s == "liquor" else "渝北区" for s in subjects],
            "text": ["".join(t) + "。" for t in tokens],
            "n_chars": [len("".join(t)) + 1 for t in tokens],
        }
    )
    table = pd.DataFrame({"passage_id": ids, "language": "zh", "tokens": tokens})
    vectors = pd.DataFrame({"passage_id": ids, "embedding": list(embeddings)})
    passages.to_parquet(root / INPUTS["passages"])
    table.to_parquet(root / INPUTS["tokens"])
    vectors.to_parquet(root / INPUTS["embeddings"])
    zero = np.zeros(16, np.float32)
    pd.DataFrame({"language": ["zh", "en"], "embedding": [zero, zero]}).to_parquet(
        root / INPUTS["anchors"]
    )
    write_params(root)
    params = load_params(root / "params.yaml")
    lda = model_topics(table, params.lda, params.seed, load_lexicon())
    save_fit(lda.fit, root / INPUTS["lda_model"])
    lda.doc_topics.to_parquet(root / INPUTS["lda_doc_topics"])
    bert = model_passage_topics(passages, table, vectors, None, params.bertopic, params.seed)
    save_topic_model(bert.fit.model, root / INPUTS["bertopic_model"], None)
    bert.assignments.to_parquet(root / INPUTS["bertopic_assignments"])
    bert_topics = sorted(set(bert.fit.topics) - {-1})
    pd.DataFrame(
        {
            "model": ["lda"] * 3 + ["bertopic"] * len(bert_topics),
            "topic": [0, 1, 2, *bert_topics],
            "theme": THEMES + [THEMES[t % 3] for t in bert_topics],
        }
    ).to_csv(root / INPUTS["topic_themes"], index=False, encoding="utf-8-sig")
    return root


def run(root: Path, out: str = "out") -> dict[str, Path]:
    outputs = {k: Path(v.replace("out/", f"{out}/")) for k, v in OUTPUTS.items()}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        stage.main(**{k: Path(v) for k, v in INPUTS.items()}, **outputs)
    return {k: root / v for k, v in outputs.items()}


def digests(paths: dict[str, Path]) -> dict[str, str]:
    return {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items()}


@pytest.fixture(scope="module")
def outputs(project: Path) -> dict[str, Path]:
    write_params(project)
    return run(project)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


def test_every_topic_of_the_three_subjects_reappears_in_every_seed(
    outputs: dict[str, Path],
) -> None:
    for engine, least in (("lda", 0.5), ("bertopic", 0.8)):  # stability.min_similarity
        table = read(outputs[f"{engine}_stability"])
        assert list(table.columns) == list(TOPIC_COLUMNS)
        assert len(table) == 3  # ecology, digital, liquor
        assert table["reappear_share"].tolist() == [1.0, 1.0, 1.0]
        assert table["stable"].tolist() == [True, True, True]
        assert (table["min_similarity"] >= least).all()
    runs = read(outputs["runs"])
    assert runs[["engine", "seed"]].values.tolist() == [
        ["lda", 1],
        ["lda", 2],
        ["bertopic", 1],
        ["bertopic", 2],
    ]
    assert runs["reappeared"].tolist() == [3, 3, 3, 3]
    metrics = json.loads(outputs["metrics"].read_text(encoding="utf-8"))
    assert metrics["seeds"] == [1, 2]
    assert metrics["lda"]["mean_reappearance"] == 1.0
    assert metrics["bertopic"]["unstable_topics"] == 0


def test_theme_shares_account_for_all_text_and_localities_for_every_topic(
    outputs: dict[str, Path],
) -> None:
    themes = read(outputs["theme_spread"])
    assert list(themes.columns) == list(THEME_COLUMNS)
    for _, table in themes.groupby("engine"):
        assert table["theme"].tolist() == [*THEMES, "unmatched"]
        assert table["reference_share"].sum() == pytest.approx(1.0)
        assert table["seed_mean"].sum() == pytest.approx(1.0)
        assert (table["n_runs"] == 2).all()
    spread = read(outputs["topic_spread"])
    assert len(spread) == 2 * 2 * 3  # engines x localities x topics
    assert (spread["n_runs"] == 2).all()
    assert (spread["seed_min"] <= spread["seed_max"]).all()


def test_same_inputs_and_seeds_give_byte_identical_outputs(
    project: Path, outputs: dict[str, Path]
) -> None:
    first = digests(outputs)
    again = run(project, "again")
    assert digests(again) == first


def test_no_seeds_writes_empty_tables_with_a_note(project: Path) -> None:
    write_params(project, stability={"seeds": []})
    try:
        paths = run(project, "off")
    finally:
        write_params(project)
    assert read(paths["lda_stability"]).columns.tolist() == list(TOPIC_COLUMNS)
    assert read(paths["theme_spread"]).empty
    metrics = json.loads(paths["metrics"].read_text(encoding="utf-8"))
    assert metrics["seeds"] == [] and metrics["note"] == stage.EMPTY_NOTE


def test_the_global_seed_among_the_seeds_is_a_user_error(project: Path) -> None:
    write_params(project, stability={"seeds": [1, 42]})
    try:
        with pytest.raises(UserError, match="global seed"):
            run(project, "bad")
    finally:
        write_params(project)


@pytest.mark.slow
def test_two_local_workers_give_the_same_bytes(project: Path, outputs: dict[str, Path]) -> None:
    write_params(project, compute={"workers": 2, "min_local_tasks": 1})
    try:
        parallel = run(project, "parallel")
    finally:
        write_params(project)
    assert digests(parallel) == digests(outputs)


def test_blank_localities_are_named_as_the_prevalence_tables_name_them() -> None:
    from policytopics.analysis.prevalence import UNKNOWN_GROUP

    assert stage.UNKNOWN_LOCALITY == UNKNOWN_GROUP


def rotated(words: list[str], n: int) -> list[list[str]]:
    return [[words[(i + j) % len(words)] for j in range(3)] for i in range(n)]


@pytest.mark.parametrize("engine", ["gensim", "tomotopy"])
def test_a_refit_with_the_reference_seed_is_the_reference(engine: str) -> None:
    texts = rotated(["生态", "长江", "污染", "保护"], 8) + rotated(
        ["白酒", "酒业", "窖池", "名酒"], 8
    )
    tokens = pd.DataFrame(
        {"passage_id": [f"p{i}" for i in range(16)], "language": "zh", "tokens": texts}
    )
    params = LdaParams(
        engine=engine,  # type: ignore[arg-type]
        num_topics=[2],
        passes=5,
        gibbs_iterations=100,
        min_df=1,
        max_df=0.9,
        seed_priors=False,
    )
    lda = model_topics(tokens, params, 7, load_lexicon())
    reference = lda_run(lda.fit, lda.doc_topics, 4)
    inputs = lda_inputs(tokens, params, 2, load_lexicon())
    again = refit_lda(inputs, 7, 4)
    np.testing.assert_array_equal(again.weights, reference.weights)
    np.testing.assert_allclose(again.passage_topics, reference.passage_topics, rtol=1e-9)
    assert again.top_words == reference.top_words and again.seed == 7
    other = refit_lda(inputs, 8, 4)
    assert other.seed == 8 and other.quality.keys() == {"c_v", "c_npmi", "diversity"}


def test_a_corpus_without_the_fit_languages_names_the_languages_it_has() -> None:
    tokens = pd.DataFrame(
        {
            "passage_id": ["p0", "p1", "p2"],
            "language": ["en", "en", "fr"],
            "tokens": [["ecology", "river"], ["liquor", "brand"], ["écologie"]],
        }
    )
    params = LdaParams(num_topics=[2], min_df=1, seed_priors=False)  # fit_languages [zh]
    expected = (
        "tokens.parquet: no passage in lda.fit_languages ['zh'] (passages by language: en 2, "
        "fr 1); add the corpus's languages to lda.fit_languages in params.yaml"
    )
    with pytest.raises(UserError) as raised:
        model_topics(tokens, params, 7, load_lexicon(), "tokens.parquet")
    assert str(raised.value) == expected
    with pytest.raises(UserError) as raised:
        lda_inputs(tokens, params, 2, load_lexicon())
    assert str(raised.value) == expected
    empty: list[list[str]] = [[], [], []]
    no_tokens = tokens.assign(language="zh", tokens=pd.Series(empty, dtype=object))
    with pytest.raises(UserError, match="have no tokens left"):
        model_topics(no_tokens, params, 7, load_lexicon(), "tokens.parquet")


def test_bertopic_without_its_fit_languages_names_the_languages_it_has(project: Path) -> None:
    passages = pd.read_parquet(project / INPUTS["passages"]).assign(language="en")
    tokens = pd.read_parquet(project / INPUTS["tokens"]).assign(language="en")
    vectors = pd.read_parquet(project / INPUTS["embeddings"])
    params = load_params(project / "params.yaml").bertopic
    only_zh = params.model_copy(update={"fit_languages": ["zh"]})
    with pytest.raises(UserError) as raised:
        model_passage_topics(passages, tokens, vectors, None, only_zh, 7)
    assert str(raised.value) == (
        "embeddings.parquet: no passage in bertopic.fit_languages ['zh'] (passages by "
        "language: en 66); add the corpus's languages to bertopic.fit_languages in params.yaml"
    )


def test_the_bertopic_summary_of_a_one_language_corpus_says_there_is_no_cross_check(
    project: Path,
) -> None:
    passages = pd.read_parquet(project / INPUTS["passages"])
    tokens = pd.read_parquet(project / INPUTS["tokens"])
    vectors = pd.read_parquet(project / INPUTS["embeddings"])
    params = load_params(project / "params.yaml").bertopic
    out = model_passage_topics(passages, tokens, vectors, None, params, 7)
    assert out.summary(params).endswith("; passages in zh only: no cross-language check")
