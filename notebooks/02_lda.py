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
# # 2 · LDA topics LDA主题
#
# The `lda` stage fits one gensim LDA model per number of topics K listed in `params.yaml`,
# scores each with c_v and c_npmi coherence and topic diversity, and keeps the K the rule in
# `lda.select_by` picks. Here: that choice, the topics' top words, the policy theme each topic
# was mapped to (`themes` stage), and how much of each locality's text each topic covers.

# %%
import policytopics  # first, before numpy: it pins the CPU target (docs/method.md)
import matplotlib.pyplot as plt
import pandas as pd

from policytopics import notebook as nb

nb.setup_plots()
labels = nb.theme_labels()
coherence = nb.read("reports/lda/coherence.csv")
metrics = nb.read("reports/lda/metrics.json")
topics = nb.read("reports/lda/topics.csv")
mapping = nb.read("reports/themes/topic_themes.csv")
doc_topics = nb.read("data/processed/lda_doc_topics.parquet")
passages = nb.read("data/interim/passages.parquet")
by_locality = nb.read("reports/prevalence/topics_by_locality_lda.csv")

# %% [markdown]
# ## Coherence against the number of topics
# Higher c_v / c_npmi: the top words of a topic co-occur in the passages. Diversity: the share
# of distinct words among all topics' top 25 (low = topics repeat each other).

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for column in ["c_v", "c_npmi", "diversity"]:
    if column in coherence:
        ax.plot(coherence["num_topics"], coherence[column], marker="o", label=column)
ax.set_xlabel("number of topics K")
ax.legend()
plt.show()
metrics.get("chosen", metrics)

# %% [markdown]
# ## Topics, their words and their theme
# Each topic's top words (weights from the model) beside the theme the `themes` stage mapped it
# to, with the mapping score. "unmapped" topics are those no theme explains well.

# %%
words = (
    topics.sort_values(["topic", "rank"])
    .groupby("topic")["word"]
    .agg(lambda w: "、".join(w.head(10)))
    .rename("top words")
)
lda_map = mapping[mapping["model"] == "lda"].set_index("topic")[["theme", "score"]]
table = words.to_frame().join(lda_map)
table["theme"] = table["theme"].map(lambda t: labels.get(t, t))
table

# %% [markdown]
# ## Passages that express a topic most clearly
# The passages with the highest weight on one topic: read them to judge whether the label fits.

# %%
topic_columns = [c for c in doc_topics.columns if c.startswith("topic_")]
dominant = doc_topics.set_index("passage_id")[topic_columns].idxmax(axis=1)
strongest = doc_topics.set_index("passage_id")[topic_columns].max(axis=1)
example_topic = dominant.value_counts().index[0]
best = strongest[dominant == example_topic].sort_values(ascending=False).head(3).index
print(example_topic, words.get(int(example_topic.split("_")[1]), ""))
passages.set_index("passage_id").loc[best, ["locality", "section_path", "text"]]

# %% [markdown]
# ## Topic shares per locality
# The share of each locality's text per topic (`prevalence` stage; passage-topic weights
# weighted by passage length, 95% bootstrap intervals in the CSV).

# %%
grid = by_locality.pivot(index="locality", columns="topic", values="prevalence")
fig, ax = plt.subplots(figsize=(max(6, 0.5 * grid.shape[1]), 0.4 * grid.shape[0] + 1.5))
image = ax.imshow(grid.to_numpy(), cmap="YlGnBu", aspect="auto")
ax.set_xticks(range(grid.shape[1]), grid.columns)
ax.set_yticks(range(grid.shape[0]), grid.index)
fig.colorbar(image, ax=ax, label="share of text")
plt.show()
