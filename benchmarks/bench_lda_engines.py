"""LDA engines side by side: gensim LdaModel (variational Bayes) vs tomotopy (Gibbs sampling).

    python benchmarks/bench_lda_engines.py [--tokens data/processed/tokens.parquet]
        [--k 20] [--seed 42]

Same tokens (the `lda` stage's passages and filtered dictionary, from params.yaml), same K,
same seed, one thread each. Coherence is computed for both with the project's
`policytopics.models.quality.topic_quality` (gensim CoherenceModel over the passage tokens),
diversity with `topic_diversity`. Rows:
  gensim untuned   passes 10, symmetric alpha (gensim's usual defaults)
  gensim params    passes/alpha/eta from params.yaml, no seed priors
  gensim seeded    params.yaml as the `lda` stage runs it (seed priors as configured)
  tomotopy         `lda.gibbs_iterations` Gibbs sweeps, alpha 0.1 (optimised), eta 0.01
  tomotopy seeded  the same with the seed priors as word priors
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
from gensim.corpora import Dictionary

from policytopics.config import LdaParams, load_params
from policytopics.models import lda_sweep
from policytopics.models.lda_report import theme_seed_words
from policytopics.models.quality import topic_diversity, topic_quality
from policytopics.themes.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
LEXICON = load_lexicon()  # the packaged taxonomy


def run(
    label: str,
    texts: list[list[str]],
    train: list[list[str]],
    dictionary: Dictionary,
    k: int,
    params: LdaParams,
    seed: int,
    seed_words: list[list[str]],
) -> dict[str, object]:
    """Fit one model, time it, score it; print its three most liquor/digital/ecology topics."""
    start = time.perf_counter()
    fit = lda_sweep.fit_model(params.engine, train, dictionary, k, params, seed, seed_words)
    seconds = time.perf_counter() - start
    top = [[w for w, _ in topic] for topic in lda_sweep.words_of(fit, 25)]
    quality = topic_quality(top, texts, top_n=params.coherence_top_n)
    row: dict[str, object] = {
        "engine": label,
        "fit_s": round(seconds, 1),
        "c_v": round(quality["c_v"], 3),
        "c_npmi": round(quality["c_npmi"], 3),
        "diversity": round(topic_diversity(top), 3),
    }
    for theme, marker in (("ecology", "生态"), ("digital", "数字"), ("liquor", "白酒")):
        hits = [i for i, words in enumerate(top) if marker in words[:10]]
        row[f"{theme}_topic"] = " ".join(top[hits[0]][:8]) if hits else "-"
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=Path, default=ROOT / "data/processed/tokens.parquet")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None, help="default: params.yaml seed")
    args = parser.parse_args()
    if not args.tokens.exists():
        print(f"{args.tokens}: not found (run `dvc repro tokenize` first)", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    params_all = load_params(ROOT / "params.yaml")
    params, seed = params_all.lda, args.seed if args.seed is not None else params_all.seed
    tokens = pd.read_parquet(args.tokens)
    texts = [
        list(t)
        for t, lang in zip(tokens["tokens"], tokens["language"], strict=True)
        if lang in params.fit_languages
    ]
    dictionary = Dictionary(texts)
    dictionary.filter_extremes(no_below=params.min_df, no_above=params.max_df, keep_n=params.keep_n)
    train = [t for t in ([w for w in text if w in dictionary.token2id] for text in texts) if t]
    seeded = params.model_copy(update={"seed_priors": True})
    seed_words = theme_seed_words(seeded, LEXICON, dictionary.token2id)
    print(
        f"{len(texts)} passages ({len(train)} with dictionary words), vocabulary "
        f"{len(dictionary)}, K={args.k}, seed {seed}; coherence over top "
        f"{params.coherence_top_n} words, diversity over top 25"
    )
    unseeded = params.model_copy(update={"seed_priors": False, "engine": "gensim"})
    configs = [
        ("gensim untuned", unseeded.model_copy(update={"passes": 10, "alpha": "symmetric"}), []),
        ("gensim params", unseeded, []),
        ("gensim seeded", seeded.model_copy(update={"engine": "gensim"}), seed_words),
        ("tomotopy", unseeded.model_copy(update={"engine": "tomotopy"}), []),
        ("tomotopy seeded", seeded.model_copy(update={"engine": "tomotopy"}), seed_words),
    ]
    rows = [run(label, texts, train, dictionary, args.k, p, seed, sw) for label, p, sw in configs]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_colwidth", 60):
        print(table[["engine", "fit_s", "c_v", "c_npmi", "diversity"]].to_string(index=False))
        print()
        print(
            table[["engine", "ecology_topic", "digital_topic", "liquor_topic"]].to_string(
                index=False
            )
        )
    print(
        f"\ngensim: passes {params.passes}, iterations {params.iterations}, alpha "
        f"{params.alpha}, eta {params.eta}; tomotopy: {params.gibbs_iterations} Gibbs sweeps; "
        f"seed prior weight {params.seed_prior_weight}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
