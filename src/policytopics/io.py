"""Readers and writers at the pipeline's edges: atomic writes, parquet, JSON."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~_current_umask())  # mkstemp creates 0600; outputs are ordinary files
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as parquet without ever leaving a half-written file."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def write_json_atomic(data: Any, path: Path) -> None:
    """Write JSON (UTF-8, Chinese kept readable, keys in a stable order)."""
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
            encoding="utf-8",
        )


def write_text_atomic(text: str, path: Path) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as UTF-8 CSV (with BOM so spreadsheet programs show Chinese)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
