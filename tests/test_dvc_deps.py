"""dvc.yaml lists everything a stage runs: its code (the stage module's transitive imports
inside policytopics), the package files that code reads, and the params sections it uses.

A change to any of them must re-run the stage; a dependency missing here is a stale result
that `dvc repro` would not notice.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

from policytopics.config import Params

REPO_ROOT = Path(__file__).resolve().parents[1]
SRC = REPO_ROOT / "src"
PACKAGE = SRC / "policytopics"
SECTIONS = set(Params.model_fields)
# Where work runs never changes a result (the executor seam's contract, tested on its own),
# so no stage lists `compute`: changing workers or a cluster must not re-run the pipeline.
NOT_LISTED = {"compute"}
# Names a `Params` object goes by (`params.lda`, `all_params.embed`), besides the names a file
# assigns `load_params()` to or annotates as `Params`.
PARAMS_NAMES = {"params", "all_params"}
STAGES: dict[str, dict[str, object]] = yaml.safe_load(
    (REPO_ROOT / "dvc.yaml").read_text(encoding="utf-8")
)["stages"]


def module_file(name: str) -> Path | None:
    """The source file of module `name` (a dotted policytopics name), or None."""
    base = SRC.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of import nodes under `if TYPE_CHECKING:` (never imported at run time)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom))
    return out


@cache
def direct_imports(path: Path) -> frozenset[Path]:
    """policytopics files `path` imports, at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    names: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    found: set[Path] = set()
    for name in names:
        if name != "policytopics" and not name.startswith("policytopics."):
            continue
        parts = name.split(".")
        for end in range(1, len(parts) + 1):  # a package's __init__ runs on import too
            file = module_file(".".join(parts[:end]))
            if file is not None:
                found.add(file)
    return frozenset(found)


def closure(path: Path) -> set[Path]:
    """`path` and every policytopics file it imports, transitively."""
    seen: set[Path] = set()
    todo = [path]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(direct_imports(current))
    return seen


def is_trivial(path: Path) -> bool:
    """A package __init__ holding only a docstring and a version string runs no code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return path.name == "__init__.py" and all(
        isinstance(n, ast.Expr | ast.Assign) and isinstance(getattr(n, "value", None), ast.Constant)
        for n in tree.body
    )


def package_data() -> dict[str, Path]:
    """Non-Python files shipped in the package, by file name."""
    return {
        p.name: p
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }


def resources_read(files: set[Path]) -> set[Path]:
    """Package data files whose name appears as a string in `files` (the code reads them)."""
    data = package_data()
    out: set[Path] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for name in re.findall(r"[\w.-]+\.\w+", node.value):
                    if name in data:
                        out.add(data[name])
    return out


def _params_names(tree: ast.Module) -> set[str]:
    """Names that hold a `Params` in this file."""
    names = set(PARAMS_NAMES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if ast.unparse(node.value.func) == "load_params":
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.arg)
            and node.annotation is not None
            and ast.unparse(node.annotation) == "Params"
        ):
            names.add(node.arg)
    return names


def _section_reads(tree: ast.Module) -> list[ast.Attribute]:
    """`<params>.<section>` nodes: a section read from a Params object."""
    names = _params_names(tree)
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in SECTIONS):
            continue
        root = node.value
        named = isinstance(root, ast.Name) and root.id in names
        loaded = isinstance(root, ast.Call) and ast.unparse(root.func) == "load_params"
        if named or loaded:
            out.append(node)
    return out


def params_used(files: set[Path]) -> set[str]:
    """Params sections read as `params.<section>` (or `load_params().<section>`)."""
    return {
        node.attr
        for path in files
        for node in _section_reads(ast.parse(path.read_text(encoding="utf-8")))
    }


def section_reads(files: set[Path], section: str) -> set[str]:
    """What of `section` the code reads: `section.key` for each `params.section.key`, and
    `section` itself wherever the whole section object is used."""
    out: set[str] = set()
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        for node in _section_reads(tree):
            if node.attr != section:
                continue
            parent = parents.get(id(node))
            if isinstance(parent, ast.Attribute) and parent.value is node:
                out.add(f"{section}.{parent.attr}")
            else:
                out.add(section)
    return out


def stage_module(stage: str) -> Path:
    command = str(STAGES[stage]["cmd"])
    match = re.search(r"-m (policytopics\.stages\.\w+)", command)
    assert match, f"{stage}: cmd does not run a policytopics stage module"
    file = module_file(match.group(1))
    assert file is not None
    return file


def listed(stage: str, key: str) -> list[str]:
    out: list[str] = []
    for entry in STAGES[stage].get(key, []) or []:  # type: ignore[attr-defined]
        out += list(entry) if isinstance(entry, dict) else [str(entry)]
    return out


def covered(path: Path, deps: list[str]) -> bool:
    """`path` is a listed dep or lies in a listed folder (`${...}` entries are DVC vars)."""
    relative = path.relative_to(REPO_ROOT)
    for dep in deps:
        if "${" in dep:
            continue
        dep_path = Path(dep.rstrip("/"))
        if relative == dep_path or dep_path in relative.parents:
            return True
    return False


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_source_file_a_stage_imports_is_a_dep(stage: str) -> None:
    deps = listed(stage, "deps")
    files = closure(stage_module(stage))
    missing = sorted(
        str(f.relative_to(REPO_ROOT)) for f in files if not is_trivial(f) and not covered(f, deps)
    )
    assert missing == [], f"dvc.yaml stage {stage}: add to deps"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_package_file_a_stage_reads_is_a_dep(stage: str) -> None:
    deps = listed(stage, "deps")
    read = resources_read(closure(stage_module(stage)))
    missing = sorted(str(f.relative_to(REPO_ROOT)) for f in read if not covered(f, deps))
    assert missing == [], f"dvc.yaml stage {stage}: add to deps"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_params_section_a_stage_reads_is_listed(stage: str) -> None:
    params = listed(stage, "params")
    if "params.yaml" in params:  # the whole file
        return
    files = closure(stage_module(stage))
    missing = []
    for section in sorted(params_used(files) - NOT_LISTED):
        if section not in params:  # listing the section covers every key of it
            missing += sorted(set(section_reads(files, section)) - set(params))
    assert missing == [], f"dvc.yaml stage {stage}: add to params"


def test_the_import_walk_finds_what_a_stage_uses() -> None:
    """The checks above are only as good as the walk: spot-check it on the lda stage."""
    files = {str(f.relative_to(PACKAGE)) for f in closure(stage_module("lda"))}
    assert {
        "stages/lda.py",
        "models/lda_report.py",
        "models/lda_sweep.py",
        "themes/lexicon.py",
        "config.py",
        "io.py",
    } <= files
    assert "themes/classifier.py" not in files
    used = params_used(closure(stage_module("lda")))
    assert {"lda", "seed", "themes"} <= used
    lexicon = PACKAGE / "resources" / "themes.yaml"
    assert lexicon in resources_read(closure(stage_module("lda")))
