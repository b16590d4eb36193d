"""Reading a `policytopics.progress.Steps` bar back from a stage's captured stderr."""

from __future__ import annotations

import re
from pathlib import Path


def step_labels(log: Path, desc: str, total: int) -> list[str]:
    """The labels the bar `desc` of `total` steps showed, in order, each once per change;
    the last frame must say every step is done. The log is read as bytes: tqdm redraws with
    carriage returns, which text mode would turn into newlines."""
    frames = log.read_bytes().decode("utf-8").split("\r")
    bar = [f.rstrip() for f in frames if f.startswith(desc)]
    count = rf" \[\d+/{total} steps done, \d\d:\d\d\]$"
    assert bar and re.fullmatch(rf"{re.escape(desc)}{count}", bar[-1]), bar[-1:]
    labels = [re.sub(count, "", frame) for frame in bar]
    return [label for i, label in enumerate(labels) if i == 0 or label != labels[i - 1]]
