"""
===================================
Quick start: balancing 8x8 digits
===================================

:class:`~gansampler.DCGANOverSampler` is an imbalanced-learn over-sampler for
images. ``fit_resample(X, y)`` trains one small DC-GAN per class that has to
grow, draws as many images from it as the class is short of, and appends them
to the originals.

This tutorial balances scikit-learn's 8x8 digits, made imbalanced, and looks at
the images the generators drew. The GANs train with the default budget
(``updates='auto'``: 1,000 generator updates per class on a CPU); so that the page
builds in half a minute on a CPU, only the three smallest classes grow.
"""

# %%
# An imbalanced image data set
# ----------------------------
# :func:`~gansampler.datasets.load_imbalanced_digits` keeps all 178 zeros but
# only 18 nines: class ``k`` keeps a share ``0.1 ** (k / 9)`` of its images.
# The images are ``(n, 8, 8, 1)`` float32 in ``[0, 1]``.
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np

from gansampler import DCGANOverSampler
from gansampler.datasets import load_imbalanced_digits

X, y = load_imbalanced_digits(return_X_y=True)
print(X.shape, X.dtype, X.min(), X.max())
print(sorted(Counter(y.tolist()).items()))

# %%
# Balancing with a GAN per class
# ------------------------------
# The default ``sampling_strategy='auto'`` grows every class but the largest
# to the size of the largest, as every imbalanced-learn over-sampler does
# (about 10 s per class here). A dict names the classes to grow and their
# target counts; here the three smallest grow to 178 images.
# ``random_state`` makes the result repeatable on a CPU.
sampler = DCGANOverSampler(sampling_strategy={7: 178, 8: 178, 9: 178}, random_state=0)
X_res, y_res = sampler.fit_resample(X, y)

print(X_res.shape, X_res.dtype)
print(sorted(Counter(y_res.tolist()).items()))

# %%
# The output keeps the input's layout, dtype and value range, and the original
# images come first, unchanged; the new ones follow, class by class: half of
# them generated, half copies of the class's own images (``generated_fraction``).
# ``sampling_strategy_`` says how many images each class received.
assert (X_res[: len(X)] == X).all()
print({int(k): int(v) for k, v in sampler.sampling_strategy_.items()})

# %%
# Class counts before and after
# -----------------------------
counts_before = Counter(y.tolist())
counts_after = Counter(y_res.tolist())
classes = sorted(counts_before)

fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
ax.bar(classes, [counts_after[c] for c in classes], color="tab:orange", label="added")
ax.bar(classes, [counts_before[c] for c in classes], color="tab:blue", label="real")
ax.set_xticks(classes)
ax.set_xlabel("digit")
ax.set_ylabel("images")
ax.legend()

# %%
# Real and generated images side by side
# --------------------------------------
# Each row shows real images of a class on the left and images its generator
# drew on the right. :meth:`~gansampler.DCGANOverSampler.generate` draws more
# images from a trained generator at any time.
n = 6
fig, axes = plt.subplots(3, 2 * n, figsize=(9, 2.6), layout="constrained")
for row, label in zip(axes, [7, 8, 9], strict=True):
    real = X[y == label][:n]
    fake = sampler.generate(label, n, random_state=0)
    for ax, image in zip(row, np.concatenate([real, fake]), strict=True):
        ax.imshow(image[..., 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_axis_off()
    row[0].set_title(f"real {label}", fontsize=9, loc="left")
    row[n].set_title(f"generated {label}", fontsize=9, loc="left")

# %%
# What next
# ---------
# * Whether the generated images help a classifier is a question for
#   cross-validation, with resampling inside the training folds only:
#   :ref:`sphx_glr_auto_examples_plot_compare_resamplers.py`.
# * Whether the GANs trained well: the training curves and snapshots of
#   :ref:`sphx_glr_auto_examples_plot_training_curves.py`.
