"""The theme audit: which topics carry each theme, lexicon coverage, and the gaps both ways."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from policytopics.themes.lexicon import Lexicon, token_text
from policytopics.themes.mapping import UNMAPPED

AUDIT_COLUMNS: tuple[str, ...] = (
    "theme",
    "zh",
    "lda_topics",  # "3 (0.62); 7 (0.41)": topic ids with their mapping score
    "bertopic_topics",
    "n_lda_topics",
    "n_bertopic_topics",
    "n_seed_terms",
    "corpus_coverage",  # share of seed terms found in at least one passage
    "topic_word_coverage",  # share of seed terms found among any topic's top words
    "seeds_not_in_corpus",  # a few examples, to prune or fix the lexicon
)


def seeds_found(texts: Iterable[str], lexicon: Lexicon) -> dict[str, set[str]]:
    """Per theme, the (lower-cased) seed terms that occur in any of `texts`, traps excluded."""
    found: dict[str, set[str]] = {k: set() for k in lexicon.keys}
    for text in texts:
        for key, terms in lexicon.matched_terms(text).items():
            found[key].update(terms)
    return found


def _topic_list(mapping: pd.DataFrame, model: str, theme: str) -> list[str]:
    rows = mapping[(mapping["model"] == model) & (mapping["theme"] == theme)]
    rows = rows.sort_values("score", ascending=False, kind="stable")
    return [f"{int(t)} ({s:.2f})" for t, s in zip(rows["topic"], rows["score"], strict=True)]


def audit_table(
    mapping: pd.DataFrame,
    lexicon: Lexicon,
    corpus_texts: Sequence[str],
    models: Sequence[str] = ("lda", "bertopic"),
    token_lexicon: Lexicon | None = None,
) -> pd.DataFrame:
    """One row per theme: carrying topics per model and lexicon coverage. Topic words are
    matched with `token_lexicon` (the lexicon as the tokens spell it; default `lexicon`)."""
    words_lexicon = token_lexicon if token_lexicon is not None else lexicon
    in_corpus = seeds_found(corpus_texts, lexicon)
    in_topics = seeds_found(
        [token_text(w) for words in mapping["top_words"].astype(str) for w in words.split()],
        words_lexicon,
    )
    rows = []
    for theme, token_theme in zip(lexicon.themes, words_lexicon.themes, strict=True):
        # each seed with its form among the tokens (the n-th seed of both is the same term)
        token_form = {
            s.lower(): t.lower() for s, t in zip(theme.seeds, token_theme.seeds, strict=True)
        }
        seeds = sorted(token_form)
        topics = {m: _topic_list(mapping, m, theme.key) for m in models}
        missing = [s for s in seeds if s not in in_corpus[theme.key]]
        rows.append(
            {
                "theme": theme.key,
                "zh": theme.zh,
                "lda_topics": "; ".join(topics.get("lda", [])),
                "bertopic_topics": "; ".join(topics.get("bertopic", [])),
                "n_lda_topics": len(topics.get("lda", [])),
                "n_bertopic_topics": len(topics.get("bertopic", [])),
                "n_seed_terms": len(seeds),
                "corpus_coverage": round(len(in_corpus[theme.key] & set(seeds)) / len(seeds), 3),
                "topic_word_coverage": round(
                    sum(token_form[s] in in_topics[theme.key] for s in seeds) / len(seeds), 3
                ),
                "seeds_not_in_corpus": " ".join(missing[:8]),
            }
        )
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def seeded_topic_lines(
    mapping: pd.DataFrame, lexicon: Lexicon, seeded_themes: Sequence[str]
) -> list[str]:
    """What became of each seeded LDA topic (`lda.seed_themes`: theme i seeds topic i).

    The seed prior puts a theme's seed terms at the head of its topic's word list whatever the
    corpus does with them; the mapping reads the topic's representative passages too. Where the
    two disagree, the topic's words name one theme and its passages another: said here, so that
    nobody reads the seed terms as a finding.
    """
    if not seeded_themes:
        return [
            "LDA was fitted without seeded topics (`lda.seed_priors: false` or no "
            "`lda.seed_themes`)."
        ]
    lda = mapping[mapping["model"] == "lda"]
    theme_score_words = zip(
        lda["theme"].astype(str),
        lda["score"].astype(float),
        lda["top_words"].astype(str),
        strict=True,
    )
    by_topic = dict(zip(lda["topic"].astype(int), theme_score_words, strict=True))
    lines = []
    for topic, theme in enumerate(seeded_themes):
        if topic not in by_topic:
            continue
        mapped, score, top_words = by_topic[topic]
        seeds = [
            w for w in top_words.split() if lexicon.count_matches(token_text(w)).get(theme, 0) > 0
        ]
        head = f"- lda topic {topic}, seeded with {theme}"
        if not seeds:
            lines.append(
                f"{head}: none of its top words is a {theme} seed term, so the seeding left "
                f"no mark (the vocabulary holds few or none); mapped to {mapped} ({score:.2f})"
            )
        elif mapped == theme:
            lines.append(f"{head}: mapped to {theme} ({score:.2f}), as seeded")
        else:
            lines.append(
                f"- **lda topic {topic}, seeded with {theme}, is mapped to {mapped} "
                f"({score:.2f})**: {theme}'s seed terms ({' '.join(seeds[:4])}) head its word "
                f"list because the prior puts them there (`lda.seed_prior_weight`), but its "
                f"representative passages are about {mapped}: read the topic by its passages, "
                f"not by its first words"
            )
    return lines


def audit_markdown(
    audit: pd.DataFrame,
    mapping: pd.DataFrame,
    models: Sequence[str],
    lexicon: Lexicon,
    seeded_themes: Sequence[str],
) -> str:
    """The audit for researchers: themes x models, unexplained topics, unexpressed themes,
    and what became of the seeded LDA topics (`seeded_themes`: theme i seeded topic i; their
    top words are matched with `lexicon`, the lexicon as the tokens spell it)."""
    lines = [
        "# Theme audit",
        "",
        "Each topic of each model is mapped to the theme with the highest combined evidence "
        "(lexicon matches among its top words, lexicon-dominant themes of its representative "
        "passages, and e5 similarity of those passages to the theme descriptions); below "
        "`themes.min_score` it stays unmapped. Scores are in parentheses.",
        "",
        "## Themes and the topics that carry them",
        "",
        "| theme | 中文 | "
        + " | ".join(f"{m} topics" for m in models)
        + " | seed terms | in corpus | in topic words |",
        "|---|---|" + "---|" * len(models) + "---|---|---|",
    ]
    for row in audit.itertuples(index=False):
        cells = [getattr(row, f"{m}_topics") or "—" for m in models]
        lines.append(
            f"| {row.theme} | {row.zh} | "
            + " | ".join(cells)
            + f" | {row.n_seed_terms} | {row.corpus_coverage:.0%} | {row.topic_word_coverage:.0%} |"
        )
    lines += ["", "## Topics no theme explains", ""]
    unmapped = mapping[mapping["theme"] == UNMAPPED]
    if unmapped.empty:
        lines.append("None: every topic is mapped.")
    for row in unmapped.itertuples(index=False):
        lines.append(
            f"- {row.model} topic {row.topic} (closest: {row.best_theme}, "
            f"score {row.score:.2f}): {row.top_words}"
        )
    lines += ["", "## Themes no topic expresses", ""]
    for model in models:
        missing = audit.loc[audit[f"n_{model}_topics"] == 0, "theme"].tolist()
        lines.append(f"- {model}: {', '.join(missing) if missing else 'none'}")
    if "lda" in models:
        lines += ["", "## Seeded LDA topics", ""]
        lines += seeded_topic_lines(mapping, lexicon, seeded_themes)
    lines += ["", "## Seed terms never seen in the corpus (first few per theme)", ""]
    for row in audit.itertuples(index=False):
        if row.seeds_not_in_corpus:
            lines.append(f"- {row.theme}: {row.seeds_not_in_corpus!s}")
    return "\n".join(lines) + "\n"
