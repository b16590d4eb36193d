"""The trained classifier on documents it has never seen: the hand labels in labels/*.csv.

    uv run --no-sync python benchmarks/bench_new_documents.py [--model models/classifier]

Sends every labelled sentence of labels/*.csv (today `cpc_congress.csv` and
`policies_digital.csv`: the congress reports 1921-2022 and the digital-policy workbook of
../shared/corpora/, see docs/labels.md; `second_reading.csv` is not read) through
`policytopics classify` as plain text, exactly as a researcher would (no heading, no
passage), and prints accuracy, macro-F1 (95% bootstrap interval) and per-theme F1 with
counts, per corpus, era, split and pool (`random` rows are a random sample per document;
`cue:<theme>` rows were drawn for containing a theme cue). Rows labelled `unclear` are
counted, not scored. Then, per congress report and on its random rows only, the
classifier's soft-mean share (mean probability) and hard share (argmax) of ecology and
digital_economy against the labelled share. Writes benchmarks/out/new_documents.json.
About 3 min on 2 shared cores for the ~1,100 sentences (most of it loading and embedding).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

ROOT = Path(__file__).resolve().parents[1]
SECOND_READING = "second_reading.csv"  # a re-labelled sample, not more labels
FOCUS = ("ecology", "digital_economy")
UNCLEAR = "unclear"
BOOTSTRAP = 1000
ERAS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "cpc_congress": (
        (1921, 1945, "1921-1945"),
        (1969, 1977, "1969-1977"),
        (1982, 1997, "1982-1997"),
        (2002, 2012, "2002-2012"),
        (2017, 2022, "2017-2022"),
    ),
    "policies_digital": ((2013, 2019, "2013-2019"), (2020, 2024, "2020-2024")),
}
# the period contrast: 9th-15th congresses (1969-1997) against 18th-20th (2012-2022)
EARLY, LATE = (1969, 1997), (2012, 2022)


def label_files(directory: Path) -> list[Path]:
    """Every first-reading label file in `directory` (labels/*.csv but the second reading)."""
    return sorted(p for p in directory.glob("*.csv") if p.name != SECOND_READING)


def read_labels(directory: Path) -> pd.DataFrame:
    """All label files, one frame; `era` added."""
    frames = [pd.read_csv(path, encoding="utf-8") for path in label_files(directory)]
    labels = pd.concat(frames, ignore_index=True)
    labels["era"] = [
        era_of(c, int(y)) for c, y in zip(labels["corpus"], labels["year"], strict=True)
    ]
    return labels


def era_of(corpus: str, year: int) -> str:
    for start, end, name in ERAS.get(corpus, ()):
        if start <= year <= end:
            return name
    return f"{year // 10 * 10}s"  # a corpus without named eras: by decade


def classify(texts: Sequence[str], model: Path) -> list[dict[str, Any]]:
    """`policytopics classify --jsonl` on the texts, one record per text, in order."""
    stdin = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    entry = "from policytopics.cli import main; raise SystemExit(main())"
    command = [sys.executable, "-c", entry, "classify", "--jsonl", "--model", str(model)]
    result = subprocess.run(
        command, input=stdin, capture_output=True, text=True, encoding="utf-8", check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"policytopics classify failed ({result.returncode}): {result.stderr}")
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    if len(records) != len(texts):
        raise SystemExit(f"policytopics classify returned {len(records)} records for {len(texts)}")
    return records


def scores(gold: pd.Series, pred: pd.Series, seed: int = 0) -> dict[str, Any]:
    """Accuracy, macro-F1 over the gold themes (bootstrap interval) and per-theme F1."""
    themes = sorted(set(gold))
    y, p = gold.to_numpy(), pred.to_numpy()
    macro = float(f1_score(y, p, labels=themes, average="macro", zero_division=0))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(BOOTSTRAP):
        index = rng.integers(0, len(y), len(y))
        present = sorted(set(y[index]))
        draws.append(f1_score(y[index], p[index], labels=present, average="macro", zero_division=0))
    precision, recall, f1, support = precision_recall_fscore_support(
        y, p, labels=themes, zero_division=0
    )
    per_theme = {
        theme: {
            "f1": round(float(f1[k]), 3),
            "precision": round(float(precision[k]), 3),
            "recall": round(float(recall[k]), 3),
            "n": int(support[k]),
            "predicted": int((p == theme).sum()),
        }
        for k, theme in enumerate(themes)
    }
    return {
        "n": len(y),
        "accuracy": round(float(accuracy_score(y, p)), 3),
        "macro_f1": round(macro, 3),
        "macro_f1_interval": [round(float(q), 3) for q in np.percentile(draws, [2.5, 97.5])],
        "per_theme": per_theme,
    }


def shares(rows: pd.DataFrame) -> dict[str, Any]:
    """Labelled, soft-mean and hard share of the focus themes on clearly labelled rows."""
    out: dict[str, Any] = {"n": len(rows)}
    for theme in FOCUS:
        out[theme] = {
            "labelled": round(float((rows["theme"] == theme).mean()), 4),
            "soft_mean": round(float(rows[f"p_{theme}"].mean()), 4),
            "hard": round(float((rows["predicted"] == theme).mean()), 4),
        }
    return out


def share_tables(labelled: pd.DataFrame) -> dict[str, Any]:
    """Per congress report (random pool) and the early/late contrast of the issue."""
    congress = labelled[(labelled["corpus"] == "cpc_congress") & (labelled["pool"] == "random")]
    per_report = {
        doc: {"year": int(rows["year"].iloc[0]), **shares(rows)}
        for doc, rows in congress.groupby("document", sort=True)
    }
    periods = {
        name: shares(congress[congress["year"].between(*bounds)])
        for name, bounds in (("9th-15th (1969-1997)", EARLY), ("18th-20th (2012-2022)", LATE))
    }
    return {"per_report": per_report, "periods": periods}


def evaluate(labelled: pd.DataFrame) -> dict[str, Any]:
    """Scores overall and per corpus x {era, split, pool kind}, and each corpus's confusions."""
    result: dict[str, Any] = {"all": scores(labelled["theme"], labelled["predicted"])}
    for corpus, rows in labelled.groupby("corpus", sort=True):
        block: dict[str, Any] = {"all": scores(rows["theme"], rows["predicted"])}
        block["confusion"] = {  # gold theme -> predicted theme -> sentences
            str(gold): {str(p): int(n) for p, n in part["predicted"].value_counts().items()}
            for gold, part in rows.groupby("theme", sort=True)
        }
        for column in ("era", "split", "pool_kind"):
            block[column] = {
                str(key): scores(part["theme"], part["predicted"])
                for key, part in rows.groupby(column, sort=True)
            }
        result[str(corpus)] = block
    result["pool_kind"] = {
        str(key): scores(part["theme"], part["predicted"])
        for key, part in labelled.groupby("pool_kind", sort=True)
    }
    return result


def print_scores(title: str, block: dict[str, Any], themes: bool = False) -> None:
    low, high = block["macro_f1_interval"]
    print(
        f"{title:<34} n {block['n']:>5}  acc {block['accuracy']:.3f}  "
        f"macro-F1 {block['macro_f1']:.3f} [{low:.3f}, {high:.3f}]"
    )
    if themes:
        for theme, row in block["per_theme"].items():
            print(
                f"    {theme:<22} F1 {row['f1']:.3f}  P {row['precision']:.3f}  "
                f"R {row['recall']:.3f}  n {row['n']:>4}  predicted {row['predicted']:>4}"
            )


def print_report(result: dict[str, Any], counts: dict[str, Any]) -> None:
    print(f"labels: {counts['rows']} rows, {counts['unclear']} unclear (not scored)")
    print_scores("all corpora", result["scores"]["all"], themes=True)
    for kind, block in result["scores"]["pool_kind"].items():
        print_scores(f"  pool {kind}", block)
    for name in result["counts"]["by_corpus_theme"]:
        block = result["scores"][name]
        print()
        print_scores(name, block["all"], themes=True)
        for column in ("era", "split", "pool_kind"):
            for key, part in block[column].items():
                print_scores(f"  {column} {key}", part)
    print("\nCongress reports, random pool, clearly labelled rows: share of sentences")
    header = "  ".join(f"{t[:9]:>9} lab/soft/hard" for t in FOCUS)
    print(f"{'report':<16} {'year':>4} {'n':>3}  {header}")
    table = result["shares"]
    rows = [(doc, r) for doc, r in table["per_report"].items()] + list(table["periods"].items())
    for doc, r in rows:
        cells = "  ".join(
            " /".join(f"{100 * r[t][kind]:5.1f}" for kind in ("labelled", "soft_mean", "hard"))
            + "%"
            for t in FOCUS
        )
        print(f"{doc:<16} {r.get('year', ''):>4} {r['n']:>3}  {cells}")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_json_atomic(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(data, stream, ensure_ascii=False, indent=2)
    Path(temporary).replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "classifier")
    parser.add_argument("--labels", type=Path, default=ROOT / "labels")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "out" / "new_documents.json"
    )
    options = parser.parse_args()
    if not (options.model / "pipeline.joblib").is_file():
        raise SystemExit(f"no trained classifier in {options.model}/; run `dvc repro classify`")

    labels = read_labels(options.labels)
    labelled = labels[labels["theme"] != UNCLEAR].reset_index(drop=True)
    records = classify(labelled["text"].tolist(), options.model)
    labelled["predicted"] = [r["theme"] for r in records]
    for theme in FOCUS:
        labelled[f"p_{theme}"] = [float(r["scores"][theme]) for r in records]
    labelled["pool_kind"] = labelled["pool"].map(lambda p: "random" if p == "random" else "cue")

    counts = {
        "rows": len(labels),
        "unclear": int((labels["theme"] == UNCLEAR).sum()),
        "by_corpus_theme": {
            str(c): {str(t): int(n) for t, n in rows["theme"].value_counts().sort_index().items()}
            for c, rows in labels.groupby("corpus", sort=True)
        },
    }
    spec = options.model / "spec.json"
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "model": str(options.model),
        "model_spec_sha256": sha256(spec) if spec.is_file() else None,
        "model_pipeline_sha256": sha256(options.model / "pipeline.joblib"),
        "label_files_sha256": {p.name: sha256(p) for p in label_files(options.labels)},
        "input": "plain text (no heading, no passage), as `policytopics classify`",
        "counts": counts,
        "scores": evaluate(labelled),
        "shares": share_tables(labelled),
    }
    print_report(result, counts)
    write_json_atomic(result, options.out)
    print(f"\nwrote {options.out}")


if __name__ == "__main__":
    main()
