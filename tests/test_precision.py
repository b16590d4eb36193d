"""Written precision: values that differ only in BLAS noise are written the same."""

import numpy as np
import pandas as pd

from policytopics.precision import metric_number, round_json_floats, round_table, significant


def test_written_precision_removes_last_digit_noise() -> None:
    # the two values reports/lda/topics.csv held on two machines of the same kind
    noisy = np.array([0.025060215759908116, 0.02506021575990811])
    assert significant(noisy).tolist() == [0.02506021576, 0.02506021576]
    assert significant(np.array([1234.5678901234, -3.123456789123e-12, 0.0])).tolist() == [
        1234.56789,
        -3.123456789e-12,
        0.0,
    ]
    assert np.isnan(significant(np.array([np.nan]))[0])
    frame = pd.DataFrame(
        {"word": ["白酒"], "weight": [0.1 + 0.2], "p": np.array([0.1 + 0.2], np.float32)}
    )
    out = round_table(frame)
    assert out["weight"].tolist() == [0.3] and out["p"].dtype == np.float32
    assert out["word"].tolist() == ["白酒"]
    assert round_json_floats({"a": [0.1 + 0.2, 2], "b": "x"}) == {"a": [0.3, 2], "b": "x"}
    assert metric_number(float("nan")) is None and metric_number(0.1234567) == 0.123457
