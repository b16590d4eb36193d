from pathlib import Path

import pytest

from policytopics.config import load_params, parse_params
from policytopics.errors import UserError


def test_project_params_load() -> None:
    params = load_params(Path(__file__).parents[1] / "params.yaml")
    assert params.seed == 42


def test_unknown_key_is_an_error_naming_it() -> None:
    with pytest.raises(UserError, match=r"ingest\.on_bad_fiel: Extra inputs are not permitted"):
        parse_params({"seed": 1, "ingest": {"on_bad_fiel": "skip"}})


def test_bad_value_names_the_key() -> None:
    with pytest.raises(UserError, match=r"^params\.yaml: ingest\.on_bad_file: "):
        parse_params({"ingest": {"on_bad_file": "ignore"}})


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        load_params(tmp_path / "params.yaml")
