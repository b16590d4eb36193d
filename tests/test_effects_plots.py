"""Effect, marginal-share and trend figures: SVG strings, identical run to run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from policytopics.analysis.effects_plots import effect_plot, marginal_plot, trend_plot
from policytopics.report.fonts import configure_matplotlib

EFFECTS = pd.DataFrame(
    {
        "formula": ["~ year", "~ year"],
        "theme": ["ecology", "liquor_industry"],
        "term": ["year", "year"],
        "estimate": [0.3, -1.0],
        "ci_low": [0.1, -np.inf],
        "ci_high": [0.5, 0.2],
        "n_documents": [14, 14],
        "n_replicates_failed": [0, 3],
    }
)
MARGINAL = pd.DataFrame(
    {
        "formula": ["~ admin_level"] * 2,
        "theme": ["ecology"] * 2,
        "covariate": ["admin_level"] * 2,
        "value": ["county", "prefecture"],
        "share": [0.07, 0.1],
        "ci_low": [0.05, 0.06],
        "ci_high": [0.09, 0.15],
    }
)
PANEL = pd.DataFrame(
    {
        "locality": ["全国"] * 2,
        "year": [2012, 2017],
        "theme": ["ecology"] * 2,
        "share": [0.08, 0.12],
        "ci_low": [0.06, 0.1],
        "ci_high": [0.1, 0.14],
        "n_documents": [1, 1],
        "n_passages": [40, 50],
        "caveat": ["year is confounded with language"] * 2,
    }
)


def test_figures_are_svg_and_identical_run_to_run() -> None:
    configure_matplotlib("Noto Sans CJK SC")
    labels = {"ecology": "生态环保"}
    first = [
        effect_plot(EFFECTS, "~ year", "effects", labels),
        marginal_plot(MARGINAL, "~ admin_level", "admin_level", ["ecology"], "marginal", labels),
        trend_plot(PANEL, "全国", ["ecology"], "trend", labels),
    ]
    again = [
        effect_plot(EFFECTS, "~ year", "effects", labels),
        marginal_plot(MARGINAL, "~ admin_level", "admin_level", ["ecology"], "marginal", labels),
        trend_plot(PANEL, "全国", ["ecology"], "trend", labels),
    ]
    assert first == again
    assert all(svg.lstrip().startswith("<?xml") and "<svg" in svg for svg in first)
    assert "confounded" in first[2]
