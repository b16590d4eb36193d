"""Write labels/vectors.parquet: the e5 passage vectors of the texts of the label files classify
reads by default: `corpus.labels` (seeds/labels.csv) and `classify.labels_dir` (labels/*.csv).

Run from the repository root after changing a label file's texts:
`.venv/bin/python labels/label_vectors.py` (about a minute per 2,000 new texts on 2 cores;
texts whose vectors the file already holds are not embedded again). The classify stage reads
the file as a read-only shard of its embedding cache (`--label-vectors`), so a cold run does not
embed the ~1,900 label texts again (the seed labels that are not a sentence of the
segmented seeds as written, and those of the dev corpora) (docs/labels.md, "Vectors shipped with
the labels"). A vector is used only where its key matches: the same text, encoding and model
name, and the name carries the engine's tag, so vectors made by one engine are never read by
another. The rows are sorted by key, so the same labels give the same bytes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from policytopics.config import load_params
from policytopics.io import write_parquet_atomic
from policytopics.models.embed import (
    CachedEmbedder,
    EmbeddingCache,
    build_embedder,
    label_vectors_frame,
)
from policytopics.themes.labels import read_label_files
from policytopics.themes.lexicon import lexicon_from_params

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "labels" / "vectors.parquet"


def main() -> None:
    params = load_params(ROOT / "params.yaml")
    lexicon = lexicon_from_params(params.themes.lexicon)
    paths = [ROOT / params.corpus.labels, ROOT / params.classify.labels_dir]
    labels = read_label_files(paths, lexicon)
    texts = [t for t in labels["text"].tolist() if t]
    inner = build_embedder(params.embed)
    with tempfile.TemporaryDirectory() as scratch:
        cache = EmbeddingCache(Path(scratch), shipped=[OUT])  # reuse what the file holds
        embedder = CachedEmbedder(inner, cache, params.embed.batch_size, unit="text")
        frame = label_vectors_frame(embedder, texts)
    write_parquet_atomic(frame, OUT)
    print(f"{OUT.relative_to(ROOT)}: {len(frame)} texts ({embedder.name})", file=sys.stderr)


if __name__ == "__main__":
    main()
