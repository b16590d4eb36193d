"""Choosing the classifier's settings for new documents: CV on TRAIN documents only.

    python benchmarks/bench_classify_documents.py [--cache DIR] [--only NAME ...] [--test]
        [--cv-seeds N ...] [--query] [--prototypes W ...] [--prototype-kind passage|query]
        [--chars W ... [--char-range MIN MAX]] [--knn B ... [--knn-k K]]
        [--fractions F ... [--fraction-corpus NAME]]

Loads the `classify` stage's inputs as `dvc repro classify` does (paths from dvc.yaml, the
label files of `corpus.labels` and `classify.labels_dir`, settings from params.yaml), then for
each candidate setting prints the out-of-fold macro-F1 over the hand labels of TRAIN documents
(folds grouped by document, stratified by theme; each fold's model trains on the other folds
and on the weak passages of no held-out document; the held-out fold is scored as plain text, as
`policytopics classify` sees new text), per corpus and for ecology, digital economy and liquor.
No test document is read by any model or by the choice. `--query` re-embeds every training and
scored item with e5's `query:` prefix instead of `passage:` (anchors recomputed the same way),
`--prototypes W ...` adds, per weight W, a candidate with a description block
(`DescriptionBlockClassifier`: each text's largest cosine to each theme's descriptions,
embedded with `--prototype-kind`, times W), `--chars W ...` adds, per weight W, a candidate
with a character n-gram TF-IDF block (`CharBlockClassifier`, n-gram sizes `--char-range`,
default 1 3), `--calibrated` wraps every candidate's regression in a sigmoid calibration
(`CalibratedThemeClassifier`), `--in-context` scores each held-out item with its heading and
passage (as corpus sentences are scored; items found in no corpus passage stay plain text)
instead of as plain text. `--knn B ...` adds, per weight B, a candidate with
classify.model.knn_weight B and knn_k `--knn-k` (default 20; params.yaml's neighbour vote, B 0
turns it off). `--fractions F ...` draws a learning curve: params.yaml's setting with each
fold's model trained on a fraction F of the hand labels of `--fraction-corpus` (default seeds;
the rows whose sha256 of text, mod 1000, is below 1000 F, so a smaller fraction's rows are a
subset of a larger one's), every other training item kept and every held- out item scored as
before: whether more labels of that corpus would move the figures. With `--test` (run ONCE,
after the choice) it prints params.yaml's setting on the test documents and leave-one-corpus-
out, as the stage does. Label texts the embed stage never saw are embedded through the cache
(default data/cache/embeddings). Writes benchmarks/out/classify_documents.json.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import shlex
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold

from policytopics.config import ClassifyParams, Params, load_params
from policytopics.models.embed import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    Kind,
    align_languages,
    build_embedder,
    load_parallel_pairs,
)
from policytopics.stages.classify import parse_args, read_tables
from policytopics.text.normalize import detect_language
from policytopics.themes.by_document import (
    FOCUS,
    evaluate_documents,
    grouped_cross_validate_proba,
    held_out_report,
    weak_rows_outside,
)
from policytopics.themes.classifier import ThemeClassifier, ThemeInputs
from policytopics.themes.classify_corpus import prepare_inputs
from policytopics.themes.documents import document_rows, documents_of
from policytopics.themes.evaluate import (
    FitTask,
    Scoring,
    TrainingData,
    calibration_report,
    run_fits,
)
from policytopics.themes.lexicon import Lexicon, lexicon_from_params
from policytopics.themes.training import model_factory, training_data

ROOT = Path(__file__).resolve().parents[1]

# name -> changes to params.yaml's classify section (model: ..., weak_labels: ...)
CANDIDATES: dict[str, dict[str, dict[str, Any]]] = {
    "params.yaml": {},
    "no passage block": {"model": {"passage_weight": 0.0}},
    "no heading block": {"model": {"context_weight": 0.0}},
    "text only (no heading, no passage)": {"model": {"passage_weight": 0.0, "context_weight": 0.0}},
    "text only, balanced classes": {
        "model": {"passage_weight": 0.0, "context_weight": 0.0, "class_weight": "balanced"}
    },
    "text only, c 3": {"model": {"passage_weight": 0.0, "context_weight": 0.0, "c": 3.0}},
    "text only, c 30": {"model": {"passage_weight": 0.0, "context_weight": 0.0, "c": 30.0}},
    "text only, no TF-IDF": {
        "model": {"passage_weight": 0.0, "context_weight": 0.0, "tfidf_weight": 0.0}
    },
    "text only, lexicon 0": {
        "model": {"passage_weight": 0.0, "context_weight": 0.0, "lexicon_weight": 0.0}
    },
    "text only, lexicon 1": {
        "model": {"passage_weight": 0.0, "context_weight": 0.0, "lexicon_weight": 1.0}
    },
    "text only, embedding 2": {
        "model": {"passage_weight": 0.0, "context_weight": 0.0, "embedding_weight": 2.0}
    },
    "text only, no weak labels": {
        "model": {"passage_weight": 0.0, "context_weight": 0.0},
        "weak_labels": {"max_per_theme": 0},
    },
    "text only, hand weight 3": {
        "model": {"passage_weight": 0.0, "context_weight": 0.0},
        "weak_labels": {"hand_weight": 3.0},
    },
    "text only, hand weight 30": {
        "model": {"passage_weight": 0.0, "context_weight": 0.0},
        "weak_labels": {"hand_weight": 30.0},
    },
    # second round (after the first 14): the two best changes together, then around them
    "text only, balanced, c 30": {
        "model": {
            "passage_weight": 0.0,
            "context_weight": 0.0,
            "class_weight": "balanced",
            "c": 30.0,
        }
    },
    "text only, balanced, c 100": {
        "model": {
            "passage_weight": 0.0,
            "context_weight": 0.0,
            "class_weight": "balanced",
            "c": 100.0,
        }
    },
    "text only, balanced, c 30, lexicon 1": {
        "model": {
            "passage_weight": 0.0,
            "context_weight": 0.0,
            "class_weight": "balanced",
            "c": 30.0,
            "lexicon_weight": 1.0,
        }
    },
    "text only, balanced, c 30, hand weight 30": {
        "model": {
            "passage_weight": 0.0,
            "context_weight": 0.0,
            "class_weight": "balanced",
            "c": 30.0,
        },
        "weak_labels": {"hand_weight": 30.0},
    },
    # third round (after the digital relabelling and the general taxonomy), around params.yaml
    "c 5": {"model": {"c": 5.0}},
    "c 20": {"model": {"c": 20.0}},
    "lexicon 0.5": {"model": {"lexicon_weight": 0.5}},
    "TF-IDF 0.5": {"model": {"tfidf_weight": 0.5}},
    "embedding 1.5": {"model": {"embedding_weight": 1.5}},
    "weak max 50 per theme": {"weak_labels": {"max_per_theme": 50}},
    "weak max 200 per theme": {"weak_labels": {"max_per_theme": 200}},
    "heading 0.25, passage 1.0": {"model": {"context_weight": 0.25, "passage_weight": 1.0}},
}


def stage_args(labels: list[str], cache: Path) -> dict[str, Any]:
    """The classify stage's input paths as dvc.yaml runs it (labels interpolated)."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    words = shlex.split(stages["classify"]["cmd"])
    words = words[words.index("policytopics.stages.classify") + 1 :]
    start = words.index("--labels")
    end = next((i for i in range(start + 1, len(words)) if words[i].startswith("--")), len(words))
    words = [*words[:start], "--labels", *labels, *words[end:]]
    wanted = inspect.signature(read_tables).parameters  # the inputs, not the stage's outputs
    return {name: path for name, path in vars(parse_args(words)).items() if name in wanted}


def changed(settings: ClassifyParams, changes: dict[str, dict[str, Any]]) -> ClassifyParams:
    update = {
        section: getattr(settings, section).model_copy(update=values)
        for section, values in changes.items()
    }
    return settings.model_copy(update=update)


def reembedded(inputs: ThemeInputs, embedder: Embedder, kind: Kind) -> ThemeInputs:
    """`inputs` with every text embedded in `kind` encoding, aligned with that encoding's own
    language anchors (the mean of each language over the packaged translation pairs)."""
    pairs = load_parallel_pairs()
    anchors = {
        "zh": embedder.embed([p[0] for p in pairs], kind).mean(axis=0),
        "en": embedder.embed([p[1] for p in pairs], kind).mean(axis=0),
    }
    vectors = embedder.embed(inputs.texts, kind)
    languages = [detect_language(t) for t in inputs.texts]
    aligned = align_languages(vectors, languages, anchors)
    return replace(inputs, embeddings=aligned, passage_embeddings=aligned)


def with_kind(data: TrainingData, embedder: Embedder, kind: Kind) -> TrainingData:
    """Hand and weak items re-embedded in `kind` encoding (`reembedded`)."""
    return replace(
        data, hand=reembedded(data.hand, embedder, kind), weak=reembedded(data.weak, embedder, kind)
    )


def description_texts(lexicon: Lexicon) -> tuple[list[str], list[int]]:
    """Each theme's description in Chinese and in English ("label：description"), with the
    theme's position in the lexicon for each text."""
    texts: list[str] = []
    themes: list[int] = []
    for k, theme in enumerate(lexicon.themes):
        zh = [f"{theme.zh}：{theme.description_zh}"] if theme.description_zh else []
        for text in [*zh, f"{theme.en}: {theme.description}"]:
            texts.append(text)
            themes.append(k)
    return texts, themes


def nearest_description(
    embeddings: np.ndarray, prototypes: np.ndarray, owners: list[int], n: int
) -> np.ndarray:
    """Per theme, the largest cosine of each (normalised) embedding to that theme's
    description vectors; -1 for a theme without one. Shape (len(embeddings), n)."""
    out = np.full((len(embeddings), n), -1.0)
    if not len(embeddings) or not len(prototypes):
        return out
    cosine = embeddings.astype(np.float64) @ prototypes.astype(np.float64).T
    owner = np.asarray(owners, dtype=int)
    for k in np.unique(owner):
        out[:, k] = cosine[:, owner == k].max(axis=1)
    return out


class CalibratedThemeClassifier(ThemeClassifier):
    """The pipeline's classifier with its regression replaced by a sigmoid-calibrated one
    (`CalibratedClassifierCV`, 3 stratified folds of the training items): a candidate here."""

    def fit(
        self, inputs: ThemeInputs, themes: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> ThemeClassifier:
        super().fit(inputs, themes, sample_weight)
        calibrated = CalibratedClassifierCV(clone(self.model_), method="sigmoid", cv=3)
        self.model_ = calibrated.fit(
            self._features(inputs), np.asarray(themes), sample_weight=sample_weight
        )
        return self


def calibrated(make: Any) -> Any:
    """A maker of `make`'s classifiers, calibrated (`CalibratedThemeClassifier`)."""

    def make_calibrated() -> ThemeClassifier:
        model = CalibratedThemeClassifier.__new__(CalibratedThemeClassifier)
        model.__dict__.update(make().__dict__)
        return model

    return make_calibrated


class DescriptionBlockClassifier(ThemeClassifier):
    """The pipeline's classifier plus one block: each text's nearest-description cosine per
    theme, times `prototype_weight` (a candidate here; not in the package: it did not help)."""

    prototype_weight: float
    prototypes: np.ndarray
    prototype_themes: list[int]

    def _features(self, inputs: ThemeInputs) -> csr_matrix:
        near = nearest_description(
            inputs.embeddings, self.prototypes, self.prototype_themes, len(self.keys)
        )
        return hstack([super()._features(inputs), csr_matrix(near * self.prototype_weight)]).tocsr()


def prototype_vectors(
    lexicon: Lexicon, embedder: Embedder, kind: Kind, anchors: dict[str, np.ndarray] | None
) -> tuple[np.ndarray, list[int]]:
    """The themes' description vectors (`description_texts`), aligned like the items."""
    texts, owners = description_texts(lexicon)
    vectors = embedder.embed(texts, kind)
    if anchors is not None:
        vectors = align_languages(vectors, [detect_language(t) for t in texts], anchors)
    return vectors, owners


def with_prototypes(make: Any, prototypes: tuple[np.ndarray, list[int]], weight: float) -> Any:
    """A maker of `make`'s classifiers with the description block on at `weight`."""

    def make_with() -> ThemeClassifier:
        model = DescriptionBlockClassifier.__new__(DescriptionBlockClassifier)
        model.__dict__.update(make().__dict__)
        model.prototype_weight = weight
        model.prototypes, model.prototype_themes = prototypes
        return model

    return make_with


class CharBlockClassifier(ThemeClassifier):
    """The pipeline's classifier plus one block: TF-IDF of the raw text's character n-grams
    (sublinear, L2-normalised), times `char_weight`; independent of the tokenizer, so a word the
    dictionary splits or misses still counts (a candidate here, `--chars`)."""

    char_weight: float
    char_range: tuple[int, int]

    def fit(
        self, inputs: ThemeInputs, themes: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> ThemeClassifier:
        self.chars_ = TfidfVectorizer(
            analyzer="char", ngram_range=self.char_range, sublinear_tf=True, min_df=2
        ).fit(inputs.texts)
        return super().fit(inputs, themes, sample_weight)

    def _features(self, inputs: ThemeInputs) -> csr_matrix:
        chars = self.chars_.transform(inputs.texts) * self.char_weight
        return hstack([super()._features(inputs), chars]).tocsr()


def with_chars(make: Any, weight: float, ngrams: tuple[int, int]) -> Any:
    """A maker of `make`'s classifiers with the character n-gram block on at `weight`."""

    def make_with() -> ThemeClassifier:
        model = CharBlockClassifier.__new__(CharBlockClassifier)
        model.__dict__.update(make().__dict__)
        model.char_weight = weight
        model.char_range = ngrams
        return model

    return make_with


def out_of_fold_report(
    truth: list[str],
    predicted: list[str],
    documents: Sequence[str],
    corpora: list[str],
    params: Params,
) -> dict[str, Any]:
    """`held_out_report` of out-of-fold predictions, F1 intervals from 200 replicates."""
    evaluation = params.classify.evaluation.model_copy(update={"f1_bootstrap": 200})
    return held_out_report(truth, predicted, documents, corpora, evaluation, params.seed)


def by_corpus(reports: list[dict[str, Any]]) -> str:
    """Each corpus's macro-F1, the mean over `reports` (fold shuffles)."""
    return " ".join(
        f"{k} {np.mean([r['by_corpus'][k]['macro_f1'] for r in reports]):.3f}"
        for k in reports[0].get("by_corpus", {})
    )


def kept_share(text: str) -> float:
    """A label's place on the learning curve: sha256 of its text, mod 1000, over 1000."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % 1000 / 1000


def fraction_cross_validate(
    make: Any,
    data: TrainingData,
    rows: Sequence[int],
    documents: Sequence[str],
    folds: int,
    seed: int,
    dropped: set[int],
) -> list[str]:
    """`grouped_cross_validate`'s folds and scoring, each fold's model trained without the
    hand items of `dropped` (which are still scored when their fold is held out)."""
    rows = list(rows)
    themes = np.array([data.hand_themes[i] for i in rows])
    groups = np.array(list(documents))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(np.zeros(len(rows)), themes, groups))
    tasks = []
    for train_idx, test_idx in splits:
        held = [rows[i] for i in test_idx]
        weak = weak_rows_outside(data, held, {str(groups[i]) for i in test_idx})
        train = [rows[i] for i in train_idx if rows[i] not in dropped]
        tasks.append(FitTask(train, weak, (Scoring(held, plain_text=True),)))
    fits = run_fits(make, data, tasks, None, "cross-validation (fraction)", False)
    predicted = [""] * len(rows)
    for (_, test_idx), fit in zip(splits, fits, strict=True):
        for i, p in zip(test_idx, fit.probabilities[0].argmax(axis=1), strict=True):
            predicted[i] = fit.keys[p]
    return predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=ROOT / "data" / "cache" / "embeddings")
    parser.add_argument("--only", nargs="*", default=None, help="candidate names to run")
    parser.add_argument("--test", action="store_true", help="params.yaml on the test documents")
    parser.add_argument("--cv-seeds", type=int, nargs="*", default=None, help="fold shuffles")
    parser.add_argument("--labels", nargs="*", default=None, help="label files (default: stage's)")
    parser.add_argument(
        "--changes", default="{}", help='with --test: e.g. {"model": {"passage_weight": 1.0}}'
    )
    parser.add_argument("--query", action="store_true", help="items in e5 query encoding")
    parser.add_argument("--calibrated", action="store_true", help="sigmoid-calibrated models")
    parser.add_argument(
        "--in-context", action="store_true", help="score each item with its heading and passage"
    )
    parser.add_argument("--prototypes", type=float, nargs="*", default=[], help="block weights")
    parser.add_argument("--prototype-kind", choices=["passage", "query"], default="passage")
    parser.add_argument("--chars", type=float, nargs="*", default=[], help="char block weights")
    parser.add_argument("--char-range", type=int, nargs=2, default=[1, 3], help="n-gram sizes")
    parser.add_argument("--knn", type=float, nargs="*", default=[], help="kNN blend weights")
    parser.add_argument("--knn-k", type=int, default=20, help="neighbours of the kNN vote")
    parser.add_argument("--knn-temperature", type=float, default=0.0, help="kNN vote sharpness")
    parser.add_argument("--fractions", type=float, nargs="*", default=[], help="learning curve")
    parser.add_argument("--fraction-corpus", default="seeds", help="corpus the curve thins")
    options = parser.parse_args()
    warnings.filterwarnings("ignore")

    params = load_params(ROOT / "params.yaml")
    lexicon = lexicon_from_params(params.themes.lexicon)
    labels = options.labels or [params.corpus.labels, params.classify.labels_dir]
    tables = read_tables(
        params, lexicon, **stage_args([str(ROOT / p) for p in labels], options.cache)
    )
    embedder = CachedEmbedder(build_embedder(params.embed), EmbeddingCache(options.cache), 32)
    loaded = prepare_inputs(tables, params, lexicon, embedder)
    out: dict[str, Any] = {"cv_on_train_documents": {}}
    results_path = ROOT / "benchmarks" / "out" / "classify_documents.json"
    results_path.parent.mkdir(exist_ok=True)

    def build(settings: ClassifyParams) -> tuple[Any, Any]:
        hand, _, data = training_data(
            loaded.passages,
            loaded.passage_inputs,
            loaded.hand,
            loaded.candidates,
            settings,
            params.seed,
            loaded.embedder,
            loaded.tokenizer,
            loaded.anchors,
        )
        if options.query:
            data = with_kind(data, loaded.embedder, "query")
        return hand, data

    if options.test:
        settings = changed(params.classify, json.loads(options.changes))
        hand, data = build(settings)
        make = model_factory(lexicon, settings, params.seed)
        report = evaluate_documents(
            make,
            data,
            hand,
            set(loaded.passages["doc_id"].astype(str)),
            settings.evaluation,
            params.seed,
        )
        print(json.dumps(report, ensure_ascii=False, indent=1))
        out["test"] = report
        results_path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
        return

    if options.fractions:
        hand, data = build(params.classify)
        train = document_rows(hand, "train")
        documents = documents_of(hand, train)
        make = model_factory(lexicon, params.classify, params.seed)
        truth = [data.hand_themes[i] for i in train]
        corpora = hand["corpus"].astype(str).tolist()
        texts = hand["text"].astype(str).tolist()
        thinned = [i for i in train if corpora[i] == options.fraction_corpus]
        for fraction in options.fractions:
            start = time.perf_counter()
            dropped = {i for i in thinned if kept_share(texts[i]) >= fraction}
            reports = []
            for cv_seed in options.cv_seeds or [params.seed]:
                predicted = fraction_cross_validate(
                    make,
                    data,
                    train,
                    documents,
                    params.classify.evaluation.cv_folds,
                    cv_seed,
                    dropped,
                )
                reports.append(
                    out_of_fold_report(
                        truth, predicted, documents, [corpora[i] for i in train], params
                    )
                )
            out["cv_on_train_documents"][f"fraction {fraction:g} of {options.fraction_corpus}"] = (
                reports
            )
            corpus = by_corpus(reports)
            spread = " ".join(f"{r['macro_f1']:.3f}" for r in reports)
            print(
                f"fraction {fraction:.2f} of {options.fraction_corpus}: "
                f"{len(thinned) - len(dropped)} of {len(thinned)} labels  macro-F1 "
                f"{np.mean([r['macro_f1'] for r in reports]):.3f} ({spread})  {corpus}  "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
            results_path.write_text(json.dumps(out, ensure_ascii=False, indent=1), "utf-8")
        return

    candidates: dict[str, tuple[dict[str, dict[str, Any]], float, float]] = {
        name: (changes, 0.0, 0.0) for name, changes in CANDIDATES.items()
    }
    for weight in options.prototypes:
        candidates[f"params.yaml, description block {weight:g} ({options.prototype_kind})"] = (
            {},
            weight,
            0.0,
        )
    char_range = (options.char_range[0], options.char_range[1])
    for weight in options.chars:
        candidates[f"params.yaml, char {char_range[0]}-{char_range[1]}-grams {weight:g}"] = (
            {},
            0.0,
            weight,
        )
    vote_candidates: set[str] = set()
    for weight in options.knn:
        name = f"{options.knn_k}-NN vote (T {options.knn_temperature:g}) blended {weight:g}"
        vote = {"knn_weight": weight, "knn_k": options.knn_k}
        candidates[name] = ({"model": {**vote, "knn_temperature": options.knn_temperature}}, 0, 0)
        vote_candidates.add(name)
    kind: Kind = "query" if options.prototype_kind == "query" else "passage"
    prototypes = (
        prototype_vectors(lexicon, loaded.embedder, kind, loaded.anchors)
        if options.prototypes
        else None
    )
    for name, (changes, prototype_weight, char_weight) in candidates.items():
        added = bool(prototype_weight or char_weight) or name in vote_candidates
        if options.only is not None and name not in options.only and not added:
            continue
        settings = changed(params.classify, changes)
        start = time.perf_counter()
        hand, data = build(settings)
        train = document_rows(hand, "train")
        documents = documents_of(hand, train)
        make = model_factory(lexicon, settings, params.seed)
        if prototype_weight and prototypes is not None:
            make = with_prototypes(make, prototypes, prototype_weight)
        if char_weight:
            make = with_chars(make, char_weight, char_range)
        if options.calibrated:
            make = calibrated(make)
        truth = [data.hand_themes[i] for i in train]
        corpora = hand["corpus"].astype(str).tolist()
        reports = []
        calibration = []
        for cv_seed in options.cv_seeds or [params.seed]:
            proba, keys = grouped_cross_validate_proba(
                make,
                data,
                train,
                documents,
                settings.evaluation.cv_folds,
                cv_seed,
                plain_text=not options.in_context,
            )
            predicted = [keys[i] for i in proba.argmax(axis=1)]
            calibration.append(calibration_report(truth, proba, keys))
            reports.append(
                out_of_fold_report(truth, predicted, documents, [corpora[i] for i in train], params)
            )
        name = f"{name} [query encoding]" if options.query else name
        name = f"{name} [calibrated]" if options.calibrated else name
        name = f"{name} [scored in context]" if options.in_context else name
        key = name if not options.cv_seeds else f"{name} / folds {options.cv_seeds}"
        for report, calibrated_report in zip(reports, calibration, strict=True):
            report["calibration"] = {k: calibrated_report[k] for k in ("ece", "brier")}
        out["cv_on_train_documents"][key] = reports
        macro = np.mean([r["macro_f1"] for r in reports])
        corpus = by_corpus(reports)
        focus = " ".join(
            f"{k[:7]} {np.mean([r['per_theme'][k]['f1'] for r in reports]):.3f}"
            for k in FOCUS
            if k in reports[0]["per_theme"]
        )
        spread = " ".join(f"{r['macro_f1']:.3f}" for r in reports)
        ece = np.mean([float(str(c["ece"])) for c in calibration])
        brier = np.mean([float(str(c["brier"])) for c in calibration])
        print(
            f"{name:42s} macro-F1 {macro:.3f} ({spread})  {corpus}  {focus}  "
            f"ECE {ece:.3f} Brier {brier:.3f}  "
            f"({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        results_path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
