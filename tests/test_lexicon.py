"""The theme lexicon: validation, trap handling and exact match counts."""

from pathlib import Path

import pytest

from policytopics.config import LdaParams, TokenizeParams
from policytopics.errors import UserError
from policytopics.models.lda_report import theme_seed_words
from policytopics.text.stem import english_stem
from policytopics.text.tokenize import build_tokenizer
from policytopics.themes.lexicon import load_lexicon, stem_term, token_text

LEXICON = load_lexicon()


def nonzero(text: str) -> dict[str, int]:
    return {k: n for k, n in LEXICON.count_matches(text).items() if n}


def test_default_taxonomy_has_thirteen_themes_in_order() -> None:
    assert LEXICON.keys == [
        "ecology",
        "digital_economy",
        "liquor_industry",
        "manufacturing",
        "agriculture_rural",
        "opening_regional",
        "urban_infrastructure",
        "livelihood",
        "culture_tourism",
        "innovation_talent",
        "services_finance",
        "governance_reform",
        "general",
    ]
    assert LEXICON.theme("liquor_industry").zh == "白酒产业"


def test_industrial_and_political_ecology_are_not_ecology() -> None:
    assert nonzero("打造产业生态圈，优化政治生态。") == {"governance_reform": 1}
    assert "ecology" not in nonzero("构建创新生态圈。")


def test_real_ecology_counts_every_seed_once() -> None:
    assert nonzero("加强长江流域生态保护修复。") == {"ecology": 1}
    assert nonzero("坚决打赢蓝天保卫战，空气质量优良天数达到330天。") == {"ecology": 3}


def test_hotel_is_services_not_liquor() -> None:
    assert nonzero("新增四星级酒店3家。") == {"services_finance": 1}


def test_liquor_city_alone_is_not_liquor_but_counts_with_support() -> None:
    assert "liquor_industry" not in nonzero("传承中国酒城文化基因。")
    assert nonzero("中国酒城做强白酒产业。")["liquor_industry"] == 2
    assert "liquor_industry" not in nonzero("The wine city welcomes guests.")
    assert nonzero("Build the liquor industry cluster in the wine city.")["liquor_industry"] == 2


def test_baijiu_of_any_city_counts_by_aroma_type_maker_and_distillery() -> None:
    assert nonzero("支持茅台、五粮液、汾酒等名优白酒企业扩能。") == {"liquor_industry": 4}
    assert nonzero("做强酱香型、浓香型、清香型产区，建设酒厂。") == {"liquor_industry": 4}
    assert nonzero("新建原酒窖池2000口。") == {"liquor_industry": 2}
    assert nonzero("泸州老窖、郎酒扩产。") == {"liquor_industry": 2}


def test_soy_sauce_brewing_packaging_and_place_names_are_not_liquor_by_themselves() -> None:
    assert "liquor_industry" not in nonzero("推进酿造酱油和食醋酿造技改。")
    assert "liquor_industry" not in nonzero("建设包材产业园。")
    assert "liquor_industry" not in nonzero("洋河新区建设加快推进。")
    assert nonzero("洋河酒厂扩建包材车间。")["liquor_industry"] == 3


def test_energy_saving_of_a_factory_is_not_ecology_without_an_ecology_seed() -> None:
    assert "ecology" not in nonzero("各工厂要节能降耗，降低成本。")
    assert nonzero("节能降耗，推进绿色低碳发展。")["ecology"] == 2


def test_national_digital_terms_of_every_era_are_digital() -> None:
    assert nonzero("推广电子计算机应用。") == {"digital_economy": 1}
    assert nonzero("推行电子政务。") == {"digital_economy": 1}
    assert nonzero("加快建设网络强国、数字中国。") == {"digital_economy": 2}
    assert nonzero("释放数字红利。") == {}


def test_english_terms_match_on_word_boundaries_case_insensitively() -> None:
    assert nonzero("Develop the Digital Economy and Big Data.") == {"digital_economy": 2}
    assert "manufacturing" not in nonzero("remanufacturingx")
    assert nonzero("Optimise the business environment.") == {"governance_reform": 1}


def test_longest_seed_wins_at_a_position() -> None:
    assert LEXICON.matched_terms("推进白酒产业集群发展，做强泸州老窖品牌。")["liquor_industry"] == [
        "白酒",
        "泸州老窖",
    ]


def test_bad_lexicon_is_one_line_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "themes.yaml"
    bad.write_text("themes:\n  - key: Eco Logy\n    zh: 生态\n", encoding="utf-8")
    with pytest.raises(UserError) as error:
        load_lexicon(bad)
    assert "\n" not in str(error.value)
    assert "themes.0.key" in str(error.value)


def test_duplicate_keys_and_missing_file_are_user_errors(tmp_path: Path) -> None:
    theme = "  - {key: a, zh: 甲, en: A, description: d, seeds_zh: [甲]}\n"
    dup = tmp_path / "dup.yaml"
    dup.write_text("themes:\n" + theme + theme, encoding="utf-8")
    with pytest.raises(UserError, match="duplicate theme keys"):
        load_lexicon(dup)
    with pytest.raises(UserError, match="not found"):
        load_lexicon(tmp_path / "missing.yaml")


def test_the_lexicon_as_tokens_spell_it_meets_stemmed_english_words() -> None:
    lexicon = load_lexicon()
    tokens = lexicon.for_tokens(english_stem("snowball"))
    # the tokenizer turns ecological into ecolog and digital economy into digit + economi
    assert lexicon.count_matches("ecolog")["ecology"] == 0
    assert tokens.count_matches("ecolog")["ecology"] == 1
    assert tokens.count_matches(token_text("digit_economi"))["digital_economy"] == 1
    assert tokens.count_matches("baijiu")["liquor_industry"] == 1
    assert tokens.count_matches("生态保护")["ecology"] == 1  # Chinese terms unchanged
    ecology, stemmed = lexicon.theme("ecology"), tokens.theme("ecology")
    assert stemmed.seeds_zh == ecology.seeds_zh
    assert len(stemmed.seeds_en) == len(ecology.seeds_en)  # term for term, in order
    assert stem_term("Environmental Protection", english_stem("snowball")) == "environment protect"
    assert stem_term("r & d", english_stem("snowball")) == "r d"
    assert stem_term("生态", english_stem("snowball")) == "生态"
    unstemmed = lexicon.for_tokens(english_stem("none"))
    assert unstemmed.count_matches("ecological") == lexicon.count_matches("ecological")
    assert token_text("数字_经济") == "数字_经济" and token_text("smart_citi") == "smart citi"


def test_english_tokens_of_the_tokenizer_find_the_lda_seed_words() -> None:
    """The path the lda stage takes on an English corpus: the tokenizer's stemmed tokens, the
    lexicon as they spell it, the seed words of the seeded topics."""
    params = TokenizeParams()
    tokenizer = build_tokenizer(params)
    text = (
        "Luzhou will strengthen ecological protection and pollution control, develop the "
        "digital economy and big data, and expand the baijiu industry and its distilleries."
    )
    tokens = tokenizer.analyse(text, "en").tokens
    lexicon = load_lexicon()
    as_tokens = lexicon.for_tokens(english_stem(params.english_stemmer))
    lda = LdaParams()  # seeded topics: ecology, digital_economy, liquor_industry
    assert tokens[:5] == ["luzhou", "strengthen", "ecolog", "protect", "pollut"]
    assert theme_seed_words(lda, lexicon, tokens) == [[], [], ["baijiu"]]
    assert theme_seed_words(lda, as_tokens, tokens) == [
        ["ecolog", "pollut"],
        ["digit"],
        ["baijiu", "distilleri"],
    ]
