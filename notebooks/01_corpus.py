# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1 · Corpus exploration 语料探索
#
# What the pipeline read from `seeds/` and how it cut it up: the documents found by `ingest`
# (one row per document, with the locality, year and type it detected), the passages made by
# `segment` (the unit every later count is made over), and the ingest ledger that accounts for
# every character removed. Run `dvc repro` first; the notebook reads the DVC outputs from the
# project root (or from `$POLICYTOPICS_ROOT`).

# %%
import policytopics  # first, before numpy: it pins the CPU target (docs/method.md)
import matplotlib.pyplot as plt
import pandas as pd

from policytopics import notebook as nb

nb.setup_plots()
documents = nb.read("data/interim/documents.parquet")
passages = nb.read("data/interim/passages.parquet")
ledger = nb.read("reports/corpus/ingest.json")
print(f"project: {nb.project_root()}")
print(f"{len(documents)} documents, {len(passages)} passages, {passages['locality'].nunique()} localities")

# %% [markdown]
# ## Documents
# One row per document. A scraped page can hold several documents (the Chongqing file holds ten
# work reports); English news items are mapped to the Chinese locality they are about.

# %%
documents.assign(chars=documents["text"].str.len())[
    ["doc_id", "locality", "province", "year", "doc_type", "language", "chars", "title"]
]

# %% [markdown]
# ## How much text each locality contributes
# Prevalence is a share *within* a locality, so a small locality is not penalised, but its
# intervals are wider: fewer passages means more uncertainty.

# %%
per_locality = (
    passages.groupby(["province", "locality"])
    .agg(documents=("doc_id", "nunique"), passages=("passage_id", "size"), chars=("n_chars", "sum"))
    .sort_values("chars", ascending=False)
)
per_locality

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
per_locality.reset_index().plot.bar(x="locality", y="chars", ax=ax, legend=False)
ax.set_ylabel("characters in passages 段落字数")
ax.set_xlabel("")
plt.show()

# %% [markdown]
# ## Passage lengths
# `segment` packs sentences into passages between the bounds in `params.yaml`; English passages
# are longer in characters for the same content (roughly three letters per Chinese character).

# %%
fig, ax = plt.subplots(figsize=(7, 3))
for language, group in passages.groupby("language"):
    ax.hist(group["n_chars"], bins=30, alpha=0.6, label=f"{language} ({len(group)})")
ax.set_xlabel("passage length (characters)")
ax.legend()
plt.show()

# %% [markdown]
# ## Where the passages sit in their documents
# `section_path` is the chain of headings above a passage (e.g. 第三篇 > 第九章 > 第一节...).
# The top-level headings of the longest document show how the segmenter read its structure.

# %%
longest = passages.groupby("doc_id")["n_chars"].sum().idxmax()
top_level = passages.loc[passages["doc_id"] == longest, "section_path"].str.split(" > ").str[0]
top_level.replace("", "(no heading)").value_counts(sort=False).head(20)

# %% [markdown]
# ## The ingest ledger
# Characters removed per reason (site chrome, disclaimers, teasers after "- END -", ...).
# Nothing leaves the corpus without a line in `reports/corpus/ingest.json`.

# %%
totals = ledger.get("totals", {})
pd.Series(totals.get("chars_removed_by_reason", {}), name="characters removed").sort_values(
    ascending=False
)

# %%
pd.DataFrame(
    [
        {
            "file": f.get("file"),
            "status": f.get("status"),
            "encoding": f.get("encoding"),
            "chars_kept": f.get("chars_kept"),
        }
        for f in ledger.get("files", [])
    ]
)

# %% [markdown]
# ## Most frequent tokens per locality
# The tokens LDA and BERTopic see, after the policy dictionary and stopword lists
# (`tokenize`). Boilerplate words should be absent; distinctive policy terms should stand out.

# %%
tokens = nb.read("data/processed/tokens.parquet").merge(
    passages[["passage_id", "locality"]], on="passage_id"
)
top_tokens = (
    tokens.explode("tokens")
    .dropna(subset=["tokens"])
    .groupby("locality")["tokens"]
    .agg(lambda words: "、".join(words.value_counts().head(8).index))
)
top_tokens.to_frame("top tokens")
