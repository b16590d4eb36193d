"""`policytopics ...` for people: classify new text with the trained model, list the themes,
show a topic model's topics, search the passages."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from policytopics.cli_input import Line, Skipped, decoded_lines, read_texts
from policytopics.errors import UserError
from policytopics.project import project_root
from policytopics.stages._runner import USER_ERROR, exit_status

if TYPE_CHECKING:
    import pandas as pd

    from policytopics.config import CliParams
    from policytopics.themes.lexicon import Lexicon

DEFAULT_MODEL = Path("models/classifier")  # under the project root (the folder with dvc.yaml)
BATCH = 256  # lines classified per model call
# the pipeline's outputs the commands read, under the project root (dvc.yaml writes them)
PASSAGES = Path("data/interim/passages.parquet")
DOCUMENTS = Path("data/interim/documents.parquet")
EMBEDDINGS = Path("data/processed/embeddings.parquet")
PASSAGE_THEMES = Path("data/processed/passage_themes.parquet")
TOPIC_THEMES = Path("reports/themes/topic_themes.csv")
TOPIC_WORDS = {
    "lda": Path("reports/lda/topics.csv"),
    "bertopic": Path("reports/bertopic/topics.csv"),
}
TOPIC_SIZES = {
    "lda": Path("data/processed/lda_doc_topics.parquet"),
    "bertopic": Path("data/processed/bertopic_topics.parquet"),
}
TOPIC_MODELS = ("lda", "bertopic")
TEXT_WIDTH = 120  # display columns of a passage's text in search results (--full: all)


def _batches(items: Iterator[Line], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _input_lines(stream: TextIO) -> Iterable[bytes | str]:
    """The raw lines of `stream`: its bytes when it has a binary buffer (a real stdin), so
    that undecodable input is caught here and not by Python's own decoder."""
    buffer = getattr(stream, "buffer", None)
    return buffer if buffer is not None else stream


def with_abstention(
    record: dict[str, Any], min_confidence: float, max_ood: float, withhold: bool = False
) -> dict[str, Any]:
    """A classify record with `best_theme` (the top theme), `out_of_domain` (OOD score above
    `max_ood`, or not one word the model knows) and `abstained` (out of domain, or top
    probability below `min_confidence`). An abstained prediction is marked; with `withhold`
    its `theme` is None as well."""
    ood = record["ood"]
    out_of_domain = record["known_words"] == 0 or (ood is not None and ood > max_ood)
    abstained = out_of_domain or record["confidence"] < min_confidence
    return {
        "text": record["text"],
        "theme": None if abstained and withhold else record["theme"],
        "best_theme": record["theme"],
        "confidence": record["confidence"],
        "margin": record["margin"],
        "ood": ood,
        "known_words": record["known_words"],
        "out_of_domain": out_of_domain,
        "abstained": abstained,
        "scores": record["scores"],
    }


CLASSIFY_COLUMNS = [
    "text",
    "theme",
    "best_theme",
    "confidence",
    "margin",
    "ood",
    "known_words",
    "out_of_domain",
    "abstained",
]


def _csv_rows(records: list[dict[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {**{c: r[c] for c in CLASSIFY_COLUMNS}, **{f"p_{k}": r["scores"][k] for k in keys}}
        for r in records
    ]


def run_classify(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """Classify each input text and write one JSON object (or CSV row) per text."""
    from policytopics.cli_output import csv_text
    from policytopics.themes.bundle import classify_texts, describe, load_bundle

    bundle = load_bundle(args.model or project_root() / DEFAULT_MODEL)
    if args.info:
        stdout.write(describe(bundle) + "\n")
        return
    if bundle.ood is None:
        _note(
            "classify",
            'this model has no OOD reference (trained before it existed): "ood" is null and '
            "only confidence and known words mark abstentions; re-run `dvc repro classify`",
        )
    defaults = project_cli_params()
    min_confidence = defaults.min_confidence if args.min_confidence is None else args.min_confidence
    max_ood = defaults.max_ood if args.max_ood is None else args.max_ood
    withhold = args.abstain or defaults.abstain
    jsonl = True if args.jsonl else None
    columns = [*CLASSIFY_COLUMNS, *(f"p_{k}" for k in bundle.keys)]
    skipped = Skipped()
    with contextlib.ExitStack() as files:
        raw: Iterable[bytes | str] = _input_lines(stdin)
        name = ""  # a file's name prefixes its line errors
        if args.input != "-":
            path = Path(args.input)
            if not path.is_file():
                raise UserError(f"{path}: no such file")
            raw, name = files.enter_context(path.open("rb")), f"{path}: "
        try:
            for number, batch in enumerate(
                _batches(read_texts(decoded_lines(raw), jsonl, skipped), BATCH)
            ):
                records = classify_texts(
                    [line.text for line in batch],
                    bundle,
                    contexts=[line.heading for line in batch],
                    passages=[line.passage for line in batch],
                )
                marked = [with_abstention(r, min_confidence, max_ood, withhold) for r in records]
                if args.csv:
                    rows = _csv_rows(marked, bundle.keys)
                    stdout.write(csv_text(rows, columns, header=number == 0))
                else:
                    for record in marked:
                        stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        except UserError as error:
            raise UserError(f"{name}{error}") from None
    if skipped.lines:
        _note("classify", skipped.message())


def _note(command: str, message: str) -> None:
    print(f"policytopics {command}: {message}", file=sys.stderr)


def _read_output(root: Path, relative: Path) -> pd.DataFrame:
    """A pipeline output of the project as a table; a missing one says how to make it."""
    import pandas as pd

    path = root / relative
    if not path.is_file():
        raise UserError(f"{relative}: not found in {root}; run `dvc repro` first")
    if path.suffix == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig")
    return pd.read_parquet(path)


def run_topics(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """Print a topic model's topics: top words, passages and share, mapped theme and score."""
    from policytopics.cli_output import csv_text, text_table
    from policytopics.topics_view import (
        COLUMNS,
        bertopic_sizes,
        lda_shares,
        lda_sizes,
        topic_rows,
    )

    root = project_root()
    words = _read_output(root, TOPIC_WORDS[args.model])
    assignments = _read_output(root, TOPIC_SIZES[args.model])
    themes = _read_output(root, TOPIC_THEMES)
    if args.model == "lda":
        sizes, shares = lda_sizes(assignments), lda_shares(assignments)
    else:
        sizes, shares = bertopic_sizes(assignments), None
    rows = topic_rows(words, themes, sizes, args.model, args.top, shares)
    if args.csv:
        stdout.write(csv_text(rows, COLUMNS))
        return
    shown = [{**r, "share": f"{100 * r['share']:.1f}%", "theme": r["theme"] or ""} for r in rows]
    stdout.write(text_table(shown, COLUMNS, right={"share"}))


def run_search(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """Print the passages that contain TEXT (or, --semantic, whose embeddings are nearest)."""
    from policytopics.cli_input import clean_text
    from policytopics.cli_output import csv_text, cut, jsonl_text
    from policytopics.search import (
        COLUMNS,
        cosine_scores,
        filter_mask,
        ranked_hits,
        substring_scores,
        with_titles,
    )

    query = clean_text(args.text)
    if not query:
        raise UserError("empty query: give the text to search for")
    root = project_root()
    passages = _read_output(root, PASSAGES)
    if (root / DOCUMENTS).is_file():
        passages = with_titles(passages, _read_output(root, DOCUMENTS))
    themes = _read_output(root, PASSAGE_THEMES) if args.theme is not None else None
    keep = filter_mask(passages, args.locality, args.theme, themes)
    if args.semantic:
        scores = cosine_scores(
            _passage_vectors(root, passages["passage_id"].astype(str).tolist()),
            _query_vector(root, query),
        )
        hits = ranked_hits(passages, scores, keep, args.limit)
    else:
        texts = passages["text"].fillna("").astype(str).tolist()
        hits = ranked_hits(passages, substring_scores(texts, query), keep, args.limit, 0.0)
    if not hits:
        _note("search", f"no passage matches {query!r}")
        return
    if args.csv:
        stdout.write(csv_text(hits, COLUMNS))
    elif args.jsonl:
        stdout.write(jsonl_text(hits))
    else:
        for hit in hits:
            place = " > ".join(p for p in (hit["title"], hit["section_path"]) if p)
            lines = hit["text"].splitlines() or [""]
            text = "\n   ".join(lines) if args.full else cut(" ".join(lines), TEXT_WIDTH)
            score = f"{hit['score']:g}"
            stdout.write(
                f"{hit['rank']}. {hit['passage_id']}  {hit['locality']}  score {score}\n"
                f"   {place}\n   {text}\n"
            )


def _passage_vectors(root: Path, ids: list[str]) -> Any:
    from policytopics.models.embed import embedding_matrix

    return embedding_matrix(_read_output(root, EMBEDDINGS), "passage_id", ids, "passages")


def _query_vector(root: Path, query: str) -> Any:
    """The query's embedding with the project's embedder (its query encoding, e.g. e5's
    "query: " prefix)."""
    from policytopics.config import EmbedParams, load_params
    from policytopics.models import embed

    params = root / "params.yaml"
    settings = load_params(params).embed if params.is_file() else EmbedParams()
    return embed.build_embedder(settings).embed([query], "query")[0]


def run_themes(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    """Print the theme taxonomy (key, Chinese and English label): --lexicon, else the project's
    themes.lexicon, else (outside a project) the packaged one."""
    from policytopics.themes.lexicon import load_lexicon

    lexicon = load_lexicon(args.lexicon) if args.lexicon else project_lexicon()
    for theme in lexicon.themes:
        stdout.write(f"{theme.key}\t{theme.zh}\t{theme.en}\n")


def project_cli_params() -> CliParams:
    """params.yaml's `cli` section in this project (its defaults outside one or without it)."""
    from policytopics.config import CliParams, load_params

    try:
        root = project_root()
    except UserError:
        return CliParams()
    params = root / "params.yaml"
    return load_params(params).cli if params.is_file() else CliParams()


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


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: `policytopics COMMAND: error: ...` (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USER_ERROR, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def _number(kind: Callable[[str], float], low: float, high: float | None) -> Callable[[str], Any]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{text} is out of range (must be {bounds})")
        return value

    return parse


def _choice(names: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in names:
            raise argparse.ArgumentTypeError(
                f"unknown model {text!r} (choose {' or '.join(names)})"
            )
        return text

    return parse


def _package_version() -> str:
    try:
        return version("policytopics")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="policytopics",
        description="Topics and policy themes in Chinese local-government texts.",
    )
    parser.add_argument("--version", action="version", version=f"policytopics {_package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    classify = commands.add_parser(
        "classify",
        help="give each line of text a policy theme and all theme probabilities",
        description='Read one text per line (or JSONL with a "text" field and optional '
        '"heading" and "passage" fields: the heading path it sits under and the paragraph it '
        "comes from) and write one JSON object per line: "
        '{"text", "theme", "best_theme", "confidence", "margin", "ood", "known_words", '
        '"out_of_domain", "abstained", "scores": {theme: probability}}. An abstained '
        'prediction is marked "abstained": true; with --abstain its "theme" is null (its best '
        'theme stays in "best_theme").',
    )
    classify.add_argument("input", nargs="?", default="-", help="FILE, or - for stdin (default)")
    classify.add_argument("--jsonl", action="store_true", help='input is JSONL with a "text" field')
    classify.add_argument(
        "--csv", action="store_true", help="write CSV (one p_<theme> column each)"
    )
    classify.add_argument(
        "--model",
        type=Path,
        default=None,
        help=f"classifier directory (default: {DEFAULT_MODEL} in the project holding dvc.yaml)",
    )
    classify.add_argument(
        "--min-confidence",
        type=_number(float, 0.0, 1.0),
        default=None,
        help="abstain below this top probability (default: cli.min_confidence, 0.5)",
    )
    classify.add_argument(
        "--max-ood",
        type=_number(float, 0.0, 1.0),
        default=None,
        help="out of domain above this OOD score (default: cli.max_ood, 0.99)",
    )
    classify.add_argument(
        "--abstain",
        action="store_true",
        help='an abstained prediction gets "theme": null (default: cli.abstain, false: it is '
        "only marked abstained)",
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
    topics = commands.add_parser(
        "topics",
        help="a topic model's topics: top words, mapped theme, size",
        description="List the topics of the trained LDA or BERTopic model: the passages each "
        "one dominates (and their share), the theme it is mapped to (with the mapping's "
        "score) and its top words.",
    )
    topics.add_argument(
        "--model",
        type=_choice(TOPIC_MODELS),
        default="lda",
        help="lda (default) or bertopic",
    )
    topics.add_argument(
        "--top", type=_number(int, 1, None), default=10, help="top words per topic (default 10)"
    )
    topics.add_argument("--csv", action="store_true", help="write CSV")
    topics.set_defaults(run=run_topics)
    search = commands.add_parser(
        "search",
        help="passages by substring or by embedding similarity",
        description="Find passages of the corpus that contain TEXT exactly (score: how often), "
        "or with --semantic whose embeddings are nearest to TEXT's (score: cosine).",
    )
    search.add_argument("text", metavar="TEXT")
    search.add_argument(
        "--semantic", action="store_true", help="rank by embedding similarity to TEXT"
    )
    search.add_argument(
        "--limit", type=_number(int, 1, None), default=10, help="at most N passages (default 10)"
    )
    search.add_argument("--locality", default=None, help="only passages of this locality")
    search.add_argument("--theme", default=None, help="only passages classified as this theme")
    search.add_argument("--full", action="store_true", help="print whole passage texts")
    output = search.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true", help="write CSV")
    output.add_argument("--jsonl", action="store_true", help="write JSONL")
    search.set_defaults(run=run_search)
    return parser


def main(
    argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Entry point of the `policytopics` command; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version (0) or a bad flag (2, one line printed)
        return 0 if stop.code is None else stop.code if isinstance(stop.code, int) else USER_ERROR

    def run() -> None:
        with contextlib.suppress(BrokenPipeError):  # e.g. piped into `head`
            args.run(args, stdin or sys.stdin, stdout or sys.stdout)

    return exit_status(args.command, run)
