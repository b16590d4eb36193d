"""A tiny synthetic corpus run through `prevalence` into `ReportInputs` (report edge cases).

Every table passes through CSV as the stages write and read it, so a blank locality comes
back as NaN exactly as in a pipeline run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from policytopics.analysis.tables import PrevalenceOutputs, prevalence_outputs
from policytopics.config import PrevalenceContrast, PrevalenceParams
from policytopics.report.assemble import passages_with_themes
from policytopics.report.build import ReportInputs
from policytopics.schemas import DOCUMENT_COLUMNS, PASSAGE_COLUMNS

LEXICON = [
    ("ecology", "生态环保", "Ecology"),
    ("digital_economy", "数字经济", "Digital economy"),
    ("liquor_industry", "白酒产业", "Liquor industry"),
    ("general", "综合", "General"),
]
TEXT = {
    "ecology": "坚持生态优先，推进长江生态保护修复。",
    "digital_economy": "加快发展数字经济，建设智慧城市。",
    "liquor_industry": "做强白酒产业，建设优质白酒产业集群。",
    "general": "全面完成年度目标任务。",
}


@dataclass(frozen=True)
class Place:
    """A locality of the synthetic corpus (blank locality = unknown)."""

    locality: str
    province: str = "四川省"
    admin_level: str = "county"
    city: str = ""


@dataclass
class CorpusSpec:
    places: list[Place]
    years: list[int | None] = field(default_factory=lambda: [2021])  # cycled over documents
    doc_types: list[str] = field(default_factory=lambda: ["government_work_report"])
    docs_per_place: int = 1
    passages_per_doc: int = 4
    themes: list[tuple[str, str, str]] = field(default_factory=lambda: list(LEXICON))
    silent_themes: tuple[str, ...] = ()  # themes no passage is about (probability ~0)
    lda_topics: int = 3
    bertopic_topics: int = 2  # 0 = every passage an outlier
    contrasts: list[PrevalenceContrast] = field(default_factory=list)


def _roundtrip(frame: pd.DataFrame) -> pd.DataFrame:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    buffer.seek(0)
    return pd.read_csv(buffer)


def build(spec: CorpusSpec) -> tuple[ReportInputs, PrevalenceOutputs]:
    rng = np.random.default_rng(0)
    keys = [key for key, _, _ in spec.themes]
    docs, passages, themes, lda, bert = [], [], [], [], []
    n_doc = 0
    for p_index, place in enumerate(spec.places):
        for d in range(spec.docs_per_place):
            doc_id = f"d{n_doc:03d}#01"
            year = spec.years[n_doc % len(spec.years)]
            doc_type = spec.doc_types[n_doc % len(spec.doc_types)]
            n_doc += 1
            doc: dict[str, object] = {column: "" for column in DOCUMENT_COLUMNS}
            doc |= {
                "doc_id": doc_id,
                "source_file": f"{doc_id[:4]}.txt",
                "part": 1,
                "title": f"{place.locality or '某地'}政府工作报告{d}",
                "locality": place.locality,
                "province": place.province,
                "city": place.city,
                "admin_level": place.admin_level,
                "year": year,
                "doc_type": doc_type,
                "language": "zh",
            }
            body = []
            for k in range(spec.passages_per_doc):
                probs = rng.dirichlet(np.ones(len(keys)))
                probs[(p_index + k) % len(keys)] += 1.0  # each place leans to a theme
                for silent in spec.silent_themes:
                    probs[keys.index(silent)] = 1e-9
                probs = probs / probs.sum()
                theme = keys[int(np.argmax(probs))]
                text = TEXT.get(theme, "推进各项工作。") * 3
                body.append(text)
                passage_id = f"{doc_id}/p{k:04d}"
                passages.append(
                    {
                        "passage_id": passage_id,
                        "doc_id": doc_id,
                        "position": k,
                        **{c: doc[c] for c in ("locality", "province", "city", "year")},
                        "doc_type": doc_type,
                        "language": "zh",
                        "section_path": "一、工作回顾",
                        "text": text,
                        "n_chars": len(text),
                        "n_sentences": 2,
                    }
                )
                themes.append(
                    {"passage_id": passage_id, "theme": theme}
                    | {f"p_{key}": float(v) for key, v in zip(keys, probs, strict=True)}
                )
                lda_row = rng.dirichlet(np.ones(spec.lda_topics))
                lda.append(
                    {"passage_id": passage_id, "status": "modelled"}
                    | {f"topic_{t}": float(v) for t, v in enumerate(lda_row)}
                )
                topic = (p_index + k) % spec.bertopic_topics if spec.bertopic_topics else -1
                bert.append({"passage_id": passage_id, "topic": topic, "probability": 0.9})
            doc["text"] = "\n".join(body)
            docs.append(doc)
    documents = pd.DataFrame(docs, columns=list(DOCUMENT_COLUMNS))
    documents["year"] = documents["year"].astype("Int64")
    passage_frame = pd.DataFrame(passages, columns=list(PASSAGE_COLUMNS))
    passage_frame["year"] = passage_frame["year"].astype("Int64")
    theme_frame = pd.DataFrame(themes)
    out = prevalence_outputs(
        passage_frame,
        theme_frame,
        pd.DataFrame(lda),
        pd.DataFrame(bert),
        PrevalenceParams(n_bootstrap=20, contrasts=spec.contrasts),
        seed=1,
    )
    words = {
        model: pd.DataFrame(
            [
                {"topic": t, "rank": r + 1, "word": f"词{t}{r}", "weight": 0.1}
                for t in range(n)
                for r in range(3)
            ],
            columns=["topic", "rank", "word", "weight"],
        )
        for model, n in (("lda", spec.lda_topics), ("bertopic", spec.bertopic_topics))
    }
    mapping = pd.DataFrame(
        [
            {"model": model, "topic": t, "theme": keys[t % len(keys)], "score": 0.5}
            for model, n in (("lda", spec.lda_topics), ("bertopic", spec.bertopic_topics))
            for t in range(n)
        ],
        columns=["model", "topic", "theme", "score"],
    )
    metrics: dict[str, dict[str, Any]] = {
        "prevalence": out.metrics,
        "lda": {"chosen": {"num_topics": spec.lda_topics, "c_v": 0.5, "c_npmi": 0.05}},
        "bertopic": {"chosen": {"num_topics": spec.bertopic_topics, "c_v": 0.6}},
        "classify": {},
    }
    inputs = ReportInputs(
        documents=documents,
        passages=passages_with_themes(passage_frame, documents, theme_frame),
        themes_by_locality=_roundtrip(out.themes_by["locality"]),
        themes_by_group={
            "year": _roundtrip(out.themes_by["year"]).astype({"year": str}),
            "doc_type": _roundtrip(out.themes_by["doc_type"]),
        },
        topics_by_locality={
            "lda": _roundtrip(out.topics_lda),
            "bertopic": _roundtrip(out.topics_bertopic),
        },
        topic_words=words,
        topic_themes=mapping,
        coherence=pd.DataFrame(
            {"num_topics": [spec.lda_topics], "c_v": [0.5], "c_npmi": [0.05], "diversity": [0.8]}
        ),
        metrics=metrics,
        ledger={},
        summary_md="# 语料概览 Corpus summary\n",
        lexicon=list(spec.themes),
    )
    return inputs, out
