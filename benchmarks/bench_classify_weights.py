"""How the feature weights were first chosen: 5-fold CV on the seed labels' TRAIN split.

Superseded for new documents by benchmarks/bench_classify_documents.py (CV grouped by
document over the train documents of every labelled corpus, scored as plain text); this one
reads only corpus.labels (the seed labels) and their sentence-wise split.

    python benchmarks/bench_classify_weights.py [--seeds 42 7] [--quick]

Loads the `classify` stage's inputs exactly as `dvc repro classify` does (paths from the
stage's `cmd` in dvc.yaml, settings from params.yaml), then for each setting in a grid over
`classify.model`'s `embedding_weight` x `lexicon_weight` (then `c` for the best pair, then
`context_weight`, the heading-path block, for the best of those, then `passage_weight`, the
surrounding passage's embedding, on top of that; the grid itself is text-only) prints the
out-of-fold macro-F1 and the F1 of ecology, digital_economy and liquor_industry, averaged over the
shuffles in --seeds. Only train-split hand labels are scored; the held-out test split is
never read by the model or the choice. Folds keep the sentences of one passage together (they
share its heading and passage embedding), and each fold's model trains on the other folds
plus the weak passages that contain none of the fold's sentences (`cross_validate_hand`). About 8 s
per setting and seed on 2 cores. Needs `dvc repro themes embed` first.
"""

from __future__ import annotations

import argparse
import inspect
import shlex
import time
import warnings
from pathlib import Path

import numpy as np
import yaml

from policytopics.config import load_params
from policytopics.models.embed import build_embedder
from policytopics.stages.classify import parse_args, read_tables
from policytopics.themes.classify_corpus import prepare_inputs
from policytopics.themes.evaluate import cross_validate_hand, f1_report
from policytopics.themes.lexicon import lexicon_from_params
from policytopics.themes.training import model_factory, training_data

ROOT = Path(__file__).resolve().parents[1]
FOCUS = ("ecology", "digital_economy", "liquor_industry")
TEXT_ONLY = {"context_weight": 0.0, "passage_weight": 0.0}


def stage_args(labels: list[str]) -> argparse.Namespace:
    """The classify stage's arguments, as dvc.yaml runs it (`labels` for --labels)."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    words = shlex.split(stages["classify"]["cmd"])
    words = words[words.index("policytopics.stages.classify") + 1 :]
    start = words.index("--labels")
    end = next((i for i in range(start + 1, len(words)) if words[i].startswith("--")), len(words))
    return parse_args([*words[:start], "--labels", *labels, *words[end:]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7], help="CV shuffles")
    parser.add_argument("--quick", action="store_true", help="only params.yaml's setting")
    options = parser.parse_args()
    warnings.filterwarnings("ignore")

    params = load_params(ROOT / "params.yaml")
    lexicon = lexicon_from_params(params.themes.lexicon)
    arguments = vars(stage_args([str(ROOT / params.corpus.labels)]))  # the seed labels only
    wanted = inspect.signature(read_tables).parameters  # the inputs, not the stage's outputs
    paths = {name: path for name, path in arguments.items() if name in wanted}
    tables = read_tables(params, lexicon, **paths)
    loaded = prepare_inputs(tables, params, lexicon, build_embedder(params.embed))
    settings = params.classify
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
    train = [i for i, split in enumerate(hand["split"]) if split == "train"]
    truth = [data.hand_themes[i] for i in train]
    print(f"train split: {len(train)} hand sentences, {len(data.weak)} weak passages")

    def score(**changes: float) -> float:
        chosen = settings.model_copy(update={"model": settings.model.model_copy(update=changes)})
        start = time.perf_counter()
        rows = []
        for seed in options.seeds:
            make = model_factory(loaded.lexicon, chosen, params.seed)
            report = f1_report(
                truth, cross_validate_hand(make, data, train, settings.evaluation.cv_folds, seed)
            )
            per = report["per_theme_f1"]
            assert isinstance(per, dict)
            rows.append([float(str(report["macro_f1"]))] + [per[k] for k in FOCUS])
        mean = np.mean(rows, axis=0)
        label = " ".join(f"{k}={v:g}" for k, v in changes.items()) or "params.yaml"
        print(
            f"{label:40s} macro-F1 {mean[0]:.4f}  ecology {mean[1]:.4f}  "
            f"digital {mean[2]:.4f}  liquor {mean[3]:.4f}  ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        return float(mean[0])

    score()
    if options.quick:
        return
    grid = {
        (e, lw, 10.0): score(**TEXT_ONLY, embedding_weight=e, lexicon_weight=lw, c=10.0)
        for e in (1.0, 2.0, 3.0)
        for lw in (0.25, 0.5, 1.0)
    }
    best_e, best_l, _ = max(grid, key=lambda k: grid[k])
    for c in (3.0, 30.0):
        grid[(best_e, best_l, c)] = score(
            **TEXT_ONLY, embedding_weight=best_e, lexicon_weight=best_l, c=c
        )
    e, lw, c = max(grid, key=lambda k: grid[k])
    # the heading-path block last, on top of the best text-only setting (0 = text only)
    best = {"embedding_weight": e, "lexicon_weight": lw, "c": c, "passage_weight": 0.0}
    contexts = {0.0: grid[(e, lw, c)]}
    for cw in (0.25, 0.5, 1.0):
        contexts[cw] = score(**best, context_weight=cw)
    best["context_weight"] = max(contexts, key=lambda k: contexts[k])
    # then the surrounding passage's embedding, on top of both (0 = each text alone)
    around = {0.0: contexts[best["context_weight"]]}
    for pw in (0.25, 0.5, 1.0, 2.0):
        around[pw] = score(**{**best, "passage_weight": pw})
    best["passage_weight"] = max(around, key=lambda k: around[k])
    chosen = " ".join(f"{k}={v:g}" for k, v in best.items())
    print(f"best by CV macro-F1 ({around[best['passage_weight']]:.4f}): {chosen}")


if __name__ == "__main__":
    main()
