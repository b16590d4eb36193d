"""Every stage has one shape: parse_args(argv) -> main(**paths); errors exit 2 in one line."""

import importlib
import inspect
import shlex
from pathlib import Path

import pytest
import yaml

from policytopics.errors import UserError
from policytopics.stages._runner import exit_status, run_stage

THIN_STAGES = ["segment", "lda", "bertopic", "themes", "classify", "prevalence", "report"]


def stage_argv(repo_root: Path, stage: str) -> list[str]:
    stages = yaml.safe_load((repo_root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    words = shlex.split(stages[stage]["cmd"])
    return words[words.index(f"policytopics.stages.{stage}") + 1 :]


@pytest.mark.parametrize("stage", THIN_STAGES)
def test_dvc_yaml_arguments_are_exactly_mains_parameters(repo_root: Path, stage: str) -> None:
    module = importlib.import_module(f"policytopics.stages.{stage}")
    given = vars(module.parse_args(stage_argv(repo_root, stage)))
    parameters = inspect.signature(module.main).parameters
    assert set(given) <= set(parameters)
    required = {n for n, p in parameters.items() if p.default is inspect.Parameter.empty}
    assert required <= set(given)
    for value in given.values():  # dvc.yaml passes paths only (one, or several for a list)
        assert all(isinstance(v, Path) for v in (value if isinstance(value, list) else [value]))


def test_a_user_error_is_one_line_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> None:
        raise UserError("tokens.parquet: not found; run `dvc repro tokenize` first")

    assert exit_status("lda", broken) == 2
    assert capsys.readouterr().err == (
        "policytopics lda: error: tokens.parquet: not found; run `dvc repro tokenize` first\n"
    )
    with pytest.raises(SystemExit) as stopped:
        run_stage("lda", broken)
    assert stopped.value.code == 2
    assert exit_status("lda", lambda: None) == 0
    run_stage("lda", lambda: None)  # returns: no SystemExit on success


def test_stage_cli_exits_2_on_a_missing_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from policytopics.stages import lda

    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text("seed: 1\n", encoding="utf-8")
    argv = ["--tokens", "tokens.parquet"]
    for name in ("model-dir", "topics", "doc-topics", "metrics", "coherence", "ldavis"):
        argv += [f"--{name}", f"out/{name}"]
    with pytest.raises(SystemExit) as stopped:
        lda.cli(argv)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "policytopics lda: error: tokens.parquet: not found; run `dvc repro tokenize` first\n"
    )
