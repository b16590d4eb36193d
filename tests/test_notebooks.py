"""Every notebook runs headless (nbclient, python3 kernel) against a fixture pipeline run."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from fixtures.pipeline.build_fixture import fixture_run

from policytopics.notebook import execute

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.py"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_run(tmp_path_factory.mktemp("notebooks") / "project", stages=("prevalence",))


def test_the_four_notebooks_exist_without_outputs() -> None:
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01_corpus", "02_lda", "03_bertopic", "04_localities"]
    stored = list(NOTEBOOKS[0].parent.glob("*.ipynb"))
    for path in stored:
        notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), path


def test_each_notebook_imports_policytopics_before_numpy() -> None:
    """policytopics pins numpy's and numba's CPU target when imported, which only works before
    numpy is (pandas and matplotlib import it): the notebooks' figures are then the same on
    every machine (docs/method.md)."""
    for path in NOTEBOOKS:
        lines = path.read_text(encoding="utf-8").splitlines()
        imports = [line for line in lines if line.startswith(("import ", "from "))]
        assert imports[0].split("#")[0].strip() == "import policytopics", path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = execute(path, run, timeout=180)  # a failing cell raises CellExecutionError
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [output for cell in code for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert all(cell.get("execution_count") for cell in code)  # every cell ran
    assert any(o.get("output_type") == "display_data" for o in outputs)  # figures were drawn
