"""Covariate effects on hand-made tables: exact fits, clustered resampling, skips, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from policytopics.analysis.composition import (
    Units,
    cluster_counts,
    composed_shares,
    document_shares,
)
from policytopics.analysis.effects import (
    Replicates,
    Skipped,
    batched_fractional_logit,
    build_design,
    coefficients,
    estimate_effects,
    fit_point,
    prepare_covariates,
)
from policytopics.compute import DaskExecutor
from policytopics.config import parse_params
from policytopics.errors import UserError

THEMES = ["ecology", "general"]


def expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def one_passage_per_document(shares: np.ndarray) -> Units:
    """Document d = one passage of one sentence whose ecology probability is shares[d]."""
    n = len(shares)
    probs = np.column_stack([shares, 1.0 - shares])
    return Units(
        doc=np.arange(n), weight=np.ones(n), probs=probs, pieces=np.ones(n, dtype=np.int64)
    )


# 渝北区 (2021, 2022), 泸州市 (2021, 2022): ecology share logit-linear in year, no noise.
DOCS = pd.DataFrame(
    {
        "locality": ["渝北区", "渝北区", "泸州市", "泸州市", "江阳区", "江阳区"],
        "year": pd.array([2019, 2020, 2021, 2022, 2019, 2022], dtype="Int64"),
        "language": ["zh"] * 6,
        "admin_level": ["county", "county", "prefecture", "prefecture", "county", "county"],
    }
)
TRUE_SLOPE = 0.4
NOISELESS = expit(-1.0 + TRUE_SLOPE * (DOCS["year"].to_numpy(dtype=float) - 2019))


def effect(effects: pd.DataFrame, theme: str, term: str) -> dict[str, float]:
    """estimate, ci_low, ci_high of one row of the effects table."""
    row = effects[(effects["theme"] == theme) & (effects["term"] == term)]
    assert len(row) == 1
    return {c: float(row[c].iloc[0]) for c in ("estimate", "ci_low", "ci_high")}


def run(
    docs: pd.DataFrame,
    units: Units,
    formulas: list[str],
    *,
    seed: int = 3,
    n_bootstrap: int = 200,
    composition: bool = True,
    clusters: np.ndarray | None = None,
    executor: DaskExecutor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Skipped]]:
    result = estimate_effects(
        docs,
        units,
        THEMES,
        formulas,
        doc_weights=np.ones(len(docs)),
        clusters=np.arange(len(docs)) if clusters is None else clusters,
        replicates=Replicates(n_bootstrap, 0.95, seed, composition=composition),
        executor=executor,
    )
    return result.effects, result.marginal, result.skipped


def test_fractional_logit_recovers_a_noiseless_effect() -> None:
    effects, marginal, skipped = run(DOCS, one_passage_per_document(NOISELESS), ["~ year"])
    assert skipped == []
    row = effect(effects, "ecology", "year")
    assert row["estimate"] == pytest.approx(TRUE_SLOPE, abs=1e-8)
    # general = 1 - ecology: the same effect with the opposite sign
    assert effect(effects, "general", "year")["estimate"] == pytest.approx(-TRUE_SLOPE, abs=1e-8)
    # with year set to 2022, every document's predicted share is the curve's value at 2022
    at_2022 = marginal[(marginal["theme"] == "ecology") & (marginal["value"] == 2022)]["share"]
    assert at_2022.tolist() == pytest.approx([1 / (1 + np.exp(1.0 - 3 * TRUE_SLOPE))], abs=1e-8)


def test_noiseless_shares_without_composition_give_a_zero_width_interval() -> None:
    effects, _, _ = run(DOCS, one_passage_per_document(NOISELESS), ["~ year"], composition=False)
    row = effect(effects, "ecology", "year")
    # every resample of documents lying on one logistic curve refits that curve
    assert row["ci_low"] == pytest.approx(TRUE_SLOPE, abs=1e-7)
    assert row["ci_high"] == pytest.approx(TRUE_SLOPE, abs=1e-7)


def test_batched_irls_matches_statsmodels() -> None:
    rng = np.random.default_rng(0)
    n = 40
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    y = expit(x @ np.array([-0.5, 0.8, -1.2]) + rng.normal(scale=0.5, size=n))
    w = rng.uniform(50, 500, n)
    expected = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=w / w.mean()).fit(scale="X2")
    q, r = np.linalg.qr(x)
    fit = batched_fractional_logit(q, np.column_stack([y, 1 - y])[None], w[None])
    beta, reported = coefficients(fit, r)
    assert beta[0, 0] == pytest.approx(np.asarray(expected.params), abs=1e-8)
    assert reported[0, 1] == pytest.approx(-np.asarray(expected.params), abs=1e-8)
    point, converged = fit_point(x, np.column_stack([y, 1 - y]), w)
    assert converged.all()
    assert point[0] == pytest.approx(np.asarray(expected.params), abs=1e-8)


def test_separation_gives_an_infinite_coefficient_not_a_failure() -> None:
    # level B's documents have no ecology at all: its log-odds runs off to minus infinity
    x = np.column_stack([np.ones(4), [0.0, 0.0, 1.0, 1.0]])
    y = np.array([0.3, 0.5, 0.0, 0.0])
    q, r = np.linalg.qr(x)
    fit = batched_fractional_logit(q, np.column_stack([y, 1 - y])[None], np.ones((1, 4)))
    fitted, reported = coefficients(fit, r)
    assert reported[0, 0, 1] == -np.inf
    assert reported[0, 1, 1] == np.inf
    assert reported[0, 0, 0] == pytest.approx(np.log(0.4 / 0.6), abs=1e-8)  # level A's mean
    assert np.isfinite(fitted).all()  # fitted shares still usable for predictions


def test_bootstrap_resamples_documents_not_passages() -> None:
    # four documents, each two equal passages: one all ecology, one all general. Every
    # document's share is exactly 0.5, so resampling documents changes nothing; resampling
    # passages (within or across documents) would move the shares and widen the interval.
    docs = pd.DataFrame({"admin_level": ["county", "county", "prefecture", "prefecture"]})
    probs = np.tile([[1.0, 0.0], [0.0, 1.0]], (4, 1))
    units = Units(
        doc=np.repeat(np.arange(4), 2),
        weight=np.full(8, 100.0),
        probs=probs,
        pieces=np.ones(8, dtype=np.int64),
    )
    effects, marginal, _ = run(docs, units, ["~ admin_level"], n_bootstrap=300)
    row = effect(effects, "ecology", "admin_level[T.prefecture]")
    assert row["estimate"] == pytest.approx(0.0, abs=1e-10)
    assert row["ci_low"] == pytest.approx(0.0, abs=1e-10)
    assert row["ci_high"] == pytest.approx(0.0, abs=1e-10)
    assert marginal["ci_low"].to_numpy() == pytest.approx(0.5, abs=1e-10)
    assert marginal["ci_high"].to_numpy() == pytest.approx(0.5, abs=1e-10)
    # and the same documents with unequal shares do give an interval of positive width
    unequal = Units(
        doc=units.doc,
        weight=np.array([100.0, 100, 300, 100, 100, 300, 100, 100]),
        probs=probs,
        pieces=units.pieces,
    )
    effects, _, _ = run(docs, unequal, ["~ admin_level"], n_bootstrap=300)
    row = effect(effects, "ecology", "admin_level[T.prefecture]")
    assert row["ci_high"] - row["ci_low"] > 0.1


def test_one_hot_probabilities_add_no_composition_noise() -> None:
    units = one_passage_per_document(np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0]))
    composed, _, _ = run(DOCS, units, ["~ admin_level"], composition=True)
    fixed, _, _ = run(DOCS, units, ["~ admin_level"], composition=False)
    pd.testing.assert_frame_equal(composed, fixed)


def test_composition_draws_each_sentence_from_the_passage_probabilities() -> None:
    # one document, one passage of 4 sentences at p = (0.25, 0.75): drawn shares are k / 4
    units = Units(
        doc=np.array([0]),
        weight=np.array([1.0]),
        probs=np.array([[0.25, 0.75]]),
        pieces=np.array([4]),
    )
    drawn = composed_shares(units, 1, 4000, np.random.default_rng(1))[:, 0, 0]
    assert set(np.unique(drawn * 4)) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    assert drawn.mean() == pytest.approx(0.25, abs=0.01)
    assert document_shares(units, 1)[0, 0] == 0.25


def test_cluster_counts_resample_whole_localities() -> None:
    clusters = np.array([0, 0, 0, 1, 2, 2])  # three localities of 3, 1 and 2 documents
    counts = cluster_counts(clusters, 500, np.random.default_rng(5))
    # a locality drawn m times brings each of its documents m times
    for cluster in range(3):
        block = counts[:, clusters == cluster]
        assert (block == block[:, :1]).all()
    assert counts[:, [0, 3, 4]].sum(axis=1).tolist() == [3] * 500  # three localities drawn
    assert (counts[:, 0] == 0).any()  # localities, not documents, are left out


def test_two_stage_counts_resample_documents_inside_drawn_localities() -> None:
    clusters = np.array([0, 0, 0, 1, 2, 2])
    counts = cluster_counts(clusters, 500, np.random.default_rng(5), within=True)
    sizes = np.array([3, 1, 2])
    per_cluster = np.column_stack([counts[:, clusters == c].sum(axis=1) for c in range(3)])
    # a locality drawn m times contributes m x its size documents: never a partial locality
    assert np.all(per_cluster % sizes == 0)
    assert (per_cluster // sizes).sum(axis=1).tolist() == [3] * 500
    block = counts[:, clusters == 0]
    assert not (block == block[:, :1]).all()  # its documents drawn unequally


def test_strata_keep_their_number_of_clusters() -> None:
    clusters = np.array([0, 1, 2, 3, 4])
    strata = np.array([0, 0, 1, 1, 1])
    counts = cluster_counts(clusters, 200, np.random.default_rng(1), strata)
    assert counts[:, :2].sum(axis=1).tolist() == [2] * 200
    assert counts[:, 2:].sum(axis=1).tolist() == [3] * 200
    with pytest.raises(UserError, match="spans more than one stratum"):
        cluster_counts(np.array([0, 0]), 5, np.random.default_rng(1), np.array([0, 1]))


def scattered_units(per_document: int, pieces: int, seed: int) -> Units:
    """`per_document` passages of `pieces` sentences for each of the 6 DOCS, ecology
    probabilities scattered around the noiseless curve, random lengths."""
    rng = np.random.default_rng(seed)
    n = len(DOCS) * per_document
    share = np.clip(np.repeat(NOISELESS, per_document) + rng.normal(0, 0.1, n), 0.01, 0.99)
    return Units(
        doc=np.repeat(np.arange(len(DOCS)), per_document),
        weight=rng.uniform(50, 300, n),
        probs=np.column_stack([share, 1 - share]),
        pieces=np.full(n, pieces),
    )


def test_same_seed_same_tables_other_seed_other_intervals() -> None:
    units = scattered_units(20, 3, seed=11)
    clusters = pd.factorize(DOCS["locality"])[0]
    first = run(DOCS, units, ["~ year", "~ admin_level"], clusters=clusters)
    again = run(DOCS, units, ["~ year", "~ admin_level"], clusters=clusters)
    other = run(DOCS, units, ["~ year", "~ admin_level"], clusters=clusters, seed=4)
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    assert not first[0]["ci_low"].equals(other[0]["ci_low"])
    assert first[0]["estimate"].equals(other[0]["estimate"])


def test_replicates_on_two_local_processes_equal_the_replicates_in_process(
    two_processes: DaskExecutor,
) -> None:
    # 230 replicates: 5 chunks of 50 (the last one of 30), each with its own seed
    units = scattered_units(10, 2, seed=5)
    formulas = ["~ year", "~ admin_level"]
    clusters = pd.factorize(DOCS["locality"])[0]
    serial = run(DOCS, units, formulas, clusters=clusters, n_bootstrap=230)
    there = run(DOCS, units, formulas, clusters=clusters, n_bootstrap=230, executor=two_processes)
    pd.testing.assert_frame_equal(there[0], serial[0], check_exact=True)
    pd.testing.assert_frame_equal(there[1], serial[1], check_exact=True)
    assert serial[0]["ci_low"].notna().all()  # real intervals, not NaN equal to NaN


def test_formulas_that_cannot_be_fitted_are_skipped_with_a_reason() -> None:
    data = prepare_covariates(DOCS)
    one_value = build_design("~ language", data)
    assert isinstance(one_value, Skipped)
    assert one_value.reason == "covariate language has one value (zh) in the 6 documents"
    collinear = build_design("~ admin_level + locality", data)  # prefecture = 泸州市
    assert isinstance(collinear, Skipped)
    assert collinear.reason.startswith("collinear design (rank 3 of 4 columns")
    more_parameters = build_design("~ C(year) * admin_level", data)
    assert isinstance(more_parameters, Skipped)
    assert more_parameters.reason.startswith("8 parameters for 6 documents")
    _, _, skipped = run(
        DOCS, one_passage_per_document(NOISELESS), ["~ language", "~ year"], n_bootstrap=20
    )
    assert [s.formula for s in skipped] == ["~ language"]


def test_a_formula_naming_an_unknown_covariate_is_a_user_error() -> None:
    with pytest.raises(UserError, match="name 'yaer' is not defined; document covariates are"):
        build_design("~ yaer", prepare_covariates(DOCS))
    with pytest.raises(UserError, match="must be one-sided"):
        run(DOCS, one_passage_per_document(NOISELESS), ["share ~ year"], n_bootstrap=20)


def test_params_accept_a_bare_list_of_formulas() -> None:
    settings = parse_params({"prevalence": {"effects": ["~ year", "~ province"]}}).prevalence
    assert settings.effects.formulas == ["~ year", "~ province"]
    assert settings.effects.cluster == "auto"
    with pytest.raises(UserError, match=r"prevalence\.effects\.cluster"):
        parse_params({"prevalence": {"effects": {"formulas": [], "cluster": "city"}}})


def test_terms_held_by_one_cluster_are_named() -> None:
    result = estimate_effects(
        DOCS,
        one_passage_per_document(np.clip(NOISELESS, 0.2, 0.8)),
        THEMES,
        ["~ admin_level", "~ year"],
        doc_weights=np.ones(6),
        clusters=pd.factorize(DOCS["locality"])[0],  # prefecture: only 泸州市
        replicates=Replicates(20, 0.95, 1, composition=False),
    )
    assert [f["terms_in_one_cluster"] for f in result.fitted] == [
        ["admin_level[T.prefecture]"],
        [],
    ]
