"""Tokenizer: exact tokens of hand-written sentences, word lists, rules, pickling, parallelism."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pytest

from policytopics.compute import build_executor
from policytopics.config import ComputeParams, TokenizeParams
from policytopics.errors import UserError
from policytopics.text.batch import apply_phrases, tokenize_all
from policytopics.text.normalize import detect_language, normalize_text
from policytopics.text.tokenize import Tokenizer, build_tokenizer
from policytopics.text.userdict import parse_user_dict


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return build_tokenizer(TokenizeParams())


def test_user_dictionary_terms_stay_whole(tokenizer: Tokenizer) -> None:
    text = "推动成渝地区双城经济圈建设，发展数字经济。"
    assert tokenizer.tokenize(text, "zh") == ["成渝地区双城经济圈", "数字经济"]


def test_policy_terms_and_boilerplate(tokenizer: Tokenizer) -> None:
    text = "实现碳达峰碳中和，优化营商环境，深化放管服改革。"
    assert tokenizer.tokenize(text, "zh") == ["碳达峰", "碳中和", "营商环境", "放管服", "改革"]
    text = "全面推行河长制，长江水质持续改善。"
    assert tokenizer.tokenize(text, "zh") == ["河长制", "长江", "水质", "改善"]


def test_numbers_dates_percentages_units_and_ordinals_dropped(tokenizer: Tokenizer) -> None:
    text = "2021年3月11日，全区地区生产总值增长15%，完成投资200万元。"
    analysis = tokenizer.analyse(text, "zh")
    assert analysis.tokens == ["地区生产总值", "投资"]
    # 2021 / 年 / 3 / 月 / 11 / 日 / 15% / 200 / 万元
    assert analysis.removed["numbers"] == 9
    # 全区 增长 完成
    assert analysis.removed["stopwords_policy_zh"] == 3
    assert analysis.removed["punctuation"] == 3
    text = "第一，建成5G基站1200个，PM2.5浓度下降到30微克/立方米。"
    assert tokenizer.tokenize(text, "zh") == ["5g", "基站", "pm2.5", "浓度", "下降"]
    text = "一是加强白酒产业品牌建设，二是支持泸州老窖。"
    assert tokenizer.tokenize(text, "zh") == ["白酒产业", "品牌", "泸州老窖"]


def test_numbers_kept_when_rule_is_off() -> None:
    tokenizer = build_tokenizer(TokenizeParams(drop_numbers=False))
    assert tokenizer.tokenize("投资200万元", "zh") == ["投资", "200", "万元"]


def test_stopword_lists_counted_separately(tokenizer: Tokenizer) -> None:
    analysis = tokenizer.analyse("我们的工作", "zh")
    assert analysis.tokens == []
    assert analysis.removed == Counter({"stopwords_zh": 2, "stopwords_policy_zh": 1})


def test_single_characters_follow_min_chars() -> None:
    text = "保护长江鱼类"
    assert build_tokenizer(TokenizeParams()).tokenize(text, "zh") == ["保护", "长江", "鱼类"]
    text = "加快建设水、电、气设施"
    assert build_tokenizer(TokenizeParams()).tokenize(text, "zh") == ["设施"]
    short = build_tokenizer(TokenizeParams(min_chars=1))
    assert short.tokenize(text, "zh") == ["水", "电", "气", "设施"]


def test_normalisation_joins_spaced_chinese_and_folds_full_width(
    tokenizer: Tokenizer,
) -> None:
    assert normalize_text("泸 州 市　发展 ２０２１\x1f年") == "泸州市发展 2021 年"
    text = "２０２１年，泸 州 市 发 展 大数据产业。"
    assert tokenizer.tokenize(text, "zh") == ["泸州市", "大数据", "产业"]


def test_english_is_lowercased_stopped_and_stemmed(tokenizer: Tokenizer) -> None:
    text = "Luzhou develops its liquor industries and ecological protection in 2021!"
    analysis = tokenizer.analyse(text, "en")
    assert analysis.tokens == ["luzhou", "develop", "liquor", "industri", "ecolog", "protect"]
    assert analysis.removed == Counter({"stopwords_en": 3, "numbers": 1, "punctuation": 1})
    unstemmed = build_tokenizer(TokenizeParams(english_stemmer="none"))
    assert unstemmed.tokenize("The city's industries", "en") == ["city", "industries"]


def test_empty_and_all_stopword_texts_give_empty_lists(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokenize("", "zh") == []
    assert tokenizer.tokenize("   ", "en") == []
    assert tokenizer.tokenize("the and of", "en") == []


def test_unknown_language_is_a_user_error(tokenizer: Tokenizer) -> None:
    with pytest.raises(UserError, match="unsupported language 'fr'"):
        tokenizer.tokenize("bonjour", "fr")


def test_tokenizer_pickles_and_detects_language(tokenizer: Tokenizer) -> None:
    tokenizer.tokenize("发展数字经济", "zh")  # build the segmenter before pickling
    copy = pickle.loads(pickle.dumps(tokenizer))
    assert copy("推动成渝地区双城经济圈建设") == ["成渝地区双城经济圈"]
    assert copy("Liquor industries") == ["liquor", "industri"]
    assert detect_language("发展 GDP") == "zh"
    assert detect_language("GDP growth 发展") == "en"


def test_user_dictionary_override_by_path(tmp_path: Path) -> None:
    user_dict = tmp_path / "words.txt"
    user_dict.write_text("# only one term\n江阳酒业 100 nz\n", encoding="utf-8")
    tokenizer = build_tokenizer(TokenizeParams(user_dict=str(user_dict)))
    text = "发展数字经济和江阳酒业"
    assert tokenizer.tokenize(text, "zh") == ["数字", "经济", "江阳酒业"]


def test_stopword_list_override_by_path(tmp_path: Path) -> None:
    policy = tmp_path / "policy.txt"
    policy.write_text("# a researcher's own list\n数字经济\n", encoding="utf-8")
    tokenizer = build_tokenizer(TokenizeParams(stopwords_policy_zh=str(policy)))
    analysis = tokenizer.analyse("加快发展数字经济", "zh")
    assert analysis.tokens == ["加快", "发展"]
    assert analysis.removed == Counter({"stopwords_policy_zh": 1})


def test_missing_list_and_bad_dictionary_line_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="word list not found"):
        build_tokenizer(TokenizeParams(user_dict=str(tmp_path / "absent.txt")))
    with pytest.raises(UserError, match=r"words.txt:2: bad frequency or tag"):
        parse_user_dict("数字经济\n碳达峰 lots-of 3\n", "words.txt")
    assert parse_user_dict("碳达峰 5 nz # note\n碳达峰\n") == parse_user_dict("碳达峰 5 nz")


def test_pos_filter_keeps_nouns() -> None:
    tokenizer = build_tokenizer(TokenizeParams(pos_keep=["n"]))
    analysis = tokenizer.analyse(
        "推动成渝地区双城经济圈建设，发展数字经济，保护长江生态环境。", "zh"
    )
    # 保护 (v) and 生态环境 (l) fail the filter; user-dictionary terms count as nz.
    assert analysis.tokens == ["成渝地区双城经济圈", "数字经济", "长江"]
    assert analysis.removed["pos"] == 2


def test_jieba_engine_honours_the_same_user_dictionary() -> None:
    tokenizer = build_tokenizer(TokenizeParams(engine="jieba"))
    text = "推动成渝地区双城经济圈建设，发展数字经济，实现碳达峰碳中和。"
    assert tokenizer.tokenize(text, "zh") == ["成渝地区双城经济圈", "数字经济", "碳达峰", "碳中和"]


def test_parallel_output_equals_serial(tokenizer: Tokenizer, seeds_dir: Path) -> None:
    lines = [
        line
        for path in sorted(seeds_dir.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()[:40]
        if line.strip()
    ]
    languages = [detect_language(line) for line in lines]
    assert set(languages) == {"zh", "en"}
    serial = tokenize_all(lines, languages, tokenizer)
    with build_executor(ComputeParams(workers=2, min_local_tasks=1)) as two_processes:
        parallel = tokenize_all(lines, languages, tokenizer, two_processes, chunk_size=7)
    assert parallel == serial
    assert len(serial[0]) == len(lines)


def test_phrases_join_frequent_pairs() -> None:
    texts = [["长江", "保护", "白酒"], ["长江", "保护", "生态"], ["长江", "保护"], ["白酒", "生态"]]
    joined, phrases = apply_phrases(texts, min_count=2, threshold=0.1)
    assert phrases == ["长江_保护"]
    assert joined == [["长江_保护", "白酒"], ["长江_保护", "生态"], ["长江_保护"], ["白酒", "生态"]]


def test_user_dictionary_terms_whole_on_real_seed_text(
    tokenizer: Tokenizer, seeds_dir: Path
) -> None:
    text = next(seeds_dir.glob("002_*.txt")).read_text(encoding="utf-8")
    counts = Counter(t for line in text.splitlines() for t in tokenizer.tokenize(line, "zh"))
    # Every occurrence in the ten work reports comes out as one token.
    found = {w: counts[w] for w in ("成渝地区双城经济圈", "高质量发展", "河长制", "政治生态")}
    assert found == {"成渝地区双城经济圈": 58, "高质量发展": 128, "河长制": 20, "政治生态": 26}
    assert all(normalize_text(text).count(w) == n for w, n in found.items())
    assert counts["推进"] == counts["2021"] == counts["的"] == 0


def test_normalisation_is_ingests_rule_set(seeds_dir: Path) -> None:
    """One character rule set: on the texts ingest produced, normalize_text changes nothing."""
    from policytopics.corpus.gazetteer import load_gazetteer
    from policytopics.corpus.ingest import SeedFile, ingest
    from policytopics.corpus.manifest import EMPTY_MANIFEST

    files = [SeedFile(p.name, p.read_bytes()) for p in sorted(seeds_dir.glob("*.txt"))]
    texts = ingest(files, EMPTY_MANIFEST, load_gazetteer()).documents["text"].tolist()
    assert [normalize_text(text) for text in texts] == texts
    # not NFKC: Chinese punctuation and Ⅲ stay as the reader is quoted
    assert normalize_text("\u200b２０２１年，ＧＤＰ达到Ⅲ类\u3000水质") == "2021年，GDP达到Ⅲ类水质"
