"""Draw the sentences hand-labelled in labels/*.csv from the dev corpora (fixed seed).

Run from the repository root: `.venv/bin/python labels/sample_sentences.py OUT_DIR`. It writes
`OUT_DIR/candidates_<corpus>.csv` (text, corpus, document, year, pool) for a labeller to read;
the corpora stay in ../shared/corpora/ and are never copied into the repository. See
docs/labels.md for the design (random pool per document, cue pools per theme).

`.venv/bin/python labels/sample_sentences.py OUT_DIR --seeds` instead draws more sentences of
the seed corpus's *train* documents (the pipeline's own sentences, `data/interim/`, after
`dvc repro segment`) that `seeds/labels.csv` does not hold: `OUT_DIR/candidates_seeds.csv`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

import opencc
import pandas as pd

from policytopics.corpus.sentences import sentences

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
SEED = 20261201
MIN_CHARS, MAX_CHARS = 15, 300
CONGRESS_YEAR = {1: 1921, 3: 1923, 7: 1945, 9: 1969, 10: 1973, 11: 1977, 12: 1982, 13: 1987}
CONGRESS_YEAR |= {14: 1992, 15: 1997, 16: 2002, 17: 2007, 18: 2012, 19: 2017, 20: 2022}
# random pool: sentences per congress report; policy documents drawn per sheet x sentences each
CONGRESS_RANDOM_PER_DOC = 20
# a second random draw per report, from the sentences the first did not take, so that the
# 40 together are a simple random sample of the report (added after the first 20 were read)
CONGRESS_RANDOM_EXTRA = 20
POLICY_DOCS_PER_SHEET = {"central": 45, "shandong": 15}
POLICY_RANDOM_PER_DOC = 5
# cue pools: theme -> regex of cue words; sizes per corpus (set after the random pool was read)
CUES: dict[str, str] = {
    "ecology": "生态|环境|污染|绿色|低碳|碳达峰|碳中和|节能|减排|环保|森林|湿地|美丽中国|可持续",
    "digital_economy": "数字|信息化|网络|互联网|数据|智能|电子|软件|信息技术|5G|云计算|算力|平台",
    "liquor_industry": "白酒|酒类|酿酒|酿造|酒业",
    "manufacturing": "工业|制造|装备|钢铁|机械|化工|纺织|汽车|工厂|原材料",
    "agriculture_rural": "农业|农村|农民|粮食|乡村|扶贫|脱贫|大寨|公社|耕地",
    "opening_regional": "对外开放|外贸|进出口|外资|一带一路|区域|对外贸易|自由贸易|经济特区|港口",
    "urban_infrastructure": "城市|城镇|交通|铁路|公路|基础设施|水利|住房|建筑|管网",
    "livelihood": "教育|医疗|卫生|就业|社会保障|养老|收入|健康|学校|住房保障",
    "culture_tourism": "文化|旅游|体育|文物|艺术|文艺|博物馆",
    "innovation_talent": "科技|创新|科学|研发|人才|科研|专利|知识产权",
    "services_finance": "金融|服务业|消费|商业|物流|银行|电子商务|电商|商贸|信贷",
    "governance_reform": "改革|法治|法制|党风|廉政|监督|治理|安全生产|财政|体制|审批|营商环境",
}
CUE_SIZES: dict[str, dict[str, int]] = {
    "cpc_congress": {
        **{"ecology": 80, "digital_economy": 80, "manufacturing": 60, "agriculture_rural": 30},
        **{"urban_infrastructure": 60, "livelihood": 12, "culture_tourism": 15},
        **{"innovation_talent": 25, "services_finance": 30, "opening_regional": 10},
    },
    "policies_digital": {
        **{"liquor_industry": 3, "ecology": 25, "manufacturing": 25, "agriculture_rural": 15},
        **{"urban_infrastructure": 30, "culture_tourism": 15, "services_finance": 15},
        **{"opening_regional": 10, "governance_reform": 10},
    },
}

# seed corpus (--seeds): random sentences per train document, then cue pools over them
SEED_RANDOM_PER_DOC = {"government_work_report": 50, "five_year_plan": 40, "policy_plan": 20}
SEED_CUE_SIZES = {
    **{"liquor_industry": 10, "manufacturing": 20, "opening_regional": 20, "ecology": 15},
    **{"digital_economy": 10, "agriculture_rural": 10},
}
SEED_TEST_SHARE = 0.4  # evaluation.document_test_share of params.yaml

_T2S = opencc.OpenCC("t2s")


def congress_documents() -> list[tuple[str, int, str]]:
    """(document id, year, simplified text) of each congress report with content."""
    path = CORPORA / "cpc_congress" / "cpc_congress_reports.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    docs, seen = [], dict[int, int]()
    for row in rows:
        number = int(row["congress"])
        seen[number] = seen.get(number, 0) + 1
        doc = f"congress_{number:02d}" + ("" if seen[number] == 1 else f"_{seen[number]}")
        docs.append((doc, CONGRESS_YEAR[number], _T2S.convert(row["content"])))
    return docs


def policy_documents() -> list[tuple[str, int, str]]:
    """(sheet:No., year, text) of each policy in the workbook."""
    path = CORPORA / "policies_digital" / "Policies Data.xlsx"
    docs = []
    for sheet, short in (
        ("Central Policies Table", "central"),
        ("ShanDong Policies Table", "shandong"),
    ):
        table = pd.read_excel(path, sheet_name=sheet)
        for _, row in table.iterrows():
            year = pd.to_datetime(row["Release Time"]).year
            docs.append((f"{short}:{int(row['No.'])}", int(year), str(row["Policy Content"])))
    return docs


def usable(text: str) -> list[str]:
    """Sentences of 15-300 characters, in order, each once."""
    out = []
    for s in sentences(text, "zh"):
        s = s.strip()
        if MIN_CHARS <= len(s) <= MAX_CHARS and s not in out:
            out.append(s)
    return out


def draw(
    corpus: str,
    docs: list[tuple[str, int, str]],
    doc_ids: list[str],
    per_doc: int,
    extra_per_doc: int = 0,
) -> pd.DataFrame:
    """Random pool (per document, seeded by document id), the cue pools, then the extra
    random draw (a sentence it picks that a cue pool holds becomes `random`)."""
    rows, taken = [], set()
    sents = {doc: (year, usable(text)) for doc, year, text in docs}
    for doc in doc_ids:
        year, pool = sents[doc]
        rng = random.Random(f"{SEED}:{doc}")
        for s in rng.sample(pool, min(per_doc, len(pool))):
            if s not in taken:
                taken.add(s)
                rows.append((s, corpus, doc, year, "random"))
    for theme, size in CUE_SIZES[corpus].items():
        cue = re.compile(CUES[theme])
        cands = [(s, doc, y) for doc, (y, p) in sents.items() for s in p if cue.search(s)]
        rng = random.Random(f"{SEED}:{corpus}:{theme}")
        rng.shuffle(cands)
        n = 0
        for s, doc, year in cands:
            if n >= size:
                break
            if s not in taken:
                taken.add(s)
                rows.append((s, corpus, doc, year, f"cue:{theme}"))
                n += 1
    if extra_per_doc:
        first = {row[0] for row in rows if row[4] == "random"}
        where = {row[0]: k for k, row in enumerate(rows)}
        for doc in doc_ids:
            year, pool = sents[doc]
            rest = [s for s in pool if s not in first]
            rng = random.Random(f"{SEED}:{doc}:extra")
            for s in rng.sample(rest, min(extra_per_doc, len(rest))):
                if s in where:
                    rows[where[s]] = (s, corpus, rows[where[s]][2], rows[where[s]][3], "random")
                else:
                    rows.append((s, corpus, doc, year, "random"))
    return pd.DataFrame(rows, columns=["text", "corpus", "document", "year", "pool"])


def seed_documents(
    sentences_table: pd.DataFrame, passages: pd.DataFrame, labelled: set[str]
) -> tuple[list[tuple[str, int, str, list[str]]], set[str]]:
    """(doc_id, year, doc_type, usable sentences not in `labelled`) of each seed train document
    whose type `SEED_RANDOM_PER_DOC` names, by the pipeline's split rule (a test document is
    never drawn); and the sentences of the test documents."""
    from policytopics.themes.documents import hash_is_test

    meta = passages.groupby("doc_id")[["year", "doc_type"]].first()
    test = {doc for doc in meta.index if hash_is_test(doc, SEED_TEST_SHARE)}
    docs = []
    for doc, group in sentences_table.sort_values(["doc_id", "position"]).groupby("doc_id"):
        year, doc_type = meta.loc[doc, "year"], meta.loc[doc, "doc_type"]
        if doc in test or doc_type not in SEED_RANDOM_PER_DOC:
            continue
        pool: list[str] = []
        for s in group["text"]:
            s = s.strip()
            if MIN_CHARS <= len(s) <= MAX_CHARS and s not in pool and s not in labelled:
                pool.append(s)
        docs.append((str(doc), int(year), str(doc_type), pool))
    in_test = sentences_table.loc[sentences_table["doc_id"].isin(test), "text"]
    return docs, set(in_test.astype(str))


def drop_known(drawn: pd.DataFrame, labelled: set[str], test_sentences: set[str]) -> pd.DataFrame:
    """`drawn` without the rows that, punctuation, width and spacing ignored (`match_key`),
    equal, contain or lie inside a labelled text (the seed labels were cut from the raw files,
    so their punctuation can differ from the pipeline's sentences), or that a test document
    holds too. Applied after the draw (it was found after the first draw went to the
    labellers, so the draw stays as it was)."""
    from policytopics.themes.labels import match_key

    label_keys = [k for k in map(match_key, labelled) if k]
    in_test = {match_key(t) for t in test_sentences}

    def known(text: str) -> bool:
        key = match_key(text)
        return key in in_test or any(key in k or k in key for k in label_keys)

    return drawn[~drawn["text"].map(known)].reset_index(drop=True)


def draw_seeds(docs: list[tuple[str, int, str, list[str]]]) -> pd.DataFrame:
    """Random pool per train document (seeded by doc_id), then the cue pools of
    `SEED_CUE_SIZES` over the same documents, each skipping what is drawn already."""
    rows, taken = [], set()
    for doc, year, doc_type, pool in docs:
        rng = random.Random(f"{SEED}:seeds:{doc}")
        for s in rng.sample(pool, min(SEED_RANDOM_PER_DOC[doc_type], len(pool))):
            taken.add(s)
            rows.append((s, "seeds", doc, year, "random"))
    for theme, size in SEED_CUE_SIZES.items():
        cue = re.compile(CUES[theme])
        cands = [(s, doc, y) for doc, y, _, pool in docs for s in pool if cue.search(s)]
        rng = random.Random(f"{SEED}:seeds:{theme}")
        rng.shuffle(cands)
        for s, doc, year in [c for c in cands if c[0] not in taken][:size]:
            taken.add(s)
            rows.append((s, "seeds", doc, year, f"cue:{theme}"))
    return pd.DataFrame(rows, columns=["text", "corpus", "document", "year", "pool"])


def main_seeds(out_dir: Path) -> None:
    interim = Path("data/interim")
    labelled = set(pd.read_csv("seeds/labels.csv")["text"].astype(str).str.strip())
    docs, test_sentences = seed_documents(
        pd.read_parquet(interim / "sentences.parquet"),
        pd.read_parquet(interim / "passages.parquet"),
        labelled,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    drawn = drop_known(draw_seeds(docs), labelled, test_sentences)
    drawn.to_csv(out_dir / "candidates_seeds.csv", index=False)


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    congress = congress_documents()
    ids = [doc for doc, _, text in congress if len(usable(text)) >= 5]  # not the 七大 stub
    draw("cpc_congress", congress, ids, CONGRESS_RANDOM_PER_DOC, CONGRESS_RANDOM_EXTRA).to_csv(
        out_dir / "candidates_cpc_congress.csv", index=False
    )
    policies = policy_documents()
    rng = random.Random(SEED)
    chosen = []
    for short, n in POLICY_DOCS_PER_SHEET.items():
        sheet = [doc for doc, _, text in policies if doc.startswith(short + ":") and usable(text)]
        chosen += sorted(rng.sample(sheet, n), key=lambda d: int(d.split(":")[1]))
    draw("policies_digital", policies, chosen, POLICY_RANDOM_PER_DOC).to_csv(
        out_dir / "candidates_policies_digital.csv", index=False
    )


if __name__ == "__main__":
    if sys.argv[2:] == ["--seeds"]:
        main_seeds(Path(sys.argv[1]))
    else:
        main(Path(sys.argv[1]))


CONGRESS_ERAS = ((1921, 1945), (1969, 1977), (1982, 1997), (2002, 2012), (2017, 2022))


def _digest(document: str) -> int:
    return int(hashlib.sha256(document.encode("utf-8")).hexdigest(), 16)


def test_documents(corpus: str, documents: dict[str, int]) -> set[str]:
    """Documents whose every labelled sentence is `test` (documents: id -> year).

    Policies: sha256(id) mod 5 < 2 (40%). Congress reports, only 15 documents: within each
    era the round(40%) (at least one) documents with the smallest sha256(id), so every era
    has a held-out report.
    """
    if corpus != "cpc_congress":
        return {doc for doc in documents if _digest(doc) % 5 < 2}
    test = set()
    for start, end in CONGRESS_ERAS:
        era = sorted((doc for doc, year in documents.items() if start <= year <= end), key=_digest)
        test.update(era[: max(1, round(0.4 * len(era)))])
    return test
