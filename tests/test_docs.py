"""The docs site covers every stage, params section and output; its placeholders render."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from _corpora import CONGRESS_TABLE, WORKBOOK_TABLE

from policytopics.docs_build import (
    DocsError,
    flatten,
    metrics_markdown,
    params_markdown,
    params_sections,
    render_placeholders,
    stage_markdown,
    stage_outputs,
)

README_LIMIT = 12 * 1024


def _dvc(repo_root: Path) -> dict[str, object]:
    loaded = yaml.safe_load((repo_root / "dvc.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _docs_text(repo_root: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in sorted((repo_root / "docs").rglob("*.md"))
    )


def test_every_dvc_stage_has_a_docs_page(repo_root: Path) -> None:
    stages = _dvc(repo_root)["stages"]
    assert isinstance(stages, dict)
    missing = [s for s in stages if not (repo_root / "docs" / "stages" / f"{s}.md").is_file()]
    assert missing == [], f"add docs/stages/<stage>.md (and a nav entry in mkdocs.yml): {missing}"


def test_every_stage_page_shows_its_wiring_from_dvc_yaml(repo_root: Path) -> None:
    stages = _dvc(repo_root)["stages"]
    assert isinstance(stages, dict)
    for stage in stages:
        page = (repo_root / "docs" / "stages" / f"{stage}.md").read_text(encoding="utf-8")
        assert f'{{{{ stage_wiring("{stage}") }}}}' in page, stage


def test_every_params_section_is_documented(repo_root: Path) -> None:
    sections = params_sections((repo_root / "params.yaml").read_text(encoding="utf-8"))
    params_page = (repo_root / "docs" / "params.md").read_text(encoding="utf-8")
    missing = [s for s in sections if f'{{{{ params_section("{s}") }}}}' not in params_page]
    assert missing == [], f"add a `{{{{ params_section(...) }}}}` to docs/params.md: {missing}"


def test_every_output_in_dvc_yaml_is_described_in_outputs_page(repo_root: Path) -> None:
    page = (repo_root / "docs" / "outputs.md").read_text(encoding="utf-8")
    outputs = [path for paths in stage_outputs(_dvc(repo_root)).values() for path in paths]
    missing = [path for path in outputs if f"`{path}`" not in page]
    assert missing == [], f"describe these outputs in docs/outputs.md: {missing}"


def test_readme_is_short_and_commands_work_without_uv_on_path(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_bytes()
    assert len(readme) < README_LIMIT, f"README.md is {len(readme)} bytes (limit {README_LIMIT})"
    texts = {"README.md": readme.decode("utf-8"), "docs": _docs_text(repo_root)}
    for name, text in texts.items():
        assert "uv run" not in text, f"{name}: use make targets or the activated venv, not uv run"


def test_readme_and_docs_links_point_at_existing_files(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [t for t in targets if "://" not in t]
    assert local, "the README links to the docs"
    missing = [t for t in local if not (repo_root / t).exists()]
    assert missing == []


def test_corpus_page_declares_the_dev_corpora_as_the_tests_and_benchmarks_do(
    repo_root: Path,
) -> None:
    """docs/corpus.md's two table declarations are the ones the dev-corpus tests and
    benchmarks/bench_repro.py use (tests/_corpora.py): a reader copying them gets that run."""
    text = (repo_root / "docs" / "corpus.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    workbook = next(b for b in blocks if "Policy Content" in b)
    congress = next(b for b in blocks if "year_map" in b)
    assert yaml.safe_load(workbook) == {"corpus": {"tables": [WORKBOOK_TABLE]}}
    assert yaml.safe_load(congress) == [CONGRESS_TABLE]


def test_params_sections_keep_the_text_and_comments_as_written() -> None:
    text = (
        "# header\nseed: 42\n\nlda:\n  num_topics: [15, 20]  # sweep\n  passes: 40\n"
        "report:\n  title: x\n"
    )
    assert params_sections(text) == {
        "seed": "seed: 42",
        "lda": "lda:\n  num_topics: [15, 20]  # sweep\n  passes: 40",
        "report": "report:\n  title: x",
    }
    assert params_markdown(text, "seed") == '```yaml title="params.yaml"\nseed: 42\n```\n'
    with pytest.raises(DocsError, match="no section 'tokenize'"):
        params_markdown(text, "tokenize")


def test_flatten_gives_dotted_paths_in_order() -> None:
    data = {"chosen": {"num_topics": 25, "c_v": 0.61}, "empty": {}, "engine": "gensim"}
    assert flatten(data) == [
        ("chosen.num_topics", 25),
        ("chosen.c_v", 0.61),
        ("empty", {}),
        ("engine", "gensim"),
    ]


def test_metrics_markdown_headlines_then_every_value() -> None:
    data = {
        "engine": "gensim",
        "chosen": {"num_topics": 25, "c_v": 0.612749},
        "sweep": {"15": {"c_v": 0.58, "c_npmi": 0.01}, "25": {"c_v": 0.61, "c_npmi": 0.04}},
    }
    assert metrics_markdown("reports/lda/metrics.json", data).splitlines() == [
        "| figure | key | value |",
        "|---|---|---|",
        "| chosen K | `chosen.num_topics` | 25 |",
        "| c_v | `chosen.c_v` | 0.612749 |",
        "",
        "| key | value |",
        "|---|---|",
        "| engine | gensim |",
        "",
        '??? info "`chosen`"',
        "",
        "    | key | value |",
        "    |---|---|",
        "    | chosen.num_topics | 25 |",
        "    | chosen.c_v | 0.612749 |",
        "",
        '??? info "`sweep`"',
        "",
        "    | key | c_v | c_npmi |",
        "    |---|---|---|",
        "    | 15 | 0.58 | 0.01 |",
        "    | 25 | 0.61 | 0.04 |",
        "",
    ]


def test_metrics_markdown_says_when_the_file_is_missing() -> None:
    text = metrics_markdown("reports/x/metrics.json", None)
    assert text.startswith('!!! note "`reports/x/metrics.json` is not there yet"')


def test_metrics_markdown_of_one_entry_and_of_a_missing_entry() -> None:
    data = {"totals": {"n_files": 5, "by": {"a": 1}}}
    assert metrics_markdown("ledger.json", data, "totals").splitlines()[:4] == [
        "| key | value |",
        "|---|---|",
        "| n_files | 5 |",
        "",
    ]
    assert metrics_markdown("ledger.json", data, "nope") == "*`ledger.json` has no `nope` entry.*\n"


def test_stage_markdown_lists_the_wiring_and_rejects_unknown_stages() -> None:
    dvc = {
        "stages": {
            "lda": {
                "cmd": "python -m policytopics.stages.lda --tokens t.parquet",
                "deps": ["t.parquet"],
                "params": ["seed", "lda"],
                "outs": ["models/lda", {"reports/lda/topics.csv": {"cache": False}}],
            }
        }
    }
    assert stage_markdown(dvc, "lda").splitlines() == [
        '```bash title="command (from dvc.yaml)"',
        "python -m policytopics.stages.lda --tokens t.parquet",
        "```",
        "",
        "| | from `dvc.yaml` |",
        "|---|---|",
        "| reads | `t.parquet` |",
        "| params | `seed`<br>`lda` |",
        "| writes | `models/lda`<br>`reports/lda/topics.csv` |",
    ]
    assert stage_outputs(dvc) == {"lda": ["models/lda", "reports/lda/topics.csv"]}
    with pytest.raises(DocsError, match="no stage 'bertopic'"):
        stage_markdown(dvc, "bertopic")


def test_render_placeholders_fills_pages_and_leaves_code_blocks_alone(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("seed: 7\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text("\ufeffk,c_v\n15,0.5\n", encoding="utf-8")
    page = (
        'Intro\n\n{{ params_section("seed") }}\n\n{{ csv_table("r.csv") }}\n'
        '```text\n{{ params_section("seed") }}\n```\n'
    )
    assert render_placeholders(page, tmp_path) == (
        'Intro\n\n```yaml title="params.yaml"\nseed: 7\n```\n\n\n'
        "| k | c_v |\n|---|---|\n| 15 | 0.5 |\n\n\n"
        '```text\n{{ params_section("seed") }}\n```\n'
    )


def test_render_placeholders_rejects_unknown_names_and_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(DocsError, match="unknown placeholder 'figure'"):
        render_placeholders('{{ figure("x") }}', tmp_path)
    with pytest.raises(DocsError, match="quoted strings"):
        render_placeholders("{{ params_section(seed) }}", tmp_path)
    with pytest.raises(DocsError, match="metrics"):
        render_placeholders("{{ metrics() }}", tmp_path)


def test_a_long_map_of_scalars_gets_a_table_of_its_own() -> None:
    per_theme = {f"t{i}": i / 10 for i in range(6)}
    data = {"held_out": {"n": 9, "per_theme_f1": per_theme}}
    lines = metrics_markdown("m.json", data).splitlines()
    assert lines[:8] == [
        '??? info "`held_out`"',
        "",
        "    | key | value |",
        "    |---|---|",
        "    | held_out.n | 9 |",
        "",
        "    `held_out.per_theme_f1`:",
        "",
    ]
    assert lines[8:12] == [
        "    | key | value |",
        "    |---|---|",
        "    | t0 | 0.0 |",
        "    | t1 | 0.1 |",
    ]
