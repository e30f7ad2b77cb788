"""
==============================================
Choosing the generator with quality metrics
==============================================

"There is no metric to evaluate GAN performance", says the article behind this
library: its operator looks at image grids and decides by eye which saved
generator to use. gansampler gives that operator numbers.

* While it trains, :class:`~gansampler.DCGANOverSampler` scores the generator
  at every checkpoint against real images of the class that it held back from
  training, and keeps the best checkpoint (``validation_fraction=0.2``, the
  default). ``quality_`` records the scores and the choice.
* After training, :mod:`gansampler.metrics` measures generated images against
  real ones on features of a small CNN trained on the task's own images
  (nothing is downloaded): Fréchet and kernel distances (FID, KID), density
  and coverage, and whether the generator copies its training images.

This tutorial does both for the digit 5 (51 images).
"""

# %%
# Keeping real images aside
# -------------------------
# To judge generated fives fairly, some real fives must be kept away from the
# GAN: 15 of the 51 are set aside here. The sampler trains on the rest.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from gansampler import DCGANOverSampler
from gansampler.datasets import load_imbalanced_digits
from gansampler.metrics import fit_feature_extractor, score_samples

X, y = load_imbalanced_digits(return_X_y=True)
fives = np.flatnonzero(y == 5)
train_idx, heldout_idx = train_test_split(fives, test_size=15, random_state=0)
fit_mask = np.ones(len(y), bool)
fit_mask[heldout_idx] = False
X_fit, y_fit = X[fit_mask], y[fit_mask]
train_fives, heldout_fives = X[train_idx], X[heldout_idx]
print(len(train_fives), "fives to train on,", len(heldout_fives), "held out")

# %%
# Scores at each checkpoint
# -------------------------
# Inside ``fit_resample`` the sampler holds back ``validation_fraction`` (20 %)
# of the class's training images again, for its own scoring: the kernel
# distance (KID) between generated and held-back images in pixel space. Lower
# is better. Two runs: 30 and 300 epochs.
samplers = {}
for epochs in (30, 300):
    sampler = DCGANOverSampler(
        # Class 5 trains on 41 images, one batch: an update is an epoch.
        sampling_strategy={5: 250},
        updates=epochs,
        random_state=0,
    )
    sampler.fit_resample(X_fit, y_fit)
    samplers[epochs] = sampler

quality = samplers[300].quality_[5]
print(
    "chosen epoch:",
    quality["chosen_epoch"],
    "kernel distance:",
    round(quality["kernel_distance"], 3),
)

epochs, scores = zip(*quality["scores"], strict=True)
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.plot(epochs, scores, marker="o")
ax.axvline(
    quality["chosen_epoch"],
    color="tab:green",
    linestyle="--",
    label="chosen checkpoint",
)
ax.set_xlabel("epoch")
ax.set_ylabel("kernel distance to held-back fives")
ax.set_yscale("log")
ax.legend()

# %%
# Here the score keeps improving to the last epoch, so the last checkpoint is
# chosen. When a longer training makes the images worse again (as the article
# warns it can), an earlier checkpoint is kept instead, and the output cannot
# be worse than the best one seen. ``validation_fraction=None`` keeps the last.

# %%
# Features learned from the task's own images
# -------------------------------------------
# FID is usually computed on features of an Inception network trained on
# ImageNet, which cannot be downloaded here and knows nothing of 8x8 digits.
# :func:`~gansampler.metrics.fit_feature_extractor` trains the library's small
# CNN to tell the real classes apart and uses its penultimate layer instead.
# Fit it once, on real images only, and use the same extractor for every
# comparison: values from different extractors are not comparable.
extractor = fit_feature_extractor(X_fit, y_fit, epochs=10, random_state=0)
print(extractor.n_features_out_, "features per image")

# %%
# Comparing generators
# --------------------
# :func:`~gansampler.metrics.score_samples` computes every metric of a set of
# generated images against the held-out real fives. ``train=`` adds the
# memorisation check: are generated images much closer to the GAN's training
# images than new real images are? The first row is the yardstick: the
# training fives themselves, scored like a generator would be.
rows = {
    "real fives (baseline)": score_samples(
        heldout_fives, train_fives, extractor=extractor, random_state=0
    )
}
for epochs, sampler in samplers.items():
    fake = sampler.generate(5, 150, random_state=0)
    scores = score_samples(
        heldout_fives, fake, extractor=extractor, train=train_fives, random_state=0
    )
    scores["recognised as 5"] = float(np.mean(extractor.predict(fake) == 5))
    rows[f"GAN, {epochs} epochs"] = scores

table = pd.DataFrame(rows).T[
    ["fid", "kid", "density", "coverage", "memorisation_ratio", "recognised as 5"]
]
print(table.round(3).to_string())

# %%
# How to read the table:
#
# * **fid**, **kid**: distances between the feature distributions; lower is
#   better, 0 for identical sets. With 15 held-out images they are noisy:
#   compare generators with each other and with the baseline, not with
#   published numbers.
# * **density** (fidelity, about 1 when generated images lie where real ones
#   are) and **coverage** (diversity, the share of real images with a
#   generated one nearby; mode collapse lowers it).
# * **memorisation_ratio**: median distance of generated images to the
#   nearest training image, divided by the same for held-out real images.
#   About 1 or more: no copying; near 0: the GAN reproduces its training set.
# * **recognised as 5**: the share of generated images that the extractor's
#   CNN classifies as fives (docs/quality.md uses the same idea).

# %%
# The images behind the numbers
# -----------------------------
fig, axes = plt.subplots(3, 10, figsize=(8, 2.8), layout="constrained")
sets = {
    "real": heldout_fives[:10],
    "30 epochs": samplers[30].generate(5, 10, random_state=1),
    "300 epochs": samplers[300].generate(5, 10, random_state=1),
}
for row, (name, images) in zip(axes, sets.items(), strict=True):
    for ax, image in zip(row, images, strict=True):
        ax.imshow(image[..., 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_axis_off()
    row[0].set_title(name, fontsize=9, loc="left")
