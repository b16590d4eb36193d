"""The effects stage on tiny parquet inputs: four outputs, byte-identical reruns, user errors."""

from __future__ import annotations

import inspect
import json
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from policytopics.config import EffectsParams, Params, PrevalenceParams
from policytopics.errors import UserError
from policytopics.stages import effects as stage

LOCALITIES = ["渝北区", "渝北区", "泸州市", "泸州市", "江阳区", "巫山县"]


def write_inputs(folder: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    documents = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(6)],
            "locality": LOCALITIES,
            "province": ["重庆市", "重庆市", "四川省", "四川省", "四川省", "重庆市"],
            "city": ["重庆市", "重庆市", "泸州市", "泸州市", "泸州市", "重庆市"],
            "admin_level": ["county", "county", "prefecture", "prefecture", "county", "county"],
            "year": pd.array([2020, 2021, 2020, 2021, 2021, 2020], dtype="Int64"),
            "doc_type": ["government_work_report"] * 6,
            "language": ["zh"] * 6,
        }
    )
    doc_of = np.repeat(np.arange(6), 8)
    passages = pd.DataFrame(
        {
            "passage_id": [
                f"d{d}/p{i:04d}" for d, i in zip(doc_of, np.tile(range(8), 6), strict=True)
            ],
            "doc_id": [f"d{d}" for d in doc_of],
            "locality": [LOCALITIES[d] for d in doc_of],
            "year": documents["year"].to_numpy()[doc_of],
            "n_chars": rng.integers(80, 600, len(doc_of)),
            "n_sentences": rng.integers(1, 6, len(doc_of)),
        }
    )
    ecology = rng.uniform(0.05, 0.6, len(doc_of))
    themes = pd.DataFrame(
        {
            "passage_id": passages["passage_id"][::-1],  # any order: aligned by passage_id
            "theme": "general",
            "p_ecology": ecology[::-1],
            "p_general": 1 - ecology[::-1],
        }
    )
    paths = [folder / "documents.parquet", folder / "passages.parquet", folder / "themes.parquet"]
    for frame, path in zip([documents, passages, themes], paths, strict=True):
        frame.to_parquet(path, index=False)
    return paths


def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, formulas: list[str]
) -> dict[str, bytes]:
    inputs = write_inputs(tmp_path)
    out = tmp_path / name
    outputs = [out / f for f in ("effects.csv", "marginal.csv", "panel.csv", "metrics.json")]
    params = Params(
        prevalence=PrevalenceParams(n_bootstrap=50, effects=EffectsParams(formulas=formulas))
    )
    monkeypatch.setattr(stage, "load_params", lambda: params)
    stage.main(*inputs, *outputs)
    return {path.name: path.read_bytes() for path in outputs}


def test_stage_writes_effects_marginal_panel_and_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    formulas = ["~ year", "~ language", "~ admin_level"]
    first = run(tmp_path, monkeypatch, "a", formulas)
    again = run(tmp_path, monkeypatch, "b", formulas)
    assert first == again
    effects = pd.read_csv(tmp_path / "a" / "effects.csv", encoding="utf-8-sig")
    assert effects[["formula", "theme", "term"]].values.tolist() == [
        ["~ year", "ecology", "year"],
        ["~ year", "general", "year"],
        ["~ admin_level", "ecology", "admin_level[T.prefecture]"],
        ["~ admin_level", "general", "admin_level[T.prefecture]"],
    ]
    panel = pd.read_csv(tmp_path / "a" / "panel.csv", encoding="utf-8-sig")
    assert sorted(panel["locality"].unique()) == ["泸州市", "渝北区"]
    assert len(panel) == 2 * 2 * 2  # localities x years x themes
    metrics = json.loads(first["metrics.json"])
    assert metrics["skipped"] == [
        {
            "formula": "~ language",
            "reason": "covariate language has one value (zh) in the 6 documents",
        }
    ]
    assert metrics["panel"]["localities"] == ["泸州市", "渝北区"]
    assert metrics["confounding"] == []


def test_unknown_covariate_is_a_one_line_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserError, match="'~ yaer'"):
        run(tmp_path, monkeypatch, "c", ["~ yaer"])


def test_auto_resamples_localities_only_when_documents_nest_in_them() -> None:
    seeds_like = pd.DataFrame({"locality": ["泸州市", "泸州市", *[f"县{i}" for i in range(12)]]})
    assert stage.bootstrap_unit(seeds_like, "auto") == "document"
    panel = pd.DataFrame({"locality": [f"市{i % 10}" for i in range(20)]})  # 10 x 2 documents
    assert stage.bootstrap_unit(panel, "auto") == "locality"
    assert stage.bootstrap_unit(seeds_like, "locality") == "locality"
    assert stage.bootstrap_unit(panel, "document") == "document"


def test_dvc_yaml_passes_exactly_the_paths_main_takes() -> None:
    root = Path(__file__).resolve().parents[1]
    command = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]["effects"]
    words = shlex.split(command["cmd"])
    given = vars(stage.parse_args(words[words.index("policytopics.stages.effects") + 1 :]))
    assert list(given) == list(inspect.signature(stage.main).parameters)
