"""Unstable topics are marked in the findings' topic tables and heatmap rows (issue 17)."""

from __future__ import annotations

import math

import pandas as pd

from policytopics.report.build import topic_label, with_stability

ROWS = [
    {"topic": 0, "words": "生态、环保、污水、河长制", "theme": "生态环保 Ecology", "share": 0.1},
    {"topic": 1, "words": "白酒、酒业、酿酒", "theme": "白酒产业 Liquor", "share": 0.05},
    {"topic": 2, "words": "数字经济、数据", "theme": "数字经济 Digital", "share": 0.02},
]
STABILITY = pd.DataFrame(
    {"topic": [0, 1], "reappear_share": [1.0, 0.4], "stable": ["True", "False"]}
)


def test_rows_carry_stability_and_unstable_labels_are_marked() -> None:
    rows = with_stability(ROWS, STABILITY)
    assert [r["stable"] for r in rows] == [True, False, None]
    assert rows[0]["reappear_share"] == 1.0 and rows[1]["reappear_share"] == 0.4
    assert math.isnan(rows[2]["reappear_share"])
    assert [topic_label(r) for r in rows] == [
        "T0 生态、环保、污水 · 生态环保",
        "T1 白酒、酒业、酿酒 · 白酒产业 ⚠",
        "T2 数字经济、数据 · 数字经济",
    ]


def test_without_a_stability_table_nothing_is_marked() -> None:
    rows = with_stability(ROWS, None)
    assert [r["stable"] for r in rows] == [None, None, None]
    assert topic_label(rows[1]) == "T1 白酒、酒业、酿酒 · 白酒产业"
