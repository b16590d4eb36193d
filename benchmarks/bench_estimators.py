"""Prevalence estimators under shift: error of theme shares per document, and the congress trend.

    .venv/bin/python benchmarks/bench_estimators.py [--mode all|simulate|labels|congress]
                                                     [--score-only]

Compares the estimators of `policytopics.analysis.quantify` (soft mean, hard counts, ACC,
PACC, EM prior shift) on three sets, each printed as a table of estimator x (MAE over themes
and documents, bias of ecology and of digital_economy):

- simulate: synthetic prior shift, no dev-corpus labels needed. The seed test split
  (seeds/labels.csv, split == test) is halved, stratified by theme (seeded): one half
  estimates the misclassification rates, the other is the pool from which 300 synthetic
  documents are drawn, each with theme priors from a Dirichlet(0.5) and 10, 30 or 100
  sentences.
- labels: the `random`-pool rows of labels/*.csv (when present) give each labelled document
  its true, length-weighted theme distribution; the estimators see the classifier's
  probabilities for the same sentences. Rates come from the whole seed test split.
- congress: every sentence of the congress reports in ../shared/corpora/ (traditional script
  converted to simplified, as labels/sample_sentences.py does), estimated per report: the
  ecology share of the 18th-20th congresses over the 9th-15th (issue 14 asks for >= 3x), and
  digital_economy before the 15th (< 0.5%) against the 18th-20th (>= 1% and >= 3x).

Texts are classified as new text arrives at the CLI (no heading, each sentence its own
passage) by the trained model in models/classifier; probabilities and language-aligned
embeddings are cached in benchmarks/out/scores.parquet, keyed by the model file's hash and
the text, so each text is embedded once (about 65 sentences/s on 2 free cores). The OOD
reference set is the seed corpus's sentences (data/processed/sentence_embeddings.parquet,
the embed stage's output) minus the seed test texts. Results go to benchmarks/out/estimators.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from policytopics.analysis.quantify import (
    acc_shares,
    bootstrap_estimates,
    em_shares,
    hard_shares,
    misclassification_rates,
    pacc_shares,
    soft_shares,
)
from policytopics.themes.ood import (
    abstain,
    confidence,
    fit_ood,
    low_confidence_share,
    median_ood,
    ood_scores,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
MODEL = ROOT / "models" / "classifier"
CORPORA = ROOT.parent / "shared" / "corpora"
CACHE = OUT / "scores.parquet"
SEED = 20261201
BATCH = 128
FOCUS = ("ecology", "digital_economy")
CONGRESS_YEAR = {1: 1921, 3: 1923, 7: 1945, 9: 1969, 10: 1973, 11: 1977, 12: 1982, 13: 1987}
CONGRESS_YEAR |= {14: 1992, 15: 1997, 16: 2002, 17: 2007, 18: 2012, 19: 2017, 20: 2022}


def model_hash(directory: Path) -> str:
    """First 16 hex digits of the sha256 of the saved pipeline (the cache key's model part)."""
    digest = hashlib.sha256((directory / "pipeline.joblib").read_bytes()).hexdigest()
    return digest[:16]


@dataclass
class Scores:
    """Probabilities (n, themes) and language-aligned embeddings (n, dim) of some texts."""

    themes: list[str]
    probs: np.ndarray
    embeddings: np.ndarray


class Scorer:
    """Classifies texts with the saved model as the CLI does, caching results on disk."""

    def __init__(self, model_dir: Path, cache_path: Path) -> None:
        from policytopics.themes.bundle import load_bundle

        self.bundle = load_bundle(model_dir)
        self.model = model_hash(model_dir)
        self.cache_path = cache_path
        self.rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if cache_path.is_file():
            table = pd.read_parquet(cache_path)
            for key, probs, vector in zip(
                table["key"], table["probs"], table["embedding"], strict=True
            ):
                self.rows[str(key)] = (
                    np.asarray(probs, dtype=np.float64),
                    np.asarray(vector, dtype=np.float32),
                )

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model}\n{text}".encode()).hexdigest()

    def _save(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(
            {
                "key": list(self.rows),
                "probs": [p for p, _ in self.rows.values()],
                "embedding": [v for _, v in self.rows.values()],
            }
        )
        tmp = self.cache_path.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(self.cache_path)

    def score(self, texts: Sequence[str], what: str) -> Scores:
        """Probabilities and aligned embeddings of `texts` (cached ones read, others computed)."""
        from policytopics.models.embed import build_embedder
        from policytopics.text.normalize import detect_language
        from policytopics.themes.bundle import prepare_inputs

        todo = list(dict.fromkeys(t for t in texts if self.key(t) not in self.rows))
        if todo:
            embedder = build_embedder(self.bundle.embed_params)
            start = time.perf_counter()
            for begin in range(0, len(todo), BATCH):
                batch = todo[begin : begin + BATCH]
                languages = [detect_language(t) for t in batch]
                inputs = prepare_inputs(
                    batch, languages, embedder, self.bundle.tokenizer, self.bundle.anchors
                )
                probs = self.bundle.classifier.predict_proba(inputs)
                for text, p, v in zip(batch, probs, inputs.embeddings, strict=True):
                    self.rows[self.key(text)] = (p, np.asarray(v, dtype=np.float32))
                done = begin + len(batch)
                rate = done / (time.perf_counter() - start)
                print(f"  {what}: classified {done}/{len(todo)} ({rate:.0f}/s)", flush=True)
                if (begin // BATCH) % 10 == 9:
                    self._save()
            self._save()
        rows = [self.rows[self.key(t)] for t in texts]
        dim = rows[0][1].shape[0] if rows else 0
        return Scores(
            themes=list(self.bundle.keys),
            probs=np.vstack([p for p, _ in rows]).reshape(len(rows), len(self.bundle.keys)),
            embeddings=np.vstack([v for _, v in rows]).reshape(len(rows), dim),
        )


def congress_sentences() -> pd.DataFrame:
    """Every sentence of every congress report (simplified script): document, congress, text."""
    import opencc

    from policytopics.corpus.sentences import sentences

    t2s = opencc.OpenCC("t2s")
    path = CORPORA / "cpc_congress" / "cpc_congress_reports.jsonl"
    rows = []
    seen: dict[int, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        number = int(record["congress"])
        seen[number] = seen.get(number, 0) + 1
        doc = f"congress_{number:02d}" + ("" if seen[number] == 1 else f"_{seen[number]}")
        for text in sentences(t2s.convert(record["content"]), "zh"):
            rows.append((doc, number, text))
    return pd.DataFrame(rows, columns=["document", "congress", "text"])


def seed_test() -> pd.DataFrame:
    """The seed labels' held-out split (text, theme)."""
    seeds = pd.read_csv(ROOT / "seeds" / "labels.csv")
    return seeds.loc[seeds["split"] == "test", ["text", "theme"]].reset_index(drop=True)


def dev_labels(random_only: bool = True) -> pd.DataFrame:
    """The (random-pool) rows of labels/*.csv, first reading (empty if none)."""
    paths = sorted((ROOT / "labels").glob("*.csv"))
    if not paths:
        return pd.DataFrame(columns=["text", "theme", "corpus", "document", "split", "pool"])
    table = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    if "reading" in table:  # a second reading of a sample is for agreement, not for truth
        table = table[table["reading"].astype(int) == 1]
    if random_only:
        table = table[table["pool"] == "random"]
    return table.reset_index(drop=True)


def training_priors(themes: Sequence[str]) -> np.ndarray:
    """The classifier's training theme distribution: hand_weight x train hand labels + weak
    labels (counts from reports/classify/metrics.json, hand_weight from params.yaml)."""
    import yaml

    metrics = json.loads((ROOT / "reports" / "classify" / "metrics.json").read_text("utf-8"))
    params = yaml.safe_load((ROOT / "params.yaml").read_text("utf-8"))
    section = params["classify"]  # hand_weight sits in classify or in one of its groups
    groups = [section, *(v for v in section.values() if isinstance(v, dict))]
    hand_weight = float(next(g["hand_weight"] for g in groups if "hand_weight" in g))
    seeds = pd.read_csv(ROOT / "seeds" / "labels.csv")
    hand = seeds.loc[seeds["split"] == "train", "theme"].value_counts()
    weak = metrics["labels"]["weak_per_theme"]
    counts = np.array([hand_weight * hand.get(t, 0) + weak.get(t, 0) for t in themes], float)
    return np.asarray(counts / counts.sum())


Estimator = Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]


def estimators(
    rates: np.ndarray, soft_rates: np.ndarray, train_priors: np.ndarray
) -> dict[str, Estimator]:
    """The compared estimators, each (probs, weights, groups, n_groups) -> shares."""

    def em(pseudo_count: float, min_sentences: int) -> Estimator:
        def run(p: np.ndarray, w: np.ndarray, g: np.ndarray, n: int) -> np.ndarray:
            return em_shares(
                p, w, g, n, train_priors, pseudo_count=pseudo_count, min_sentences=min_sentences
            )

        return run

    return {
        "soft": soft_shares,
        "hard": hard_shares,
        "acc": lambda p, w, g, n: acc_shares(p, w, g, n, rates, "clip"),
        "acc_simplex": lambda p, w, g, n: acc_shares(p, w, g, n, rates, "simplex"),
        "pacc": lambda p, w, g, n: pacc_shares(p, w, g, n, soft_rates, "clip"),
        "hard_conf50": hard_confident(0.5),
        "em": em(0.0, 1),
        "em_min10": em(0.0, 10),
        "em_pc5": em(5.0, 1),
        "em_pc20": em(20.0, 1),
    }


def hard_confident(min_confidence: float) -> Estimator:
    """Hard counts over the sentences whose top probability reaches `min_confidence` (a
    group with none keeps its hard counts)."""

    def run(p: np.ndarray, w: np.ndarray, g: np.ndarray, n: int) -> np.ndarray:
        kept = hard_shares(p, w * (confidence(p) >= min_confidence), g, n)
        return np.where(np.isnan(kept), hard_shares(p, w, g, n), kept)

    return run


def adjusted(
    estimator: Callable[[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray], np.ndarray],
    rates: np.ndarray,
) -> Estimator:
    """`acc_shares` or `pacc_shares` with these rates."""

    def run(p: np.ndarray, w: np.ndarray, g: np.ndarray, n: int) -> np.ndarray:
        return estimator(p, w, g, n, rates)

    return run


def theme_codes(labels: Sequence[str], themes: Sequence[str]) -> np.ndarray:
    index = {t: i for i, t in enumerate(themes)}
    return np.array([index[t] for t in labels], dtype=np.int64)


def true_shares(
    codes: np.ndarray, weights: np.ndarray, groups: np.ndarray, n_groups: int, k: int
) -> np.ndarray:
    """The weighted label distribution of each group."""
    return hard_shares(np.eye(k)[codes], weights, groups, n_groups)


def errors(estimate: np.ndarray, truth: np.ndarray, themes: Sequence[str]) -> dict[str, float]:
    """MAE over themes and groups, and the mean signed error of the FOCUS themes."""
    out = {"mae": float(np.mean(np.abs(estimate - truth)))}
    for theme in FOCUS:
        j = list(themes).index(theme)
        out[f"bias_{theme}"] = float(np.mean(estimate[:, j] - truth[:, j]))
    return out


def evaluate(
    ests: dict[str, Estimator],
    probs: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    truth: np.ndarray,
    themes: Sequence[str],
    n_bootstrap: int = 2000,
) -> dict[str, dict[str, float]]:
    """`errors` of each estimator, with its MAE minus soft's and a paired bootstrap interval
    of that difference (groups resampled with replacement)."""
    estimates = {name: run(probs, weights, groups, n_groups) for name, run in ests.items()}
    per_group = {name: np.abs(e - truth).mean(axis=1) for name, e in estimates.items()}
    draws = np.random.default_rng(SEED).integers(0, n_groups, size=(n_bootstrap, n_groups))
    out = {}
    for name, estimate in estimates.items():
        result = errors(estimate, truth, themes)
        difference = per_group[name] - per_group["soft"]
        low, high = np.quantile(difference[draws].mean(axis=1), [0.025, 0.975])
        result |= {"mae_vs_soft": float(difference.mean()), "ci_low": low, "ci_high": high}
        out[name] = {key: float(value) for key, value in result.items()}
    return out


def print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'estimator':<12} {'MAE':>7} {'bias eco':>9} {'bias dig':>9}  vs soft [95% CI]")
    for name, r in results.items():
        print(
            f"{name:<12} {r['mae']:>7.4f} {r['bias_ecology']:>+9.4f} "
            f"{r['bias_digital_economy']:>+9.4f}  {r['mae_vs_soft']:+.4f} "
            f"[{r['ci_low']:+.4f}, {r['ci_high']:+.4f}]"
        )
    best = min(results, key=lambda n: results[n]["mae"])
    print(f"lowest MAE: {best}")


def calibration_rates(scores: Scores, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hard and soft misclassification rates from held-out labelled sentences."""
    codes = theme_codes(labels, scores.themes)
    return (
        misclassification_rates(codes, scores.probs),
        misclassification_rates(codes, scores.probs, soft=True),
    )


def simulate(
    scorer: Scorer, train_priors: np.ndarray, n_docs: int = 300
) -> dict[str, dict[str, dict[str, float]]]:
    """Synthetic prior shift: documents drawn from half the seed test split with Dirichlet
    theme priors; rates from the other half."""
    test = seed_test()
    scores = scorer.score(test["text"].tolist(), "seed test")
    themes, k = scores.themes, len(scores.themes)
    rng = np.random.default_rng(SEED)
    calibration = np.zeros(len(test), dtype=bool)
    for theme in sorted(test["theme"].unique()):
        members = np.flatnonzero((test["theme"] == theme).to_numpy())
        calibration[rng.permutation(members)[: len(members) // 2]] = True
    cal, pool = np.flatnonzero(calibration), np.flatnonzero(~calibration)
    rates, soft_rates = calibration_rates(
        Scores(themes, scores.probs[cal], scores.embeddings[cal]), test["theme"].iloc[cal].tolist()
    )
    pool_codes = theme_codes(test["theme"].iloc[pool].tolist(), themes)
    present = np.unique(pool_codes)
    by_theme = {c: pool[pool_codes == c] for c in present}
    lengths = test["text"].str.len().to_numpy(dtype=float)
    ests = estimators(rates, soft_rates, train_priors)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for size in (10, 30, 100):
        rows_all, groups_all = [], []
        for d in range(n_docs // 3):
            priors = rng.dirichlet(np.full(len(present), 0.5))
            drawn = rng.choice(present, size=size, p=priors)
            rows_all.append(np.array([rng.choice(by_theme[c]) for c in drawn]))
            groups_all.append(np.full(size, d))
        drawn_rows = np.concatenate(rows_all)
        groups = np.concatenate(groups_all)
        codes = theme_codes(test["theme"].iloc[drawn_rows].tolist(), themes)
        truth = true_shares(codes, lengths[drawn_rows], groups, n_docs // 3, k)
        results[f"{size} sentences"] = evaluate(
            ests, scores.probs[drawn_rows], lengths[drawn_rows], groups, n_docs // 3, truth, themes
        )
        print_table(
            f"simulate: {n_docs // 3} documents of {size} sentences", results[f"{size} sentences"]
        )
    return results


def pooled_rates(scorer: Scorer, dev_rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Rates from the seed test split and these labelled dev-corpus rows."""
    frame = pd.concat([seed_test(), dev_rows[["text", "theme"]]], ignore_index=True)
    frame = frame[frame["theme"].isin(scorer.bundle.keys)]
    return calibration_rates(
        scorer.score(frame["text"].astype(str).tolist(), "rates"), frame["theme"].tolist()
    )


def labelled(scorer: Scorer, ests: dict[str, Estimator]) -> dict[str, dict[str, dict[str, float]]]:
    """Documents of the dev corpora whose random-pool sentences are labelled."""
    table = dev_labels()
    every = dev_labels(random_only=False)
    scores = scorer.score(table["text"].astype(str).tolist(), "dev labels") if len(table) else None
    results: dict[str, dict[str, dict[str, float]]] = {}
    if scores is None:
        print("\nlabels: no labels/*.csv with random-pool rows yet; skipped")
        return results
    themes, k = scores.themes, len(scores.themes)
    known = table["theme"].isin(themes).to_numpy()
    print(f"\nlabels: {known.sum()} random-pool sentences ({(~known).sum()} unclear left out)")
    print("  *_loco: rates from the seed test split + the OTHER corpus's labels (all pools)")
    print("  *_split: rates from the seed test split + this corpus's train-split labels")
    print("  vs soft: MAE minus soft's, paired bootstrap over documents, 95% interval")
    weights = table["text"].astype(str).str.len().to_numpy(dtype=float)
    test_split = (table["split"] == "test").to_numpy()
    sets: dict[str, tuple[np.ndarray, dict[str, Estimator]]] = {
        "all corpora": (np.ones(len(table), dtype=bool), ests)
    }
    for corpus in sorted(table["corpus"].unique()):
        mine = (table["corpus"] == corpus).to_numpy()
        loco = pooled_rates(scorer, every[every["corpus"] != corpus])
        these = {**ests, "acc_loco": adjusted(acc_shares, loco[0])}
        these["pacc_loco"] = adjusted(pacc_shares, loco[1])
        sets[corpus] = (mine, these)
        inside = pooled_rates(
            scorer, every[(every["corpus"] == corpus) & (every["split"] == "train")]
        )
        split = {**these, "acc_split": adjusted(acc_shares, inside[0])}
        split["pacc_split"] = adjusted(pacc_shares, inside[1])
        sets[f"{corpus}, test split"] = (mine & test_split, split)
    for name, (chosen, these) in sets.items():
        rows = np.flatnonzero(chosen & known)
        docs, groups = np.unique(table["document"].iloc[rows].astype(str), return_inverse=True)
        codes = theme_codes(table["theme"].iloc[rows].tolist(), themes)
        truth = true_shares(codes, weights[rows], groups, len(docs), k)
        results[f"{name} (per document)"] = evaluate(
            these, scores.probs[rows], weights[rows], groups, len(docs), truth, themes
        )
        print_table(
            f"labels, {name}: {len(docs)} documents, {len(rows)} sentences, error per document",
            results[f"{name} (per document)"],
        )
    rows = np.flatnonzero(known)
    corpora, groups = np.unique(table["corpus"].iloc[rows].astype(str), return_inverse=True)
    codes = theme_codes(table["theme"].iloc[rows].tolist(), themes)
    truth = true_shares(codes, weights[rows], groups, len(corpora), k)
    results["per corpus"] = evaluate(
        ests, scores.probs[rows], weights[rows], groups, len(corpora), truth, themes
    )
    print_table("labels: each corpus as one group", results["per corpus"])
    return results


def seed_reference(scorer: Scorer) -> np.ndarray:
    """Aligned embeddings of the seed corpus's sentences, minus the seed test texts."""
    from policytopics.models.embed import align_languages
    from policytopics.text.normalize import detect_language

    sentences = pd.read_parquet(ROOT / "data" / "interim" / "sentences.parquet")
    vectors = pd.read_parquet(ROOT / "data" / "processed" / "sentence_embeddings.parquet")
    table = sentences.merge(vectors, on="sentence_id")
    table = table[~table["text"].isin(set(seed_test()["text"]))]
    matrix = np.vstack(list(table["embedding"])).astype(np.float32)
    anchors = scorer.bundle.anchors
    if anchors is None:
        return matrix
    languages = [detect_language(t) for t in table["text"]]
    return np.asarray(align_languages(matrix, languages, anchors))


@dataclass(frozen=True)
class Abstention:
    """The abstention rule of the benchmark (docs/estimators.md)."""

    min_confidence: float = 0.5
    max_ood: float = 0.99


def ood_report(
    scorer: Scorer, rule: Abstention
) -> tuple[Callable[[Scores], np.ndarray], dict[str, dict[str, float]]]:
    """The fitted OOD scorer, and how the signal reads on seed test and dev labels."""
    start = time.perf_counter()
    model = fit_ood(seed_reference(scorer))
    print(
        f"\nOOD reference: {len(model.reference)} seed sentences, k={model.k}, "
        f"fitted in {time.perf_counter() - start:.1f} s; rule: confidence < "
        f"{rule.min_confidence} or OOD > {rule.max_ood}"
    )

    def score(s: Scores) -> np.ndarray:
        return ood_scores(model, s.embeddings)

    out: dict[str, dict[str, float]] = {}
    sets = {"seed test": seed_test()}
    table = dev_labels()
    for corpus in sorted(table["corpus"].unique()) if len(table) else []:
        sets[corpus] = table[table["corpus"] == corpus]
    print(
        f"{'set':<18} {'n':>5} {'OOD>max':>8} {'conf<min':>8} {'abstain':>8} "
        f"{'acc kept':>8} {'acc abst':>8} {'median OOD':>10}"
    )
    for name, frame in sets.items():
        frame = frame[frame["theme"].isin(scorer.bundle.keys)]
        s = scorer.score(frame["text"].astype(str).tolist(), name)
        ood = score(s)
        mask = abstain(s.probs, ood, rule.min_confidence, rule.max_ood)
        right = np.array(scorer.bundle.keys)[s.probs.argmax(axis=1)] == frame["theme"].to_numpy()
        out[name] = {
            "n": float(len(frame)),
            "share_ood": float(np.mean(ood > rule.max_ood)),
            "share_low_confidence": float(np.mean(confidence(s.probs) < rule.min_confidence)),
            "share_abstained": float(mask.mean()),
            "accuracy_kept": float(right[~mask].mean()) if (~mask).any() else float("nan"),
            "accuracy_abstained": float(right[mask].mean()) if mask.any() else float("nan"),
            "median_ood": float(np.median(ood)),
        }
        wrong = ~right
        if 0 < wrong.sum() < len(wrong):
            out[name]["auroc_confidence"] = float(roc_auc_score(wrong, -confidence(s.probs)))
            out[name]["auroc_ood"] = float(roc_auc_score(wrong, ood))
        r = out[name]
        print(
            f"{name:<18} {len(frame):>5} {r['share_ood']:>8.3f} {r['share_low_confidence']:>8.3f} "
            f"{r['share_abstained']:>8.3f} {r['accuracy_kept']:>8.3f} "
            f"{r['accuracy_abstained']:>8.3f} {r['median_ood']:>10.3f}"
        )
    print("errors found (AUROC of the score for a wrong top theme; 0.5 = chance):")
    for name, r in out.items():
        if "auroc_ood" in r:
            print(
                f"  {name:<18} 1 - confidence {r['auroc_confidence']:.3f}, OOD {r['auroc_ood']:.3f}"
            )
    if len(table):
        out["documents"] = document_signal(scorer, table, score, rule)
    return score, out


def document_signal(
    scorer: Scorer, table: pd.DataFrame, score: Callable[[Scores], np.ndarray], rule: Abstention
) -> dict[str, float]:
    """Does a labelled document's median OOD or abstained share predict its share error?"""
    frame = table[table["theme"].isin(scorer.bundle.keys)].reset_index(drop=True)
    s = scorer.score(frame["text"].astype(str).tolist(), "dev labels")
    weights = frame["text"].astype(str).str.len().to_numpy(dtype=float)
    docs, groups = np.unique(frame["document"].astype(str), return_inverse=True)
    truth = true_shares(
        theme_codes(frame["theme"].tolist(), s.themes), weights, groups, len(docs), len(s.themes)
    )
    ood = score(s)
    typical = median_ood(ood, groups, len(docs))
    mask = abstain(s.probs, ood, rule.min_confidence, rule.max_ood)
    low = low_confidence_share(mask, weights, groups, len(docs))
    out: dict[str, float] = {"documents": float(len(docs))}
    print(f"documents ({len(docs)}): Spearman of the signal with the document's share MAE")
    for name, run in (("soft", soft_shares), ("hard", hard_shares)):
        mae = np.abs(run(s.probs, weights, groups, len(docs)) - truth).mean(axis=1)
        out[f"spearman_median_ood_{name}"] = float(spearmanr(typical, mae)[0])
        out[f"spearman_abstained_{name}"] = float(spearmanr(low, mae)[0])
        flagged = low > 0.25
        out[f"mae_{name}_abstained_over_025"] = float(mae[flagged].mean())
        out[f"mae_{name}_others"] = float(mae[~flagged].mean())
        print(
            f"  {name}: median OOD {out[f'spearman_median_ood_{name}']:.2f}, abstained share "
            f"{out[f'spearman_abstained_{name}']:.2f}; MAE of the {flagged.sum()} documents with "
            f"> 25% abstained text {out[f'mae_{name}_abstained_over_025']:.4f}, "
            f"of the others {out[f'mae_{name}_others']:.4f}"
        )
    return out


def ratio(later: float, earlier: float) -> float:
    """later / earlier, inf when the earlier share is below 0.01% (and the later is not)."""
    if earlier < 1e-4:
        return float("inf") if later >= 1e-4 else float("nan")
    return later / earlier


RATIO_BOOTSTRAP = 200
ERAS = {"9th-15th": range(9, 16), "18th-20th": range(18, 21), "before 15th": range(1, 15)}


def congress(
    scorer: Scorer,
    ests: dict[str, Estimator],
    ood: Callable[[Scores], np.ndarray],
    rule: Abstention,
) -> dict[str, dict[str, float]]:
    """Per-report shares of every congress sentence; the issue's trend checks per estimator."""
    table = congress_sentences()
    scores = scorer.score(table["text"].tolist(), "congress")
    themes = scores.themes
    eco, dig = themes.index("ecology"), themes.index("digital_economy")
    weights = table["text"].str.len().to_numpy(dtype=float)
    docs, groups = np.unique(table["document"], return_inverse=True)
    number = table.groupby("document")["congress"].first().loc[docs].to_numpy()
    length = np.bincount(groups, weights=weights)
    percentile = ood(scores)
    mask = abstain(scores.probs, percentile, rule.min_confidence, rule.max_ood)
    low = low_confidence_share(mask, weights, groups, len(docs))
    median = [float(np.median(percentile[groups == g])) for g in range(len(docs))]
    print(f"\ncongress: {len(table)} sentences in {len(docs)} reports")
    print("  congress        " + " ".join(f"{n:>5}" for n in number))
    print("  abstained text  " + " ".join(f"{v:>5.2f}" for v in low))
    print("  median OOD      " + " ".join(f"{v:>5.2f}" for v in median))

    def era(shares: np.ndarray, column: int, name: str) -> float:
        chosen = np.isin(number, list(ERAS[name]))
        return float(np.average(shares[chosen, column], weights=length[chosen]))

    rates, soft_rates = pooled_rates(scorer, dev_labels(random_only=False))
    ests = dict(ests)
    ests["acc_dev"] = adjusted(acc_shares, rates)
    ests["pacc_dev"] = adjusted(pacc_shares, soft_rates)
    print("  acc_dev / pacc_dev: rates from the seed test split + all dev-corpus labels")
    results: dict[str, dict[str, float]] = {}
    print(
        f"{'estimator':<12} {'eco 9-15':>8} {'eco 18-20':>9} {'ratio':>6} "
        f"{'dig <15':>8} {'dig max<15':>10} {'dig 18-20':>9} {'ratio':>6}  checks"
    )
    for name, run in ests.items():
        shares = run(scores.probs, weights, groups, len(docs))
        r = {
            "ecology_9_15": era(shares, eco, "9th-15th"),
            "ecology_18_20": era(shares, eco, "18th-20th"),
            "digital_before_15": era(shares, dig, "before 15th"),
            "digital_max_before_15": float(shares[number < 15, dig].max()),
            "digital_18_20": era(shares, dig, "18th-20th"),
        }
        r["ecology_ratio"] = ratio(r["ecology_18_20"], r["ecology_9_15"])
        r["digital_ratio"] = ratio(r["digital_18_20"], r["digital_before_15"])
        checks = [
            r["ecology_ratio"] >= 3,
            r["digital_before_15"] < 0.005,
            r["digital_18_20"] >= 0.01 and r["digital_ratio"] >= 3,
        ]
        r["checks_passed"] = float(sum(checks))
        results[name] = r
        print(
            f"{name:<12} {r['ecology_9_15']:>8.2%} {r['ecology_18_20']:>9.2%} "
            f"{r['ecology_ratio']:>6.1f} {r['digital_before_15']:>8.2%} "
            f"{r['digital_max_before_15']:>10.2%} {r['digital_18_20']:>9.2%} "
            f"{r['digital_ratio']:>6.1f}  {''.join('+' if c else '-' for c in checks)}"
        )
    print(f"ecology ratio 18th-20th / 9th-15th, {RATIO_BOOTSTRAP} sentence resamples per report:")
    for name in ("soft", "hard", "pacc", "pacc_dev", "em_pc5"):
        draws = bootstrap_estimates(
            ests[name], scores.probs, weights, groups, groups, len(docs), RATIO_BOOTSTRAP, SEED
        )
        ratios = [ratio(era(d, eco, "18th-20th"), era(d, eco, "9th-15th")) for d in draws]
        low, high = np.quantile(ratios, [0.025, 0.975])
        results[name] |= {"ecology_ratio_low": float(low), "ecology_ratio_high": float(high)}
        print(f"  {name:<10} {results[name]['ecology_ratio']:.1f} [{low:.1f}, {high:.1f}]")
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["all", "simulate", "labels", "congress"], default="all")
    parser.add_argument("--score-only", action="store_true", help="only classify and cache")
    options = parser.parse_args(argv)
    scorer = Scorer(MODEL, CACHE)
    if options.score_only:
        test = seed_test()
        scorer.score(test["text"].tolist(), "seed test")
        scorer.score(dev_labels()["text"].astype(str).tolist(), "dev labels")
        scorer.score(congress_sentences()["text"].tolist(), "congress")
        return
    print(
        f"model {MODEL} sha256 {scorer.model}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    priors = training_priors(scorer.bundle.keys)
    test = seed_test()
    rates, soft_rates = calibration_rates(
        scorer.score(test["text"].tolist(), "seed test"), test["theme"].tolist()
    )
    ests = estimators(rates, soft_rates, priors)
    report: dict[str, object] = {"model_sha256": scorer.model, "date": time.strftime("%Y-%m-%d")}
    if options.mode in ("all", "simulate"):
        report["simulate"] = simulate(scorer, priors)
    if options.mode in ("all", "labels"):
        report["labels"] = labelled(scorer, ests)
    if options.mode in ("all", "congress"):
        rule = Abstention()
        ood, report["ood"] = ood_report(scorer, rule)
        report["congress"] = congress(scorer, ests, ood, rule)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "estimators.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nwrote {OUT / 'estimators.json'}")


if __name__ == "__main__":
    main()
