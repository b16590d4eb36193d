"""A progress bar over a stage's named steps, for work that is not a loop over items.

A stage whose time goes into a few library calls (BERTopic's fit, the findings' PDF) declares
its steps up front; the bar then says which one is running and how long the stage has taken:

    with Steps("bertopic", ("fit", "save", "figures")) as steps:
        steps.start("fit")
        ...
        steps.start("save")
        ...

Steps run in the declared order: starting another one is a programming error (ValueError),
so the bar's count and its labels can never drift apart from what the stage does.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import IO

from tqdm import tqdm


class Steps:
    """`start(name)` ends the running step and begins `name`, the next declared one."""

    def __init__(
        self,
        desc: str,
        names: Sequence[str],
        enabled: bool = True,
        file: IO[str] | None = None,
    ) -> None:
        if not names or len(set(names)) != len(names):
            raise ValueError(f"steps of {desc!r} must be distinct and at least one: {names}")
        self.names = tuple(names)
        self.started = 0  # steps begun
        self.ended = 0  # steps finished
        self._desc = desc
        self._closed = False
        self._bar = tqdm(
            total=len(self.names),
            desc=desc,
            disable=not enabled,
            file=file,
            bar_format="{desc} [{n_fmt}/{total_fmt} steps done, {elapsed}]",
        )

    def _end_running(self) -> None:
        if self.started > self.ended:
            self.ended += 1
            self._bar.update(1)

    def start(self, name: str) -> None:
        """End the running step (if any) and begin `name`, which must be the next declared."""
        if self.started >= len(self.names) or self.names[self.started] != name:
            expected = self.names[self.started] if self.started < len(self.names) else "none"
            raise ValueError(f"step {name!r} out of order: the next step is {expected!r}")
        self._end_running()
        self.started += 1
        self._bar.set_description_str(f"{self._desc}: {name}")

    def close(self, failed: bool = False) -> None:
        """End the running step (not when it `failed`) and the bar; idempotent."""
        if self._closed:
            return
        self._closed = True
        if not failed:
            self._end_running()
        if self.ended < len(self.names):
            self._bar.set_description_str(f"{self._desc}: stopped")
        else:
            self._bar.set_description_str(self._desc)
        self._bar.close()

    def __enter__(self) -> Steps:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close(failed=kind is not None)
