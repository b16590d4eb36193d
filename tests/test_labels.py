"""Hand labels, weak labels from headings/lexicon/topics, and the label-priority rule."""

from pathlib import Path

import pandas as pd
import pytest

from policytopics.errors import UserError
from policytopics.themes.labels import (
    SOURCES,
    combine_labels,
    containing_rows,
    dominant_theme,
    dominant_topics_lda,
    hand_labels_by_passage,
    heading_theme,
    match_key,
    read_hand_labels,
    read_label_files,
    topic_themes_for_passages,
    weak_label_candidates,
)
from policytopics.themes.lexicon import load_lexicon

LEXICON = load_lexicon()


def test_label_priority_is_hand_then_heading_then_lexicon_then_topic() -> None:
    assert SOURCES == ("hand", "heading", "lexicon", "topic")
    candidates = {
        "topic": {"a": "general", "b": "general", "c": "general", "d": "general"},
        "lexicon": {"a": "ecology", "b": "ecology", "c": "ecology"},
        "heading": {"a": "liquor_industry", "b": "liquor_industry"},
        "hand": {"a": "digital_economy"},
    }
    labels = combine_labels(candidates, ["a", "b", "c", "d", "e"])
    assert labels.to_dict("records") == [
        {"passage_id": "a", "theme": "digital_economy", "source": "hand"},
        {"passage_id": "b", "theme": "liquor_industry", "source": "heading"},
        {"passage_id": "c", "theme": "ecology", "source": "lexicon"},
        {"passage_id": "d", "theme": "general", "source": "topic"},
    ]


def test_unknown_label_source_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown label sources"):
        combine_labels({"guess": {"a": "ecology"}}, ["a"])


def test_headings_from_the_issue_give_liquor_and_ecology() -> None:
    assert heading_theme(
        "第三篇加快构建特色优势产业新体系 > 第一节提质发展白酒产业集群", LEXICON
    ) == ("liquor_industry")
    assert heading_theme("第八篇筑牢长江上游生态屏障新基础", LEXICON) == "ecology"
    # the deepest heading without a theme defers to its parent
    assert heading_theme("第八篇筑牢长江上游生态屏障新基础 > 第一节", LEXICON) == "ecology"
    assert heading_theme("第一章规划背景", LEXICON) is None


def test_dominant_theme_needs_count_and_margin() -> None:
    assert dominant_theme({"a": 3, "b": 1}, min_count=3, min_ratio=2.0) == "a"
    assert dominant_theme({"a": 3, "b": 2}, min_count=3, min_ratio=2.0) is None
    assert dominant_theme({"a": 2, "b": 0}, min_count=3, min_ratio=2.0) is None
    assert dominant_theme({"a": 1, "b": 1}, min_count=1, min_ratio=1.0) is None


def test_topic_labels_need_a_confident_passage_and_a_confident_mapping() -> None:
    topic_themes = pd.DataFrame(
        {
            "model": ["lda", "lda", "lda", "bertopic"],
            "topic": [0, 1, 2, 0],
            "theme": ["ecology", "liquor_industry", "unmapped", "general"],
            "score": [0.8, 0.3, 0.9, 0.9],
        }
    )
    doc_topics = pd.DataFrame(
        {
            "passage_id": ["p1", "p2", "p3", "p4"],
            "topic": [0, 0, 1, 2],
            "probability": [0.9, 0.4, 0.9, 0.9],
        }
    )
    result = topic_themes_for_passages(doc_topics, topic_themes, "lda", 0.6, 0.5)
    assert result.to_dict() == {"p1": "ecology"}


def test_dominant_lda_topic_per_passage() -> None:
    frame = pd.DataFrame({"passage_id": ["a", "b"], "topic_0": [0.7, 0.2], "topic_1": [0.3, 0.8]})
    assert dominant_topics_lda(frame).to_dict("records") == [
        {"passage_id": "a", "topic": 0, "probability": 0.7},
        {"passage_id": "b", "topic": 1, "probability": 0.8},
    ]


def test_weak_candidates_from_headings_lexicon_and_agreeing_topics() -> None:
    passages = pd.DataFrame(
        {
            "passage_id": ["p1", "p2", "p3", "p4"],
            "section_path": ["第一节提质发展白酒产业集群", "", "", "第一节提质发展白酒产业集群"],
            "text": [
                "支持酒企技改扩能。",
                "打好蓝天保卫战、碧水保卫战、净土保卫战。",
                "新增四星级酒店3家。",
                "推进项目建设。",  # under the liquor heading, but says nothing about liquor
            ],
        }
    )
    votes = [pd.Series({"p1": "general", "p3": "services_finance"}), pd.Series({"p1": "ecology"})]
    out = weak_label_candidates(
        passages, LEXICON, headings=True, lexicon_dominance=(3, 2.0), topic_votes=votes
    )
    assert out == {
        "heading": {"p1": "liquor_industry"},
        "lexicon": {"p2": "ecology"},
        "topic": {"p3": "services_finance"},  # p1: the two models disagree
    }


def test_hand_labels_file_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "labels.csv"
    good.write_text(
        "text,theme,split\n加强生态保护。,ecology,test\n发展数字经济。,digital_economy,\n",
        encoding="utf-8",
    )
    frame = read_hand_labels(good, LEXICON)
    assert frame[["text", "theme", "split"]].values.tolist() == [
        ["加强生态保护。", "ecology", "test"],
        ["发展数字经济。", "digital_economy", "train"],
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("text,theme\n加强生态保护。,green\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"unknown themes \['green'\]"):
        read_hand_labels(bad, LEXICON)
    with pytest.raises(UserError, match=r"absent.csv: no such label file"):
        read_hand_labels(tmp_path / "absent.csv", LEXICON)


def test_hand_labels_find_passages_by_id_or_by_text_ignoring_punctuation() -> None:
    hand = pd.DataFrame(
        {
            "text": ["加强生态保护，推进修复", ""],
            "passage_id": ["", "p2"],
            "theme": ["ecology", "general"],
        }
    )
    passages = pd.DataFrame(
        {"passage_id": ["p1", "p2"], "text": ["加强生态保护,推进修复。", "各位代表"]}
    )
    assert hand_labels_by_passage(hand, passages) == {"p1": "ecology", "p2": "general"}


def test_containing_rows_ignores_punctuation_and_width() -> None:
    hits = containing_rows(
        ["发展数字经济，建设5G基站"], ["一、发展数字经济,建设５G基站。其他", "无关"]
    )
    assert hits == [{0}]


def test_the_committed_hand_labels_cover_every_theme_with_a_held_out_part(repo_root: Path) -> None:
    frame = read_hand_labels(repo_root / "seeds" / "labels.csv", LEXICON)
    counts = frame.groupby(["theme", "split"]).size().unstack(fill_value=0)
    assert set(counts.index) == set(LEXICON.keys)
    assert (counts["train"] + counts["test"]).min() >= 15
    assert (counts["test"] >= 5).all()
    assert 0.3 <= (frame["split"] == "test").mean() <= 0.4
    assert frame["text"].is_unique
    # no sentence appears twice up to punctuation/width, so none is in both splits
    keys = frame["text"].map(match_key)
    assert keys.is_unique, frame.loc[keys.duplicated(keep=False), "text"].tolist()[:4]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_label_files_skip_unclear_rows_and_second_readings(tmp_path: Path) -> None:
    write(
        tmp_path / "labels" / "congress.csv",
        "text,theme,corpus,document,year,pool,reading,split\n"
        "加强生态文明建设。,ecology,cpc,congress_18,2012,random,1,test\n"
        "他们的眼界局限于纯粹自私的目的；,unclear,cpc,congress_18,2012,random,1,test\n"
        "发展数字经济。,digital_economy,cpc,congress_19,2017,cue:digital_economy,1,train\n",
    )
    write(
        tmp_path / "labels" / "second_reading.csv",
        "text,theme,corpus,document,year,pool,reading,split\n"
        "加强生态文明建设。,general,cpc,congress_18,2012,random,2,test\n",
    )
    seeds = write(
        tmp_path / "seeds" / "labels.csv", "text,theme,split\n推进白酒产业。,liquor_industry,test\n"
    )
    frame = read_label_files([seeds, tmp_path / "labels"], LEXICON)
    assert frame[["text", "theme", "corpus", "document", "split", "doc_split"]].values.tolist() == [
        ["推进白酒产业。", "liquor_industry", "seeds", "", "test", ""],
        ["加强生态文明建设。", "ecology", "cpc", "congress_18", "test", "test"],
        ["发展数字经济。", "digital_economy", "cpc", "congress_19", "train", "train"],
    ]
    assert frame["source_file"].tolist() == ["labels.csv", "congress.csv", "congress.csv"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"bad.csv: not a readable CSV"),
        ("words,label\n加强生态保护。,ecology\n", r"bad.csv: needs a `theme` column"),
        (
            "text,theme,document,split\n甲。,ecology,d1,train\n乙。,general,d1,test\n",
            r"bad.csv: document 'd1' is in both train and test",
        ),
        (
            "text,theme,document,split\n甲。,ecology,,train\n",
            r"bad.csv: row 2 has an empty document",
        ),
    ],
)
def test_a_misformatted_label_file_is_a_one_line_error(
    tmp_path: Path, content: str, message: str
) -> None:
    bad = write(tmp_path / "bad.csv", content)
    with pytest.raises(UserError, match=message) as caught:
        read_label_files([bad], LEXICON)
    assert "\n" not in str(caught.value)


def test_a_missing_label_file_or_folder_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"nowhere: no such label file or directory"):
        read_label_files([tmp_path / "nowhere"], LEXICON)


def test_the_label_count_table_of_docs_labels_is_the_label_files(repo_root: Path) -> None:
    text = (repo_root / "docs" / "labels.md").read_text(encoding="utf-8")
    table = text.split("Labels per theme (first reading")[1].split("\n\n")[1]
    rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    documented = {r[0].strip(): [int(c.strip().replace(",", "")) for c in r[1:]] for r in rows}
    files = {
        corpus: pd.read_csv(repo_root / "labels" / f"{corpus}.csv")
        for corpus in ("cpc_congress", "policies_digital")
    }
    for theme, (c_test, c_train, p_test, p_train, total) in documented.items():
        counts = [
            int((f["theme"].eq(theme) | (theme == "**rows**")).loc[f["split"] == split].sum())
            for f in files.values()
            for split in ("test", "train")
        ]
        assert counts == [c_test, c_train, p_test, p_train], theme
        assert sum(counts) == total, theme
    assert set(documented) == {*LEXICON.keys, "unclear", "**rows**"}
