"""`policytopics ...` for people: classify new text with the trained model, list the themes."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from policytopics.errors import UserError
from policytopics.project import project_root
from policytopics.stages._runner import exit_status

if TYPE_CHECKING:
    from policytopics.themes.lexicon import Lexicon

DEFAULT_MODEL = Path("models/classifier")  # under the project root (the folder with dvc.yaml)
BATCH = 256  # lines classified per model call


class Line(NamedTuple):
    text: str
    heading: str = ""  # the heading path the text sits under
    passage: str = ""  # the paragraph the text comes from


def _read_texts(stream: TextIO, jsonl: bool | None) -> Iterator[Line]:
    """Texts from one-per-line input or JSONL with a "text" field and optional "heading" and
    "passage" fields, the text's context (auto-detected when `jsonl` is None)."""
    for number, raw in enumerate(stream, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if jsonl is None:  # decide on the first non-empty line
            jsonl = line.lstrip().startswith("{")
        if not jsonl:
            yield Line(line.strip())
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise UserError(f"line {number}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise UserError(f'line {number}: a JSONL record needs a string "text" field')
        context = {key: record.get(key, "") for key in ("heading", "passage")}
        for key, value in context.items():
            if not isinstance(value, str):
                raise UserError(f'line {number}: "{key}" must be a string')
        yield Line(record["text"], **context)


def _batches(items: Iterator[Line], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_classify(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """Classify each input line and write one JSON object per line."""
    from policytopics.themes.bundle import classify_texts, describe, load_bundle

    bundle = load_bundle(args.model or project_root() / DEFAULT_MODEL)
    if args.info:
        stdout.write(describe(bundle) + "\n")
        return
    jsonl = True if args.jsonl else None
    if args.input == "-":
        stream = stdin
    else:
        path = Path(args.input)
        if not path.is_file():
            raise UserError(f"{path}: no such file")
        stream = path.open(encoding="utf-8")
    try:
        for batch in _batches(_read_texts(stream, jsonl), BATCH):
            texts = [line.text for line in batch]
            headings = [line.heading for line in batch]
            passages = [line.passage for line in batch]
            for record in classify_texts(texts, bundle, contexts=headings, passages=passages):
                stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    except UnicodeDecodeError:
        raise UserError(f"{args.input}: not UTF-8 text") from None
    finally:
        if stream is not stdin:
            stream.close()


def run_themes(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """Print the theme taxonomy (key, Chinese and English label): --lexicon, else the project's
    themes.lexicon, else (outside a project) the packaged one."""
    from policytopics.themes.lexicon import load_lexicon

    lexicon = load_lexicon(args.lexicon) if args.lexicon else project_lexicon()
    for theme in lexicon.themes:
        stdout.write(f"{theme.key}\t{theme.zh}\t{theme.en}\n")


def project_lexicon() -> Lexicon:
    """The lexicon params.yaml's themes.lexicon names in this project (packaged outside one)."""
    from policytopics.config import load_params
    from policytopics.themes.lexicon import lexicon_from_params

    try:
        root = project_root()
    except UserError:
        return lexicon_from_params("")
    params = root / "params.yaml"
    return lexicon_from_params(load_params(params).themes.lexicon if params.exists() else "", root)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policytopics",
        description="Topics and policy themes in Chinese local-government texts.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    classify = commands.add_parser(
        "classify",
        help="give each line of text a policy theme and all theme probabilities",
        description='Read one text per line (or JSONL with a "text" field and optional '
        '"heading" and "passage" fields: the heading path it sits under and the paragraph it '
        "comes from) and write one JSON object per line: "
        '{"text", "theme", "scores": {theme: probability}}.',
    )
    classify.add_argument("input", nargs="?", default="-", help="FILE, or - for stdin (default)")
    classify.add_argument("--jsonl", action="store_true", help='input is JSONL with a "text" field')
    classify.add_argument(
        "--model",
        type=Path,
        default=None,
        help=f"classifier directory (default: {DEFAULT_MODEL} in the project holding dvc.yaml)",
    )
    classify.add_argument("--info", action="store_true", help="describe the model and exit")
    classify.set_defaults(run=run_classify)
    themes = commands.add_parser("themes", help="list the policy themes")
    themes.add_argument(
        "--lexicon",
        type=Path,
        default=None,
        help="a theme lexicon YAML file (default: the project's themes.lexicon)",
    )
    themes.set_defaults(run=run_themes)
    return parser


def main(
    argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Entry point of the `policytopics` command; returns the exit status."""
    args = build_parser().parse_args(argv)

    def run() -> None:
        with contextlib.suppress(BrokenPipeError):  # e.g. piped into `head`
            args.run(args, stdin or sys.stdin, stdout or sys.stdout)

    return exit_status(args.command, run)
