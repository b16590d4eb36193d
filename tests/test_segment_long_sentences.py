"""Over-long sentences: cut at clauses, then spaces, then hard; recorded; no text lost."""

import time

import pandas as pd

from policytopics.config import SegmentParams
from policytopics.corpus.packing import balanced_groups
from policytopics.corpus.segment import cut_sentence, segment_body, segment_documents
from policytopics.corpus.sentences import clauses, cut_points
from policytopics.corpus.summary import corpus_summary, segment_metrics
from policytopics.schemas import DOCUMENT_COLUMNS

CLAUSE = "加快发展数字经济，"  # 9 characters
ISSUE_SENTENCE = CLAUSE * 67 + "。"  # 604 characters: crashed segment before


def documents(*texts: tuple[str, str]) -> pd.DataFrame:
    rows = []
    for k, (text, language) in enumerate(texts):
        row: dict[str, object] = {column: "" for column in DOCUMENT_COLUMNS}
        row |= {"doc_id": f"d{k}#01", "source_file": f"d{k}.txt", "part": 1, "text": text}
        row |= {"locality": "渝北区", "year": 2021, "language": language}
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(DOCUMENT_COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    return frame


def test_issue_sentence_is_cut_at_clauses_into_balanced_pieces() -> None:
    pieces, cut_at = cut_sentence(ISSUE_SENTENCE, 600)
    # 604 characters in two pieces near 302: 34 clauses (306) | 33 clauses and the 。 (298)
    assert pieces == [CLAUSE * 34, CLAUSE * 33 + "。"]
    assert cut_at == "clause"


def test_issue_sentence_segments_and_is_recorded() -> None:
    params = SegmentParams()
    passages, sentences, heading_chars, cuts = segment_documents(
        documents(("前言。\n" + ISSUE_SENTENCE, "zh")), params
    )
    assert passages["n_chars"].tolist() == [310, 298]  # 前言。 opens the first passage
    assert sentences["text"].tolist() == ["前言。", CLAUSE * 34, CLAUSE * 33 + "。"]
    assert "".join(sentences["text"]) == "前言。" + ISSUE_SENTENCE
    assert cuts.to_dict("records") == [
        {
            "doc_id": "d0#01",
            "first_passage_id": "d0#01/p0000",
            "last_passage_id": "d0#01/p0001",
            "n_chars": 604,
            "n_pieces": 2,
            "cut_at": "clause",
            "preview": CLAUSE * 4 + "加快发展",
        }
    ]
    metrics = segment_metrics(passages, sentences, heading_chars, params, cuts=cuts)
    assert metrics["n_sentences_cut"] == 1
    assert metrics["n_sentence_pieces"] == 2
    assert metrics["sentences_cut_at"] == {"clause": 1, "space": 0, "hard": 0}
    assert metrics["sentences_cut_in"] == ["d0#01/p0000"]
    summary = corpus_summary(documents(), passages, metrics, {}, params, cuts=cuts)
    assert "| 超长句切分 over-long sentences cut / pieces | 1 / 2 |" in summary
    assert "| d0#01 | d0#01/p0000 … d0#01/p0001 | 604 | 2 | clause |" in summary


def test_summary_says_when_nothing_was_cut() -> None:
    params = SegmentParams()
    passages, sentences, heading_chars, cuts = segment_documents(
        documents(("发展数字经济。", "zh")), params
    )
    metrics = segment_metrics(passages, sentences, heading_chars, params, cuts=cuts)
    assert metrics["n_sentences_cut"] == 0
    summary = corpus_summary(documents(), passages, metrics, {}, params, cuts=cuts)
    assert "None: every sentence fits in a passage." in summary


def test_english_sentence_is_cut_at_clauses_then_spaces() -> None:
    sentence = (
        "We build roads, bridges and ports across the whole region; "
        "we train workers and teachers in every county and town"
    )
    pieces, cut_at = cut_sentence(sentence, 40)
    assert pieces == [
        "We build roads, bridges and",
        "ports across the whole region;",
        "we train workers and teachers",
        "in every county and town",
    ]
    assert cut_at == "space"
    assert " ".join(pieces) == sentence


def test_word_longer_than_the_maximum_is_cut_into_equal_parts() -> None:
    pieces, cut_at = cut_sentence("数" * 1300, 600)
    assert [len(p) for p in pieces] == [434, 433, 433]
    assert cut_at == "hard"


def test_cut_points_are_the_sentence_exactly() -> None:
    sentence = "推进  数字化改造，" + "x" * 25 + " 完成 目标"
    parts, cut_at = cut_points(sentence, 10)
    assert "".join(parts) == sentence
    assert all(len(p) <= 10 for p in parts)
    assert cut_at == "hard"


def test_digit_commas_and_colons_are_not_clause_ends() -> None:
    assert clauses("增长1,000万元，达到10:30,然后", "zh") == [
        "增长1,000万元，",
        "达到10:30,",
        "然后",
    ]


def test_many_items_use_the_linear_rule() -> None:
    # 1,500 items of 7 within 600: greedy needs 18 groups; the smallest cap keeping 18 is 588
    groups = balanced_groups([7] * 1500, 600)
    assert [len(g) for g in groups] == [84] * 17 + [72]
    assert groups[0] == range(0, 84)


def test_two_megabyte_line_is_cut_in_linear_time() -> None:
    line = "数字经济" * 500_000  # 2,000,000 characters, no punctuation, no space
    started = time.perf_counter()
    segmented = segment_body(line, "zh", SegmentParams())
    elapsed = time.perf_counter() - started
    assert elapsed < 30  # about 0.5 s; a quadratic cut would take hours
    assert "".join(p.text("zh") for p in segmented.passages) == line
    assert len(segmented.passages) == 3334
    assert max(len(p.text("zh")) for p in segmented.passages) == 600
    assert [(c.n_pieces, c.n_chars, c.cut_at) for c in segmented.cuts] == [
        (3334, 2_000_000, "hard")
    ]


def test_two_megabyte_english_line_keeps_every_word() -> None:
    line = " ".join(f"w{k % 10}" for k in range(600_000))  # 1,799,999 characters
    passages, sentences, _, cuts = segment_documents(documents((line, "en")), SegmentParams())
    assert " ".join(sentences["text"]) == line
    assert " ".join(passages["text"]) == line
    assert (passages["n_chars"] <= 1800).all()
    assert cuts["cut_at"].tolist() == ["space"]
    assert cuts["last_passage_id"].tolist() == [f"d0#01/p{len(passages) - 1:04d}"]
