# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A first look at the data and the model
#
# What a data scientist checks first, on the outputs of the last `dvc repro`: the table's shape,
# missing values, the label balance, feature distributions, the split, and the model against the
# baseline. Every file comes from the project's own paths and params (`project_paths()`), never
# from a path typed here, so the notebook runs from any folder and always reads this run.
#
# This file is the notebook (a Jupytext percent script): open it in JupyterLab with
# *Open With > Notebook*. Run `dvc repro` first; the tests run it top to bottom after one.

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from {{ cookiecutter.package_name }}.artifacts import read_json, read_table
from {{ cookiecutter.package_name }}.config import load_params
from {{ cookiecutter.package_name }}.workspace import project_paths, require

paths = project_paths()
params = load_params(paths.params)
data = params.data
require(paths.raw, paths.features, paths.split, paths.metrics, paths.predictions)

# %% [markdown]
# ## The raw table
# Rows and columns as `ingest` wrote them from `data.source` in `params.yaml`.

# %%
raw = read_table(paths.raw, data)
print(f"source: {data.source}; {len(raw)} rows, {raw.shape[1]} columns; label: {data.label}")
display(raw.head())

# %% [markdown]
# ## Missing values
# The share of empty cells per column (only columns with any). The model imputes them with
# `preprocess` settings learned from the training rows.

# %%
missing = raw.isna().mean().sort_values(ascending=False)
display(missing[missing > 0].to_frame("share missing").round(4))

# %% [markdown]
# ## Label balance
# A skewed label makes plain accuracy flattering: the headline scores are balanced.

# %%
balance = raw[data.label].value_counts().to_frame("rows")
balance["share"] = (balance["rows"] / len(raw)).round(4)
display(balance)

# %% [markdown]
# ## Feature distributions
# Every numeric feature after `featurize` (heavy tails there are what `featurize.log1p` is for).

# %%
features = read_table(paths.features, data)
numeric = features.drop(columns=[data.id_column, data.label]).select_dtypes("number")
if numeric.empty:
    print("no numeric features")
else:
    numeric.hist(bins=30, figsize=(14, 2.2 * -(-numeric.shape[1] // 5)), layout=(-1, 5))
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## The split
# Rows per label in the training and test sets: the split keeps the classes' shares.

# %%
split = read_table(paths.split, data).merge(features[[data.id_column, data.label]])
display(pd.crosstab(split[data.label], split["subset"], margins=True))

# %% [markdown]
# ## The model against the baseline
# Headline scores on the test rows (`reports/metrics.json`), then how the test rows were
# classified.

# %%
display(pd.DataFrame(read_json(paths.metrics)).T)
predictions = read_table(paths.predictions, data)
display(pd.crosstab(predictions["actual"], predictions["predicted"], margins=True))
