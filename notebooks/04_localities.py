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
# # 4 · Locality comparison 地方比较
#
# Which policy themes each locality emphasises, and how sure we are. A theme's *share* is the
# part of the locality's text devoted to it: the classifier's theme probabilities for each
# passage, weighted by passage length, summed over the locality and divided by its total length
# (a ratio estimator). The 95% intervals come from resampling passages within each document;
# *lift* is the share over the whole corpus's share (2 = twice as prominent as on average).

# %%
import policytopics  # first, before numpy: it pins the CPU target (docs/method.md)
import matplotlib.pyplot as plt
import pandas as pd

from policytopics import notebook as nb

nb.setup_plots()
labels = nb.theme_labels()
themes = nb.read("reports/prevalence/themes_by_locality.csv")
metrics = nb.read("reports/prevalence/metrics.json")
themes["label"] = themes["theme"].map(lambda t: labels.get(t, t))
themes.head()

# %% [markdown]
# ## Locality × theme
# Each row sums to 100%. Read across a row for a locality's profile, down a column to see
# where a theme is concentrated.

# %%
grid = themes.pivot(index="label", columns="locality", values="prevalence")
grid = grid.loc[[labels[k] for k in labels if labels[k] in grid.index]]
fig, ax = plt.subplots(figsize=(0.6 * grid.shape[1] + 4, 0.4 * grid.shape[0] + 1.5))
image = ax.imshow(grid.to_numpy(), cmap="YlGnBu", aspect="auto")
ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=45, ha="right")
ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
fig.colorbar(image, ax=ax, label="share of text 文本占比")
plt.show()

# %% [markdown]
# ## The liquor industry: Luzhou against Chongqing
# The key figures in `reports/prevalence/metrics.json` (set by `prevalence.contrasts`): the
# focus localities' share with its interval, and whether every focus interval lies above every
# interval of the comparison province's localities.

# %%
for theme, contrast in metrics.get("contrasts", {}).items():
    rows = themes[themes["theme"] == theme].sort_values("prevalence")
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(rows) + 1))
    ax.errorbar(
        rows["prevalence"],
        range(len(rows)),
        xerr=[rows["prevalence"] - rows["ci_low"], rows["ci_high"] - rows["prevalence"]],
        fmt="o",
    )
    ax.set_yticks(range(len(rows)), rows["locality"])
    ax.set_title(labels.get(theme, theme))
    plt.show()
    print("focus intervals exclude every comparison share:", contrast.get("focus_excludes_versus_shares"))
    print("... and every comparison interval:", contrast.get("focus_excludes_versus_intervals"))
    display(rows[["locality", "prevalence", "ci_low", "ci_high", "lift", "n_passages"]][::-1])  # noqa: F821

# %% [markdown]
# ## What makes each locality distinctive
# The three themes with the highest lift among those filling at least 2% of the locality's
# text: the locality's emphasis relative to the corpus, not just its largest themes.

# %%
distinctive = (
    themes[themes["prevalence"] >= 0.02]
    .sort_values(["locality", "lift"], ascending=[True, False])
    .groupby("locality")
    .head(3)
)
distinctive.groupby("locality").apply(
    lambda g: "、".join(f"{l.split(' ')[0]} ({x:.1f}×)" for l, x in zip(g["label"], g["lift"])),
    include_groups=False,
).to_frame("most distinctive themes")

# %% [markdown]
# ## By year and by document type
# The same shares by year and document type: a difference here can explain a difference
# between localities (a five-year plan reads differently from a work report).

# %%
for group in ["year", "doc_type"]:
    table = nb.read(f"reports/prevalence/themes_by_{group}.csv")
    table["label"] = table["theme"].map(lambda t: labels.get(t, t))
    if table[group].nunique() > 1:
        display(table.pivot(index="label", columns=group, values="prevalence").round(3))  # noqa: F821
