"""Loading helpers for the notebooks: find the project's DVC outputs, label themes, set fonts.

Notebooks read outputs relative to the project root: the nearest folder above the working
directory holding dvc.yaml, or `$POLICYTOPICS_ROOT` when set (the notebook test points it at a
fixture run).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from policytopics.config import load_params
from policytopics.errors import UserError
from policytopics.io import read_output
from policytopics.project import ROOT_VARIABLE, project_root
from policytopics.report.fonts import configure_matplotlib
from policytopics.themes.lexicon import lexicon_from_params

__all__ = [
    "ROOT_VARIABLE",
    "execute",
    "output",
    "project_root",
    "read",
    "setup_plots",
    "theme_labels",
]


def output(relative: str) -> Path:
    """Path of a pipeline output under the project root; a clear error when it is missing."""
    path = project_root() / relative
    if not path.exists():
        raise UserError(f"{path}: not found; run `dvc repro` in {project_root()} first")
    return path


def read(relative: str) -> Any:
    """A pipeline output by its path in dvc.yaml: parquet/csv as DataFrame, json as data."""
    return read_output(output(relative), "the pipeline")  # output() has checked it exists


def theme_labels() -> dict[str, str]:
    """Bilingual theme labels ("生态环保 Ecology and environment") from the project's lexicon."""
    root = project_root()
    configured = (
        load_params(root / "params.yaml").themes.lexicon if (root / "params.yaml").exists() else ""
    )
    lexicon = lexicon_from_params(configured, root)
    return {t.key: f"{t.zh} {t.en}" for t in lexicon.themes}


def setup_plots() -> None:
    """Use the report's CJK font (report.font_family) in matplotlib figures."""
    root = project_root()
    family = (
        load_params(root / "params.yaml").report.font_family
        if (root / "params.yaml").exists()
        else "Noto Sans CJK SC"
    )
    configure_matplotlib(family)


def execute(path: Path, root: Path, timeout: int = 600) -> Any:
    """Run a notebook (jupytext percent script or .ipynb) headless against the outputs in `root`.

    Returns the executed notebook (nbformat); a failing cell raises nbclient's CellExecutionError.
    """
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    previous = os.environ.get(ROOT_VARIABLE)
    os.environ[ROOT_VARIABLE] = str(root.resolve())
    try:
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(root.resolve())}},
        )
        client.execute()
    finally:
        if previous is None:
            del os.environ[ROOT_VARIABLE]
        else:
            os.environ[ROOT_VARIABLE] = previous
    return notebook


def main(argv: list[str] | None = None) -> None:
    """`python -m policytopics.notebook NOTEBOOK... --out DIR`: save executed .ipynb copies."""
    import argparse

    import nbformat

    parser = argparse.ArgumentParser(
        prog="python -m policytopics.notebook", description=main.__doc__
    )
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=Path("notebooks/executed"))
    args = parser.parse_args(argv)
    root = project_root()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks:
        target = args.out / f"{path.stem}.ipynb"
        nbformat.write(execute(path, root), target)  # type: ignore[no-untyped-call]
        print(f"{path} -> {target}")


if __name__ == "__main__":
    main()
