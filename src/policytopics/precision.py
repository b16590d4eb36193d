"""Written precision: numbers compared across runs do not carry BLAS or thread-count noise.

Floating-point sums give results that differ in the last one or two of the 17 significant
digits when the BLAS kernel (CPU type) or the number of threads changes the order of the
additions. Tables and metrics are written at `SIGNIFICANT_DIGITS` significant digits (model
weights, probabilities) or `METRIC_DECIMALS` decimals (scores), so that noise never reaches
an output file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

SIGNIFICANT_DIGITS = 10  # tables: weights, probabilities, shares
METRIC_DECIMALS = 6  # metrics.json scores (c_v, F1, shares)


def metric_number(value: float, decimals: int = METRIC_DECIMALS) -> float | None:
    """`value` rounded to `decimals` for metrics.json; NaN (no score) becomes null."""
    return None if math.isnan(value) else round(float(value), decimals)


def significant(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """Each value rounded to `digits` significant digits (0, NaN and inf unchanged)."""
    array = np.asarray(values, dtype=np.float64)
    out = array.copy()
    finite = np.isfinite(array) & (array != 0)
    magnitude = np.floor(np.log10(np.abs(array[finite]))).astype(int)
    decimals = digits - 1 - magnitude
    rounded = array[finite]
    for d in np.unique(decimals):  # divide by an exact power of ten: correctly rounded
        at = decimals == d
        if 0 <= d <= 22:
            rounded[at] = np.round(rounded[at] * 10.0**d) / 10.0**d
        else:
            rounded[at] = [round(float(v), int(d)) for v in rounded[at]]
    out[finite] = rounded
    return out


def round_json_floats(data: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """Parsed JSON with every float rounded to `digits` significant digits."""
    if isinstance(data, float):
        return float(significant(np.array([data]), digits)[0])
    if isinstance(data, list):
        return [round_json_floats(v, digits) for v in data]
    if isinstance(data, dict):
        return {k: round_json_floats(v, digits) for k, v in data.items()}
    return data


def round_table(frame: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> pd.DataFrame:
    """`frame` with every float64 column rounded to `digits` significant digits (float32
    columns, ~7 digits, are left as they are)."""
    columns = {
        name: pd.Series(significant(frame[name].to_numpy(), digits), index=frame.index)
        for name in frame.columns
        if frame[name].dtype == np.float64
    }
    return frame.assign(**columns) if columns else frame


@contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS and OpenMP on one thread: sums in the same order whatever OMP_NUM_THREADS says."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
