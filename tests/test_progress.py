"""The step progress bar of stages whose time goes into a few library calls."""

from __future__ import annotations

import io

import pytest

from policytopics.progress import Steps


def test_each_step_ends_when_the_next_begins_and_the_bar_counts_them() -> None:
    out = io.StringIO()
    with Steps("bertopic", ("拟合", "save", "figures"), file=out) as steps:
        steps.start("拟合")
        assert (steps.started, steps.ended) == (1, 0)
        steps.start("save")
        steps.start("figures")
        assert (steps.started, steps.ended) == (3, 2)
    assert (steps.started, steps.ended) == (3, 3)
    frames = [f.rstrip() for f in out.getvalue().split("\r") if f.strip()]
    assert frames == [
        "bertopic [0/3 steps done, 00:00]",
        "bertopic: 拟合 [0/3 steps done, 00:00]",
        "bertopic: save [1/3 steps done, 00:00]",
        "bertopic: figures [2/3 steps done, 00:00]",
        "bertopic [3/3 steps done, 00:00]",
        "bertopic [3/3 steps done, 00:00]",
    ]


def test_a_step_out_of_order_is_refused() -> None:
    with Steps("report", ("read", "PDF"), enabled=False) as steps:
        with pytest.raises(ValueError, match="'PDF' out of order: the next step is 'read'"):
            steps.start("PDF")
        steps.start("read")
        steps.start("PDF")
        with pytest.raises(ValueError, match="the next step is 'none'"):
            steps.start("read")


def test_a_failing_step_is_not_counted_done() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), Steps("report", ("read", "PDF"), file=out) as steps:
        steps.start("read")
        steps.start("PDF")
        raise RuntimeError("WeasyPrint failed")
    assert (steps.started, steps.ended) == (2, 1)
    assert out.getvalue().rstrip().endswith("report: stopped [1/2 steps done, 00:00]")
    steps.close()  # idempotent
    assert steps.ended == 1


@pytest.mark.parametrize("names", [(), ("fit", "fit")])
def test_steps_must_be_declared_distinct(names: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="must be distinct and at least one"):
        Steps("lda", names, enabled=False)
