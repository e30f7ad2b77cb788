"""
==============================
Balancing a folder of images
==============================

Image data usually live on disk, one file per image. This tutorial writes a
tiny, made-up visual-inspection data set into a temporary folder (good parts
and a few scratched ones, one sub-folder per class), loads it with
:func:`~gansampler.datasets.load_image_folder`, generates scratched parts with
:class:`~gansampler.DCGANOverSampler` and writes them back as PNG files with
:func:`~gansampler.datasets.save_image_folder`, the layout the loader reads.
The same is one command, ``gansampler balance``, shown at the end.
"""

# %%
# A tiny inspection data set on disk
# ----------------------------------
# 64 good parts (a bright ring) and 12 defective ones (a ring with a dark
# scratch), 16x16 grey images. ``save_image_folder`` writes each class into
# its own sub-folder.
import tempfile
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from gansampler import DCGANOverSampler
from gansampler.datasets import (
    SkippedImagesWarning,
    load_image_folder,
    save_image_folder,
)
from gansampler.plotting import plot_image_grid

rng = np.random.default_rng(0)
rows, cols = np.mgrid[:16, :16]


def part(scratched):
    """One 16x16 uint8 image: a noisy ring, with a dark scratch if defective."""
    centre = 7.5 + rng.uniform(-1, 1, size=2)
    radius = np.hypot(rows - centre[0], cols - centre[1])
    image = 40 + 170 * np.exp(-((radius - 5) ** 2) / 2) + rng.normal(0, 12, (16, 16))
    if scratched:
        angle = rng.uniform(0, np.pi)
        offset = rng.uniform(-2, 2)
        distance = (rows - 7.5) * np.cos(angle) - (cols - 7.5) * np.sin(angle)
        image[np.abs(distance - offset) < 0.8] = 20
    return np.clip(image, 0, 255).astype(np.uint8)


labels = np.array(["good"] * 64 + ["scratch"] * 12)
images = np.stack([part(label == "scratch") for label in labels])

folder = Path(tempfile.mkdtemp()) / "parts"
paths = save_image_folder(images, labels, folder)
for class_folder in sorted(folder.iterdir()):
    names = sorted(p.name for p in class_folder.iterdir())
    print(f"{class_folder.name}/: {len(names)} files, {names[0]} ... {names[-1]}")

# %%
# Real folders are rarely clean. The article's retinopathy images included
# empty (0 KB) files that had to be deleted first; here one is added on
# purpose, with a stray text file.
(folder / "scratch" / "broken.png").write_bytes(b"")
(folder / "scratch" / "notes.txt").write_text("inspected on Monday")

# %%
# Loading the folder
# ------------------
# :func:`~gansampler.datasets.load_image_folder` reads one sub-folder per
# class (or a folder plus a labels CSV, such as Kaggle's ``image,level``).
# Nothing is dropped silently: files it cannot use are listed in one
# :class:`~gansampler.datasets.SkippedImagesWarning` and in ``skipped``.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", SkippedImagesWarning)
    data = load_image_folder(folder)
print(caught[0].message)

X, y = data.images, data.target
print(X.shape, X.dtype, sorted(Counter(y.tolist()).items()))

# %%
# ``image_size=`` resizes on loading (all images must otherwise share one
# size), ``channels=`` forces grey (1) or RGB (3). Grey uint8 images come as
# ``(n, H, W, 1)``.
figure = plot_image_grid(X[y == "scratch"], n_columns=12, title="real scratches")

# %%
# Generating the missing defects
# ------------------------------
# The sampler takes the uint8 images as they are and returns uint8 images in
# 0-255. The labels may be strings. ``generated_fraction=1.0`` makes every new
# image a generated one (by default half are copies of real ones), so that the
# new images can be looked at and written out.
sampler = DCGANOverSampler(updates=300, generated_fraction=1.0, random_state=0)
X_res, y_res = sampler.fit_resample(X, y)
print(X_res.dtype, sorted(Counter(y_res.tolist()).items()))

X_new, y_new = X_res[len(X) :], y_res[len(X) :]
figure = plot_image_grid(
    X_new[:24], n_columns=12, title="generated scratches (300 epochs)"
)

# %%
# 300 updates (each an epoch of one batch of 12 images) are few: the generated
# rings are rough and noisy, and the scratches, the very thing the class is
# about, are hard to see. ``updates='auto'`` (the default, 1,000 generator
# updates per class on a CPU) trains longer; but with a dozen images a GAN has
# little to learn from, and copies (random over-sampling) may serve a classifier
# as well. Look at the images before using them, and compare on held-out data
# (:ref:`sphx_glr_auto_examples_plot_compare_resamplers.py`).

# %%
# Writing the generated images
# ----------------------------
# Only the new images are written, with their own prefix, into a separate
# folder: the real data stay untouched, and the generated ones can be
# inspected (or deleted) before they are used.
out = folder.parent / "generated"
written = save_image_folder(X_new, y_new, out, prefix="generated")
print(len(written), "files, e.g.", Path(written[0]).relative_to(out))

# %%
# The generated folder reads back like any other:
generated = load_image_folder(out)
print(generated.images.shape, sorted(Counter(generated.target.tolist()).items()))

# %%
# The same from the command line
# ------------------------------
# ``gansampler balance`` loads a folder, trains a GAN per class that has to
# grow and writes only the generated images into a new folder::
#
#     gansampler balance parts --out generated --updates auto
#
# ``gansampler balance --help`` lists its options (``--image-size``,
# ``--channels``, ``--sampling-strategy``, ``--precision``, ...).
