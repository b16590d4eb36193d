import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from policytopics.io import atomic_path, write_json_atomic, write_parquet_atomic


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
