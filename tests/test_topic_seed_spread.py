"""Topic prevalence intervals that also cover the topic's spread across seeds (issue 17)."""

from __future__ import annotations

import pandas as pd
import pytest

from policytopics.analysis.tables import with_seed_spread

TABLE = pd.DataFrame(
    {
        "locality": ["泸州市", "泸州市", "江阳区"],
        "topic": [0, -1, 0],
        "prevalence": [0.10, 0.30, 0.20],
        "ci_low": [0.08, 0.25, 0.15],
        "ci_high": [0.12, 0.35, 0.25],
        "lift": [1.0, 1.0, 1.0],
        "n_passages": [10, 10, 8],
    }
)
SPREAD = pd.DataFrame(
    {
        "engine": ["lda", "lda", "bertopic"],
        "locality": ["泸州市", "江阳区", "泸州市"],
        "topic": ["0", "0", "0"],
        "seed_min": [0.05, 0.18, 0.01],
        "seed_max": [0.11, 0.30, 0.90],
        "seed_sd": [0.03, 0.04, 0.4],
        "n_runs": [5, 5, 5],
    }
)


def test_union_covers_the_bootstrap_interval_and_every_seed_share() -> None:
    out = with_seed_spread(TABLE, SPREAD, "lda", "union")
    assert out["ci_low"].tolist() == [0.05, 0.25, 0.15]
    assert out["ci_high"].tolist() == [0.12, 0.35, 0.30]
    assert out["ci_low_sampling"].tolist() == [0.08, 0.25, 0.15]
    assert out["ci_high_sampling"].tolist() == [0.12, 0.35, 0.25]
    assert out["prevalence"].tolist() == TABLE["prevalence"].tolist()


def test_variance_adds_half_widths_in_quadrature() -> None:
    out = with_seed_spread(TABLE, SPREAD, "lda", "variance")
    z = 1.959963984540054
    assert out["ci_high"].iloc[0] == pytest.approx(0.10 + ((0.02**2 + (z * 0.03) ** 2) ** 0.5))
    assert out["ci_low"].iloc[1] == 0.25  # the outlier row has no seed figures: unchanged


def test_another_engine_none_or_no_spread_leaves_the_intervals() -> None:
    for out in (
        with_seed_spread(TABLE, SPREAD.iloc[:0], "lda", "union"),
        with_seed_spread(TABLE, SPREAD, "lda", "none"),
        with_seed_spread(TABLE, None, "lda", "union"),
        with_seed_spread(TABLE.iloc[[1]], SPREAD, "bertopic", "union"),
    ):
        assert out["ci_low"].tolist() == out["ci_low_sampling"].tolist()
        assert out["ci_high"].tolist() == out["ci_high_sampling"].tolist()
