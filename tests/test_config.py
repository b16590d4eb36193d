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


def test_renamed_keys_say_their_new_name() -> None:
    old = {"lda": {"no_below": 3, "languages": ["zh"]}, "classify": {"c": 3.0, "cv_folds": 4}}
    with pytest.raises(UserError) as raised:
        parse_params(old)
    assert str(raised.value) == (
        "params.yaml: lda.languages is now lda.fit_languages; lda.no_below is now lda.min_df; "
        "classify.c is now classify.model.c; classify.cv_folds is now classify.evaluation.cv_folds"
    )


def test_config_defaults_are_the_project_settings() -> None:
    """Code that builds a section without params.yaml (tests, notebooks) runs the pipeline's
    settings: each section's defaults equal params.yaml's values, key by key."""
    params = load_params(Path(__file__).parents[1] / "params.yaml")
    for name in ("lda", "bertopic", "themes", "classify"):
        section = getattr(params, name)
        assert section == type(section)(), name
