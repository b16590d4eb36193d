import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from policytopics.errors import UserError
from policytopics.io import (
    atomic_path,
    read_table,
    write_csv_atomic,
    write_json_atomic,
    write_parquet_atomic,
)


def test_atomic_write_leaves_no_file_when_the_block_fails(tmp_path: Path) -> None:
    target = tmp_path / "out" / "table.parquet"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_outputs_get_ordinary_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_json_atomic({"主题": "生态环保"}, tmp_path / "m.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.json").stat().st_mode) == 0o644
    assert (tmp_path / "m.json").read_text(encoding="utf-8") == '{\n  "主题": "生态环保"\n}\n'


def test_parquet_roundtrip_keeps_token_lists(tmp_path: Path) -> None:
    frame = pd.DataFrame({"passage_id": ["d#01/p0000"], "tokens": [["数字经济", "大数据"]]})
    write_parquet_atomic(frame, tmp_path / "t.parquet")
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert back["tokens"].tolist()[0].tolist() == ["数字经济", "大数据"]


def test_read_table_names_the_stage_to_run_when_missing(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"tokens\.parquet: not found; run `dvc repro tokenize`"):
        read_table(tmp_path / "tokens.parquet", "tokenize")


def test_read_table_checks_columns_before_selecting_them(tmp_path: Path) -> None:
    write_parquet_atomic(
        pd.DataFrame({"passage_id": ["a"], "text": ["生态"]}), tmp_path / "p.parquet"
    )
    with pytest.raises(UserError, match=r"missing columns \['language'\]"):
        read_table(tmp_path / "p.parquet", "segment", ("passage_id", "language"), select=True)
    only = read_table(tmp_path / "p.parquet", "segment", ("text",), select=True)
    assert only.to_dict("list") == {"text": ["生态"]}


def test_read_table_reads_the_bom_csv_the_pipeline_writes(tmp_path: Path) -> None:
    write_csv_atomic(pd.DataFrame({"theme": ["ecology"], "中文": ["生态环保"]}), tmp_path / "t.csv")
    assert list(read_table(tmp_path / "t.csv", "themes", ("theme",)).columns) == ["theme", "中文"]
