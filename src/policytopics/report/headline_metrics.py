"""The few numbers `dvc metrics show` prints: one headline file written by the report stage.

Every stage's own metrics file stays beside its outputs (`dvc metrics show
reports/lda/metrics.json` reads any of them); only this file is declared as DVC metrics, so
`dvc metrics show` and `dvc metrics diff` fit in a terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Number = int | float | None


def _get(data: Mapping[str, Any] | None, *keys: str) -> Number:
    """A nested number, or None when any key is missing (a stage that did not run)."""
    value: Any = data
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def headline_metrics(
    metrics: Mapping[str, Mapping[str, Any]], stability: Mapping[str, Any] | None
) -> dict[str, Number | str]:
    """Corpus size, the chosen topic models' size and coherence, the classifier's F1 on whole
    unseen documents with its interval, topic stability, and the prevalence estimator with
    its measured per-document share error (and the soft mean's): short flat keys."""
    prevalence, classify = metrics.get("prevalence"), metrics.get("classify")
    estimator = prevalence.get("estimator") if prevalence else None
    lda, bertopic = metrics.get("lda"), metrics.get("bertopic")
    return {
        "documents": _get(prevalence, "n_documents"),
        "passages": _get(prevalence, "n_passages"),
        "localities": _get(prevalence, "n_localities"),
        "lda_k": _get(lda, "chosen", "num_topics"),
        "lda_c_v": _get(lda, "chosen", "c_v"),
        "bertopic_k": _get(bertopic, "chosen", "num_topics"),
        "bertopic_c_v": _get(bertopic, "chosen", "c_v"),
        "f1_doc": _get(classify, "document_grouped", "macro_f1"),
        "f1_low": _get(classify, "document_grouped", "low"),
        "f1_high": _get(classify, "document_grouped", "high"),
        "lda_stable": _get(stability, "lda", "mean_reappearance"),
        "bertopic_stable": _get(stability, "bertopic", "mean_reappearance"),
        "estimator": estimator if isinstance(estimator, str) else None,
        "share_mae": _get(prevalence, "estimator_error", "chosen", "mae"),
        "share_mae_soft": _get(prevalence, "estimator_error", "soft", "mae"),
    }
