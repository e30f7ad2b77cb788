"""
===========================================================
Watching a GAN train: curves, snapshots and failure signals
===========================================================

The article behind this library monitors its GAN the way an operator would:
it prints the discriminator's losses on real and generated batches (``d1``,
``d2``) and the generator's loss (``g``), and every few epochs it saves a 7x7
grid of generated images and the generator, "because there is no metric to
evaluate GAN performance". Its eighth tip says what to look for: a
discriminator loss of 0.0 is a failure; a generator loss that falls steadily
probably means it fools the discriminator with garbage; in healthy training
the discriminator's loss has low variance and falls slowly.

:class:`~gansampler.DCGANOverSampler` keeps the same record: ``history_`` has
the per-epoch curves, ``snapshot_dir=`` writes the grids, the generators and
the article's summary lines, and ``verbose=`` shows a progress bar or prints
the article's log lines.
This tutorial trains the GAN of one small class (18 images of the digit 9),
plots its curves and snapshots, and then makes a GAN fail on purpose.
"""

# %%
# Training one class with snapshots
# ---------------------------------
# ``sampling_strategy={9: 60}`` grows only class 9, to 60 images. The
# snapshots go to a temporary folder here; ``verbose=1`` shows a progress
# bar of the epochs on stderr (``verbose=2`` prints the article's line for
# every epoch).
import tempfile
import warnings
from pathlib import Path

import keras
import matplotlib.pyplot as plt
from PIL import Image

from gansampler import DCGANOverSampler
from gansampler.datasets import load_imbalanced_digits
from gansampler.plotting import plot_history, plot_image_grid
from gansampler.training import GANTrainingWarning

X, y = load_imbalanced_digits(return_X_y=True)
snapshots = Path(tempfile.mkdtemp()) / "snapshots"

sampler = DCGANOverSampler(
    sampling_strategy={9: 60},
    updates=300,
    snapshot_dir=snapshots,
    verbose=1,
    random_state=0,
)
X_res, y_res = sampler.fit_resample(X, y)

# %%
# Training curves
# ---------------
# :func:`~gansampler.plotting.plot_history` draws, per class, the three losses
# (left) and the discriminator's accuracy on real and on generated batches
# (right).
figure = plot_history(sampler)

# %%
# These curves are not textbook-healthy: on a class of 18 images the
# discriminator is ahead the whole time (accuracy near 100 %, ``g`` climbing).
# With the sampler's default one-sided label smoothing
# (``label_smoothing=0.1``: the discriminator's target for real images is 0.9,
# not 1), ``d1`` cannot fall below about 0.33, the entropy of that target;
# ``d2`` stays small but above 0. As the snapshots below show, the generated
# nines improve steadily anyway. Curves are a rough guide; look at the images
# and the scores too. What the sampler treats as a failure is a
# discriminator loss below 0.001 for five epochs in a row, or a NaN, or
# generated images that collapse to nearly one image (see the end of this
# page).

# %%
# The numbers behind the curves are in ``history_``, one list per metric with
# one value per epoch:
history = sampler.history_[9]
print(sorted(history))
print({name: round(values[-1], 3) for name, values in history.items()})

# %%
# Snapshots on disk
# -----------------
# Each class gets a sub-folder; at each checkpoint (about ten per class, or
# every ``snapshot_every`` epochs) it holds a 7x7 grid of images drawn from a
# fixed noise batch, the generator as a ``.keras`` file, and a line of
# ``summary.txt`` with the discriminator's accuracies, as the article prints.
folder = snapshots / "class_9"
print(sorted(path.name for path in folder.iterdir())[:6], "...")
print((folder / "summary.txt").read_text())

# %%
# The grids show the generator learning: noise first, then strokes, then
# rough nines. 300 updates are few; the default ``updates='auto'`` gives every
# class about 1,000, which on the digits made clearly recognisable images.
grids = sorted(folder.glob("epoch_*.png"))
shown = [grids[0], grids[2], grids[5], grids[-1]]
fig, axes = plt.subplots(1, len(shown), figsize=(10, 2.9), layout="constrained")
for ax, path in zip(axes, shown, strict=True):
    ax.imshow(Image.open(path), cmap="gray")
    ax.set_title(path.stem.replace("_", " "))
    ax.set_axis_off()

# %%
# Which checkpoint is used
# ------------------------
# With ``validation_fraction=0.2`` (the default) the sampler scores every
# checkpoint against real images of the class and keeps the best one, so a
# later, worse epoch cannot spoil the output. ``quality_`` records the choice
# (:ref:`sphx_glr_auto_examples_plot_choose_generator.py` looks at it closely).
print(sampler.quality_[9]["chosen_epoch"], sampler.quality_[9]["scores"][-3:])

# %%
# A snapshot generator can be loaded without running code
# (``safe_mode=True``) and used on its own: its output is in ``[-1, 1]``.
chosen = sampler.quality_[9]["chosen_epoch"]
generator = keras.saving.load_model(
    folder / f"epoch_{chosen:04d}.keras", safe_mode=True
)
noise = keras.random.normal((14, sampler.latent_dim), seed=1)
images = keras.ops.convert_to_numpy(generator(noise, training=False))
figure = plot_image_grid(images, value_range=(-1, 1), title=f"epoch {chosen}")

# %%
# A GAN that fails
# ----------------
# A discriminator that learns much faster than the generator wins: its loss
# drops to about 0 and the generator gets no useful gradient (tip 8's failure
# mode). Here, without label smoothing (the article's setting), the
# discriminator's learning rate is raised ten-fold and the generator's lowered
# ten-fold. The sampler notices that the discriminator's loss stayed below
# 0.001 for five epochs, stops that class, warns with the class and the epoch,
# and keeps the best generator so far.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", GANTrainingWarning)
    failing = DCGANOverSampler(
        sampling_strategy={9: 60},
        updates=300,
        d_learning_rate=1e-2,
        g_learning_rate=1e-5,
        label_smoothing=0.0,
        batch_norm=False,
        random_state=0,
    )
    failing.fit_resample(X, y)
for warning in caught:
    if issubclass(warning.category, GANTrainingWarning):
        print(warning.message)

# %%
# Its curves show the signature: the discriminator's losses on real and on
# generated images fall to 0, its accuracies go to 1, and the generator's loss
# climbs.
figure = plot_history(failing)

# %%
# The user guide's :doc:`/user_guide/troubleshooting` lists the usual causes
# and what to change.
