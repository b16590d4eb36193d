"""The project a command runs in: the nearest folder holding dvc.yaml (or $POLICYTOPICS_ROOT)."""

from __future__ import annotations

import os
from pathlib import Path

from policytopics.errors import UserError

ROOT_VARIABLE = "POLICYTOPICS_ROOT"
MARKER = "dvc.yaml"


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds dvc.yaml; None when there is none."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def project_root() -> Path:
    """`$POLICYTOPICS_ROOT`, else the nearest directory above the cwd that holds dvc.yaml."""
    if os.environ.get(ROOT_VARIABLE):
        return Path(os.environ[ROOT_VARIABLE]).resolve()
    root = find_root(Path.cwd())
    if root is None:
        raise UserError(
            f"no {MARKER} above {Path.cwd().resolve()}; run inside the project "
            f"or set {ROOT_VARIABLE} to its root"
        )
    return root
