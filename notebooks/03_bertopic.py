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
# # 3 · BERTopic topics BERTopic主题
#
# BERTopic clusters the passages' multilingual embeddings (so Chinese and English passages on
# the same subject can share a topic) and describes each cluster with c-TF-IDF over the same
# policy-aware tokens as LDA. HDBSCAN leaves some passages as outliers (topic −1); the
# `bertopic` stage reassigns most of them and reports the share before and after.

# %%
import policytopics  # first, before numpy: it pins the CPU target (docs/method.md)
import matplotlib.pyplot as plt
import pandas as pd

from policytopics import notebook as nb

nb.setup_plots()
labels = nb.theme_labels()
topics = nb.read("reports/bertopic/topics.csv")
metrics = nb.read("reports/bertopic/metrics.json")
assignments = nb.read("data/processed/bertopic_topics.parquet")
mapping = nb.read("reports/themes/topic_themes.csv")
passages = nb.read("data/interim/passages.parquet")
by_locality = nb.read("reports/prevalence/topics_by_locality_bertopic.csv")
{k: v for k, v in metrics.items() if not isinstance(v, (dict, list))}

# %% [markdown]
# ## Topics, sizes and themes
# Size = passages assigned; the theme comes from the `themes` stage.

# %%
words = (
    topics.sort_values(["topic", "rank"])
    .groupby("topic")["word"]
    .agg(lambda w: "、".join(w.head(10)))
    .rename("top words")
)
sizes = assignments["topic"].value_counts().rename("passages")
bert_map = mapping[mapping["model"] == "bertopic"].set_index("topic")[["theme", "score"]]
table = words.to_frame().join(sizes).join(bert_map)
table["theme"] = table["theme"].map(lambda t: labels.get(t, t) if isinstance(t, str) else t)
table

# %% [markdown]
# ## Outliers before and after reduction
# `topic_before_reduction` is HDBSCAN's raw assignment; `topic` is after the reduction strategy.

# %%
pd.Series(
    {
        "outlier share before": (assignments["topic_before_reduction"] == -1).mean(),
        "outlier share after": (assignments["topic"] == -1).mean(),
    }
)

# %% [markdown]
# ## Chinese and English passages in the same topics
# The English news items about Luzhou and Longgang should land in the topics of the Chinese
# passages on the same subject: a topic with both languages is evidence of that.

# %%
joined = assignments.merge(passages[["passage_id", "language", "locality", "text"]], on="passage_id")
crosstab = pd.crosstab(joined["topic"], joined["language"])
crosstab

# %%
mixed = crosstab[(crosstab > 0).sum(axis=1) > 1].index
for topic in list(mixed)[:3]:
    print(f"topic {topic}: {words.get(topic, '')}")
    for _, row in joined[joined["topic"] == topic].groupby("language").head(1).iterrows():
        print(f"  [{row['language']}] {row['locality']}: {row['text'][:120]}")

# %% [markdown]
# ## Topic shares per locality
# Share of each locality's text assigned to each topic (hard assignments weighted by passage
# length; outliers as −1), from the `prevalence` stage.

# %%
grid = by_locality.pivot(index="locality", columns="topic", values="prevalence")
fig, ax = plt.subplots(figsize=(max(6, 0.45 * grid.shape[1]), 0.4 * grid.shape[0] + 1.5))
image = ax.imshow(grid.to_numpy(), cmap="YlGnBu", aspect="auto")
ax.set_xticks(range(grid.shape[1]), grid.columns)
ax.set_yticks(range(grid.shape[0]), grid.index)
fig.colorbar(image, ax=ax, label="share of text")
plt.show()
