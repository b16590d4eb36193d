"""Shared fixtures for the theme tests: a fake embedder and a tiny labelled corpus."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from policytopics.config import EmbedParams, TokenizeParams
from policytopics.models.embed import Embedder
from policytopics.text.tokenize import build_tokenizer
from policytopics.themes.bundle import (
    PIPELINE_FILE,
    ClassifierBundle,
    prepare_inputs,
    training_ood,
)
from policytopics.themes.classifier import ThemeClassifier
from policytopics.themes.lexicon import load_lexicon

DIM = 64


class FakeEmbedder:
    """Hashed character bigrams -> unit vectors: similar texts get similar vectors, instantly."""

    name = "fake/bigram-64"

    def embed(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = text.lower()
            for a, b in itertools.pairwise(chars):
                digest = hashlib.md5((a + b).encode()).digest()
                out[row, digest[0] % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


# (theme, text): short Chinese policy sentences written for the tests.
SENTENCES: list[tuple[str, str]] = [
    ("ecology", "加强长江流域生态保护修复，推进岸线整治。"),
    ("ecology", "打好蓝天保卫战，空气质量优良天数持续增加。"),
    ("ecology", "全面落实河长制，城区黑臭水体全面消除。"),
    ("ecology", "推进污水处理厂建设，提升水环境质量。"),
    ("ecology", "实施国土绿化行动，森林覆盖率达到百分之五十。"),
    ("ecology", "坚持生态优先绿色发展，筑牢长江上游生态屏障。"),
    ("digital_economy", "建设大数据中心，发展数字经济。"),
    ("digital_economy", "推进5G基站建设，培育软件和信息服务业。"),
    ("digital_economy", "发展电子信息产业，打造智能终端产业基地。"),
    ("digital_economy", "推动工业互联网平台建设，促进企业数字化转型。"),
    ("digital_economy", "建设智慧城市运行管理中心，推进数字政府建设。"),
    ("digital_economy", "引进人工智能和区块链企业，壮大数字产业。"),
    ("liquor_industry", "推进白酒产业集群发展，做强泸州老窖品牌。"),
    ("liquor_industry", "支持郎酒扩能技改，提升浓香型白酒品质。"),
    ("liquor_industry", "发展有机高粱种植基地，保障酿酒原粮供应。"),
    ("liquor_industry", "建设白酒产业园区，完善包材和仓储配套。"),
    ("liquor_industry", "传承酒文化，发展白酒旅游和酒庄体验。"),
    ("liquor_industry", "鼓励酒类企业兼并重组，打造名酒品牌。"),
    ("general", "各位代表，现在我代表区人民政府向大会报告工作。"),
    ("general", "地区生产总值增长百分之六，经济运行总体平稳。"),
    ("general", "请予审议，并请政协委员提出意见。"),
    ("general", "今年是十四五规划开局之年，意义重大。"),
    ("general", "五年来，全区经济社会发展取得显著成就。"),
    ("general", "全年固定资产投资增长百分之八。"),
]


def passages_frame() -> pd.DataFrame:
    """One passage per sentence (two documents), with section headings on a few."""
    headings = {
        0: "第八篇筑牢长江上游生态屏障新基础",
        12: "第一节提质发展白酒产业集群",
    }
    rows = []
    for i, (_, text) in enumerate(SENTENCES):
        rows.append(
            {
                "passage_id": f"doc{i % 2}/p{i:04d}",
                "doc_id": f"doc{i % 2}",
                "language": "zh",
                "section_path": headings.get(i, ""),
                "text": text,
            }
        )
    return pd.DataFrame(rows)


def fitted_bundle(embedder: Embedder, with_ood: bool = True) -> ClassifierBundle:
    """The fixture sentences' classifier on `embedder`; its OOD reference: those sentences."""
    lexicon, tokenizer = load_lexicon(), build_tokenizer(TokenizeParams())
    texts = [t for _, t in SENTENCES]
    inputs = prepare_inputs(texts, ["zh"] * len(texts), embedder, tokenizer, None)
    classifier = ThemeClassifier(lexicon).fit(inputs, [k for k, _ in SENTENCES])
    ood = training_ood(inputs.embeddings) if with_ood else None
    return ClassifierBundle(classifier, tokenizer, EmbedParams(), None, ood=ood)


def save_pre_ood_bundle(embedder: Embedder, directory: Path) -> Path:
    """A bundle pickled as bundles were before ClassifierBundle had an `ood` field."""
    bundle = fitted_bundle(embedder, with_ood=False)
    del bundle.__dict__["ood"]
    joblib.dump(bundle, directory / PIPELINE_FILE)
    return directory
