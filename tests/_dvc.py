"""Run DVC in a test's temporary project with this environment's interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_dvc(project: Path, *args: str) -> str:
    """`dvc <args>` in `project` (the venv's bin first on PATH, so stage commands find
    `python -m policytopics...`); a failure shows the tail of DVC's output."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["DVC_NO_ANALYTICS"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout
