"""Docs-site placeholders: metrics, params and stage wiring rendered from the project's files.

The MkDocs hook `docs/hooks/placeholders.py` calls `render_placeholders` on every page, so
figures on the results page come from the pipeline's own metrics files and the params
listings from `params.yaml` itself, never typed by hand. A placeholder is one line such as
`{{ metrics("reports/lda/metrics.json") }}`; `PLACEHOLDERS` lists the names.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\(([^)]*)\)\s*\}\}")
_ARG = re.compile(r'\s*"([^"]*)"\s*(?:,|$)')
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
LONG_MAP = 6  # a nested mapping with this many scalar values gets a table of its own

# Shown first on the results page when present (dotted paths into the metrics file);
# anything else in the file is rendered below them, whatever its keys.
HEADLINES: dict[str, list[tuple[str, str]]] = {
    "reports/classify/metrics.json": [
        ("document_grouped.macro_f1", "macro-F1 on whole unseen test documents"),
        ("document_grouped.low", "... bootstrap interval over documents, low"),
        ("document_grouped.high", "... bootstrap interval over documents, high"),
        ("document_grouped.documents", "test documents"),
        ("sentence_wise.macro_f1", "sentence-wise held-out macro-F1 (sample corpus)"),
        ("held_out.macro_f1", "held-out macro-F1 (hand-labelled test split)"),
        ("held_out.interval.macro_f1.low", "... bootstrap interval, low"),
        ("held_out.interval.macro_f1.high", "... bootstrap interval, high"),
        ("held_out.accuracy", "held-out accuracy"),
        ("held_out.n", "held-out sentences"),
        ("held_out_text_only.macro_f1", "held-out macro-F1, text only (no heading, no passage)"),
        ("held_out_by_passage.without.macro_f1", "held-out macro-F1, sentences of unseen passages"),
        ("cross_validated.macro_f1", "cross-validated macro-F1 on the train split"),
        ("baselines_held_out.keyword_count.macro_f1", "baseline: keyword count, macro-F1"),
        ("held_out.calibration.ece", "top-label expected calibration error"),
    ],
    "reports/lda/metrics.json": [
        ("chosen.num_topics", "chosen K"),
        ("chosen.c_v", "c_v"),
        ("chosen.c_npmi", "c_npmi"),
        ("chosen.diversity", "topic diversity"),
        ("vocabulary_size", "vocabulary"),
    ],
    "reports/bertopic/metrics.json": [
        ("chosen.num_topics", "topics"),
        ("chosen.c_v", "c_v"),
        ("chosen.c_npmi", "c_npmi"),
        ("chosen.diversity", "topic diversity"),
        ("outliers.share_before", "HDBSCAN outlier share before reduction"),
        ("outliers.share_after", "outlier share after reduction"),
    ],
}


class DocsError(ValueError):
    """A placeholder the build cannot render (unknown name, bad argument, unknown section)."""


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, list) and all(_scalar(v) for v in value):
        text = ", ".join(_cell(v) for v in value) if value else "[]"
    elif _scalar(value):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted key paths and leaf values of a nested mapping, in the mapping's order."""
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            rows += flatten(value, f"{path}.")
        else:
            rows.append((path, value))
    return rows


def lookup(data: Mapping[str, Any], dotted: str) -> Any:
    """The value at a dotted key path, or None when any part is missing."""
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _is_record_map(value: Any) -> bool:
    """A mapping of at least two mappings whose values are all scalars (rows of a table)."""
    return (
        isinstance(value, Mapping)
        and len(value) >= 2
        and all(
            isinstance(v, Mapping) and v and all(_scalar(x) for x in v.values())
            for v in value.values()
        )
    )


def _is_long_scalar_map(value: Any) -> bool:
    """A mapping of at least `LONG_MAP` scalars (e.g. a figure per theme): a table of its own."""
    return (
        isinstance(value, Mapping)
        and len(value) >= LONG_MAP
        and all(_scalar(v) for v in value.values())
    )


def _record_table(value: Mapping[str, Mapping[str, Any]], key_name: str) -> list[str]:
    columns: list[str] = []
    for row in value.values():
        columns += [c for c in row if c not in columns]
    rows = [[key, *(row.get(c, "") for c in columns)] for key, row in value.items()]
    return _table([key_name, *columns], rows)


def _block(data: Mapping[str, Any], prefix: str) -> list[str]:
    """Scalars of `data` (flattened) as one key/value table; each table-shaped child
    (a mapping of uniform records, e.g. per theme) as a table of its own."""
    if _is_record_map(data):
        return _record_table(data, "key")
    out: list[str] = []
    plain: list[tuple[str, Any]] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []

    def walk(node: Mapping[str, Any], path: str) -> None:
        for key, value in node.items():
            dotted = f"{path}{key}"
            if _is_record_map(value) or _is_long_scalar_map(value):
                tables.append((dotted, value))
            elif isinstance(value, Mapping) and value:
                walk(value, f"{dotted}.")
            else:
                plain.append((dotted, value))

    walk(data, prefix)
    if plain:
        out += _table(["key", "value"], plain)
    for dotted, value in tables:
        rows = (
            _record_table(value, "key")
            if _is_record_map(value)
            else _table(["key", "value"], value.items())
        )
        out += [f"`{dotted}`:", "", *rows]
    return out


def metrics_markdown(path: str, data: Any | None, key: str = "") -> str:
    """Markdown for one metrics file: headline figures first, then every value it holds."""
    if data is None:
        return (
            f'!!! note "`{path}` is not there yet"\n    Run the pipeline (`make repro`) '
            "to write it; this page shows its figures on the next docs build.\n"
        )
    if key:
        data = lookup(data, key)
        if data is None:
            return f"*`{path}` has no `{key}` entry.*\n"
    if not isinstance(data, Mapping):
        return "\n".join(_table(["value"], [[data]]))
    lines: list[str] = []
    headline = [
        (label, f"`{dotted}`", lookup(data, dotted))
        for dotted, label in HEADLINES.get(path, [])
        if not key and _scalar(lookup(data, dotted)) and lookup(data, dotted) is not None
    ]
    if headline:
        lines += _table(["figure", "key", "value"], headline)
    top = [(k, v) for k, v in data.items() if isinstance(v, Mapping) and v]
    scalars = {k: v for k, v in data.items() if not (isinstance(v, Mapping) and v)}
    if scalars:
        lines += _table(["key", "value"], scalars.items())
    for name, value in top:
        lines += [f'??? info "`{name}`"', ""]
        lines += ["    " + line if line else "" for line in _block(value, f"{name}.")]
    return "\n".join(lines) + "\n"


def csv_markdown(path: str, text: str | None, limit: int = 200) -> str:
    """A CSV file as a Markdown table (at most `limit` rows, the cut said)."""
    if text is None:
        return f'!!! note "`{path}` is not there yet"\n    Run the pipeline (`make repro`).\n'
    rows = list(csv.reader(text.removeprefix("\ufeff").splitlines()))
    if not rows:
        return f"*`{path}` is empty.*\n"
    body = rows[1 : limit + 1]
    lines = _table(rows[0], body)
    if len(rows) - 1 > limit:
        lines.append(f"*First {limit} of {len(rows) - 1} rows of `{path}`.*")
    return "\n".join(lines) + "\n"


def params_sections(params_text: str) -> dict[str, str]:
    """Each top-level key of params.yaml with its text as written (comments kept)."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in params_text.splitlines():
        match = _TOP_LEVEL_KEY.match(line)
        if match:
            current = match.group(1)
            sections[current] = []
        if current is not None:
            sections[current].append(line)
    return {key: "\n".join(lines).rstrip() for key, lines in sections.items()}


def params_markdown(params_text: str, section: str) -> str:
    """The params.yaml section `section` as a YAML block, comments included."""
    sections = params_sections(params_text)
    if section not in sections:
        raise DocsError(
            f"params.yaml has no section {section!r} (it has: {', '.join(sections)}); "
            "update the docs page that names it"
        )
    return f'```yaml title="params.yaml"\n{sections[section]}\n```\n'


def _dvc_entry(item: Any) -> str:
    if isinstance(item, Mapping):
        (name,) = item
        return str(name)
    return str(item)


def stage_markdown(dvc: Mapping[str, Any], stage: str) -> str:
    """What `dvc.yaml` wires for `stage`: command, inputs, params and outputs."""
    stages = dvc.get("stages", {})
    if stage not in stages:
        raise DocsError(f"dvc.yaml has no stage {stage!r} (it has: {', '.join(stages)})")
    spec = stages[stage]
    lines = ['```bash title="command (from dvc.yaml)"', str(spec["cmd"]).strip(), "```", ""]
    rows = [
        ("reads", spec.get("deps", [])),
        ("params", spec.get("params", [])),
        ("writes", spec.get("outs", [])),
        ("metrics", spec.get("metrics", [])),
    ]
    lines += ["| | from `dvc.yaml` |", "|---|---|"]
    for label, items in rows:
        if items:
            cells = "<br>".join(f"`{_dvc_entry(i)}`" for i in items)
            lines.append(f"| {label} | {cells} |")
    return "\n".join(lines) + "\n"


def stage_outputs(dvc: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every output and metrics path of every stage in `dvc.yaml`."""
    return {
        name: [_dvc_entry(i) for i in [*spec.get("outs", []), *spec.get("metrics", [])]]
        for name, spec in dvc.get("stages", {}).items()
    }


def _read(root: Path, relative: str) -> str | None:
    path = root / relative
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _args(raw: str) -> list[str]:
    args: list[str] = []
    rest = raw.strip()
    while rest:
        match = _ARG.match(rest)
        if not match:
            raise DocsError(f"placeholder arguments must be quoted strings: ({raw})")
        args.append(match.group(1))
        rest = rest[match.end() :].strip()
    return args


def _metrics(root: Path, path: str, key: str = "") -> str:
    text = _read(root, path)
    return metrics_markdown(path, json.loads(text) if text is not None else None, key)


def _csv(root: Path, path: str) -> str:
    return csv_markdown(path, _read(root, path))


def _params(root: Path, section: str) -> str:
    return params_markdown(_read(root, "params.yaml") or "", section)


def _stage(root: Path, stage: str) -> str:
    return stage_markdown(yaml.safe_load(_read(root, "dvc.yaml") or "{}"), stage)


PLACEHOLDERS: dict[str, Callable[..., str]] = {
    "metrics": _metrics,  # metrics("reports/x/metrics.json"[, "dotted.key"])
    "csv_table": _csv,  # csv_table("reports/lda/coherence.csv")
    "params_section": _params,  # params_section("lda")
    "stage_wiring": _stage,  # stage_wiring("lda")
}


def render_placeholders(markdown: str, root: Path) -> str:
    """Replace every `{{ name("arg", ...) }}` in `markdown` with what it names under `root`.

    Placeholders inside fenced code blocks are left alone, so pages can show the syntax.
    """

    def replace(match: re.Match[str]) -> str:
        name, raw = match.group(1), match.group(2)
        if name not in PLACEHOLDERS:
            raise DocsError(f"unknown placeholder {name!r} (known: {', '.join(PLACEHOLDERS)})")
        try:
            return PLACEHOLDERS[name](root, *_args(raw))
        except TypeError as error:
            raise DocsError(f"{name}({raw}): {error}") from None

    out: list[str] = []
    fenced = False
    for chunk in re.split(r"(^```.*$)", markdown, flags=re.MULTILINE):
        if chunk.startswith("```"):
            fenced = not fenced
            out.append(chunk)
        else:
            out.append(chunk if fenced else _PLACEHOLDER.sub(replace, chunk))
    return "".join(out)
