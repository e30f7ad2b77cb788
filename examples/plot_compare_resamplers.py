"""
============================================================
Comparing DCGAN over-sampling with SMOTE and under-sampling
============================================================

Whether generated images help a classifier is measured the way every
resampler is measured: put it in an :class:`imblearn.pipeline.Pipeline` in
front of a classifier and cross-validate the pipeline, so that resampling
happens on the training folds only and the test folds keep their real,
imbalanced class counts.

This tutorial shows what goes wrong when the data are resampled *before*
cross-validation, then compares DCGAN over-sampling with no resampling, SMOTE
and random under-sampling, each in a pipeline with the same
:class:`~gansampler.classifiers.KerasImageClassifier`, on the same folds.

To run in about a minute and a half on two CPU cores, it uses three
similar-looking digits (3, 8 and 9; 85, 22 and 18 images), three folds and
short trainings: its numbers illustrate the method, they are not a benchmark
(see :doc:`/results`).
"""

# %%
# Data: three similar digits, one of them common
# ----------------------------------------------
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.metrics import make_scorer, recall_score
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier

from gansampler import DCGANOverSampler
from gansampler.classifiers import KerasImageClassifier
from gansampler.datasets import load_imbalanced_digits
from gansampler.evaluation import corrected_resampled_ttest

X_all, y_all = load_imbalanced_digits(return_X_y=True)
keep = np.isin(y_all, [3, 8, 9])
X, y = X_all[keep], y_all[keep]
print(X.shape, sorted(Counter(y.tolist()).items()))

# %%
# imbalanced-learn's own samplers (SMOTE, random over- and under-sampling) take
# 2-D data only, so the images travel flat, one 64-value row per image, and
# the image models are told the shape with ``image_shape``.
X = X.reshape(len(X), -1)
IMAGE_SHAPE = (8, 8, 1)
print(X.shape)

# %%
# The leakage pitfall
# -------------------
# Resampling the whole data set first and cross-validating afterwards puts
# copies (or near-copies) of the same minority images on both sides of a split:
# the classifier is then tested on images it was trained on, and the scores
# are too optimistic. Random over-sampling, which copies images, and a
# one-nearest-neighbour classifier, which recognises a copy perfectly, show it
# most clearly (and in a fraction of a second). Compare resampling before the
# split with resampling inside a pipeline, on the same folds:
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
nearest = KNeighborsClassifier(n_neighbors=1)

X_over, y_over = RandomOverSampler(random_state=0).fit_resample(X, y)
leaky = cross_validate(nearest, X_over, y_over, cv=cv, scoring="balanced_accuracy")
correct = cross_validate(
    Pipeline([("resample", RandomOverSampler(random_state=0)), ("knn", nearest)]),
    X,
    y,
    cv=cv,
    scoring="balanced_accuracy",
)
print(f"resampled before CV (wrong): {leaky['test_score'].mean():.3f}")
print(f"resampled inside CV (right): {correct['test_score'].mean():.3f}")

# %%
# The first number is not a property of the method: its test folds were
# resampled too (they are balanced, and hold copies of training images). Only
# the second estimates how the pipeline does on new, imbalanced data. The same
# holds for SMOTE, whose synthetic images lie between real ones, and for a
# GAN, whose images may be close to the images it was trained on.

# %%
# One pipeline per resampler
# --------------------------
# The imbalanced-learn :class:`~imblearn.pipeline.Pipeline` calls a sampler's
# ``fit_resample`` during ``fit`` only; ``predict`` and ``score`` pass the test
# images straight to the classifier. ``"passthrough"`` stands for no
# resampling. The classifier is the small CNN of
# :class:`~gansampler.classifiers.KerasImageClassifier`; all its settings are
# constructor parameters, so they survive the cloning that cross-validation
# does.
resamplers = {
    "none": "passthrough",
    "smote": SMOTE(random_state=0),
    "random_under": RandomUnderSampler(random_state=0),
    "dcgan": DCGANOverSampler(image_shape=IMAGE_SHAPE, updates=150, random_state=0),
}


def make_pipeline(sampler):
    classifier = KerasImageClassifier(
        image_shape=IMAGE_SHAPE, epochs=10, batch_size=32, random_state=0
    )
    return Pipeline([("resample", sampler), ("cnn", classifier)])


print(make_pipeline(resamplers["dcgan"]))

# %%
# Cross-validating every pipeline on the same folds
# --------------------------------------------------
# Accuracy rewards ignoring the rare classes; balanced accuracy (the mean
# per-class recall), macro-F1 and the recall of the rarest class (9) do not.
scoring = {
    "balanced_accuracy": "balanced_accuracy",
    "macro_f1": "f1_macro",
    "recall_of_9": make_scorer(recall_score, labels=[9], average="macro"),
}
scores = {
    name: cross_validate(make_pipeline(sampler), X, y, cv=cv, scoring=scoring)
    for name, sampler in resamplers.items()
}

table = pd.DataFrame(
    {
        name: {
            metric: f"{result['test_' + metric].mean():.3f} "
            f"± {result['test_' + metric].std():.3f}"
            for metric in scoring
        }
        | {"fit time (s)": f"{result['fit_time'].mean():.1f}"}
        for name, result in scores.items()
    }
).T
print(table.to_string())

# %%
fig, axes = plt.subplots(1, 3, figsize=(10, 3), layout="constrained")
for ax, metric in zip(axes, scoring, strict=True):
    means = [scores[name]["test_" + metric].mean() for name in resamplers]
    stds = [scores[name]["test_" + metric].std() for name in resamplers]
    ax.bar(
        list(resamplers),
        means,
        yerr=stds,
        capsize=3,
        color=[f"C{i}" for i in range(len(resamplers))],
    )
    ax.set_title(metric.replace("_", " "))
    ax.set_ylim(0, 1.05)
    ax.tick_params(axis="x", labelrotation=30)

# %%
# Is a difference real?
# ---------------------
# The scores are paired: every pipeline saw the same folds. The folds of
# k-fold cross-validation share most of their training images, so a plain
# paired t-test is too optimistic; the Nadeau-Bengio corrected resampled t-test
# (:func:`~gansampler.evaluation.corrected_resampled_ttest`) accounts for it.
n_test = len(y) // cv.get_n_splits()
n_train = len(y) - n_test
for other in ("none", "smote", "random_under"):
    difference = (
        scores["dcgan"]["test_balanced_accuracy"]
        - scores[other]["test_balanced_accuracy"]
    )
    t, p = corrected_resampled_ttest(difference, n_train, n_test)
    print(f"dcgan - {other:12s} {difference.mean():+.3f}  (p = {p:.2f})")

# %%
# With three folds the test has little power: differences of several points
# can be noise. Repeat the k-fold split (``RepeatedStratifiedKFold``) for
# more folds.
#
# Reading such a comparison
# -------------------------
# * Resampling inside the folds is what makes the numbers comparable; the
#   classifier, its epochs and the folds are the same for every resampler.
# * A fixed number of classifier epochs favours resamplers that make the
#   training set larger (more gradient steps per epoch); under-sampling, which
#   shrinks it, is handicapped by the same setting.
# * Small benchmarks are noisy: look at the standard deviations and the
#   paired tests before calling a winner. On the full digits and on the ELPV
#   solar cells, DCGAN over-sampling did *not* beat random over-sampling or
#   SMOTE (:doc:`/results`).
#
# All of it in one call
# ---------------------
# :func:`~gansampler.evaluation.compare_resamplers` runs the same protocol:
# one pipeline per resampler in front of clones of one classifier, repeated
# stratified folds, balanced accuracy, G-mean, macro-F1, minority recall and
# ROC-AUC per fold, and paired tests of ``dcgan`` against each other
# resampler. It is what ``gansampler compare`` runs:
#
# .. code-block:: python
#
#     from gansampler.evaluation import compare_resamplers
#
#     result = compare_resamplers(
#         X, y, image_shape=IMAGE_SHAPE,
#         resamplers=["none", "random_over", "smote", "random_under", "dcgan"],
#         n_splits=5, n_repeats=2, random_state=0,
#     )
#     print(result.format_table())
#     print(result.format_tests())
#     figure = result.plot()
