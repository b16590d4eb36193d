"""Readers and writers at the pipeline's edges: atomic writes, parquet, JSON."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from policytopics.errors import UserError
from policytopics.schemas import require_columns


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


def _require_input(path: Path, stage: str) -> None:
    if not path.exists():
        raise UserError(f"{path}: not found; run `dvc repro {stage}` first")


def read_table(
    path: Path, stage: str, columns: Sequence[str] = (), *, select: bool = False
) -> pd.DataFrame:
    """Read a parquet/CSV table written by `stage`: one-line errors when missing or short.

    `columns` must be present; with `select=True` only they are read (parquet) and returned.
    """
    _require_input(path, stage)
    if path.suffix == ".parquet":
        present = pq.read_schema(path).names
        require_columns(pd.DataFrame(columns=present), columns, str(path))
        return pd.read_parquet(path, columns=list(columns) if select else None)
    frame = pd.read_csv(path, encoding="utf-8-sig")
    require_columns(frame, columns, str(path))
    return frame[list(columns)] if select else frame


def read_json(path: Path, stage: str) -> Any:
    """Read a JSON output (metrics, ledger) written by `stage`."""
    _require_input(path, stage)
    return json.loads(path.read_text(encoding="utf-8"))


def read_output(path: Path, stage: str) -> Any:
    """Any output of `stage` by its suffix: parquet/CSV as DataFrame, JSON as data, else text."""
    if path.suffix in (".parquet", ".csv"):
        return read_table(path, stage)
    if path.suffix == ".json":
        return read_json(path, stage)
    _require_input(path, stage)
    return path.read_text(encoding="utf-8")
