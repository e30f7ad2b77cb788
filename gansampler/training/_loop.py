"""The backend-neutral epoch loop: batching, history, progress and failure checks."""

import math
import warnings

import numpy as np
from keras import ops

__all__ = ["METRICS", "GANTrainingWarning", "train_gan"]

METRICS = ("d_loss_real", "d_loss_fake", "g_loss", "d_acc_real", "d_acc_fake")

# The article's tip 8: a discriminator loss of about 0.0 is a failure mode.
D_LOSS_COLLAPSE = 1e-3


class GANTrainingWarning(UserWarning):
    """Training of a class's GAN went wrong: NaN losses or a collapsed discriminator."""


def _batch_indices(rng, n_images, batch_size):
    """One shuffled epoch as an (n_batches, batch_size) index array.

    The images left over after the last full batch are dropped for this epoch.
    """
    n_batches = max(1, n_images // batch_size)
    return rng.permutation(n_images)[: n_batches * batch_size].reshape(n_batches, -1)


def _format_epoch(label, epoch, epochs, n_batches, row):
    d1, d2, g, acc_real, acc_fake = row
    return (
        f">class {label}, epoch {epoch}/{epochs}, {n_batches}/{n_batches} batches, "
        f"d1={d1:.3f}, d2={d2:.3f} g={g:.3f}, "
        f"accuracy real: {acc_real:.0%}, fake: {acc_fake:.0%}"
    )


def train_gan(
    trainer,
    images,
    generator,
    *,
    epochs,
    batch_size,
    rng,
    label,
    verbose=0,
):
    """Train one class's GAN and copy the trained weights into ``generator``.

    Parameters
    ----------
    trainer : Trainer
        The backend's trainer, already loaded with this class's fresh networks.
    images : ndarray
        The class's training samples, float32 in ``[-1, 1]``.
    generator : keras.Model
        Receives the trained weights (on a NaN loss: the last weights saved
        before it, saved every tenth of the run).
    epochs, batch_size : int
        The batch size is capped at the number of images.
    rng : numpy.random.Generator
        Draws the batch order and the noise seeds.
    label : object
        The class, for progress lines and warnings.
    verbose : int, default=0
        0 silent, 1 about ten lines per class, 2 a line per epoch.

    Returns
    -------
    dict
        Per metric name in ``METRICS``, a list with one mean per epoch.
    """
    history = {name: [] for name in METRICS}
    n_images = len(images)
    batch_size = min(batch_size, n_images)
    data = trainer.to_device(images)
    checkpoint_every = max(1, math.ceil(epochs / 10))
    print_every = 1 if verbose > 1 else checkpoint_every
    collapse_warned = False

    for epoch in range(1, epochs + 1):
        indices = _batch_indices(rng, n_images, batch_size)
        seed = int(rng.integers(np.iinfo(np.int32).max))
        per_batch = ops.convert_to_numpy(trainer.run_epoch(data, indices, seed))
        row = per_batch.astype(np.float64).mean(axis=0)

        if not np.all(np.isfinite(row)):
            warnings.warn(
                f"GAN of class {label!r}: NaN or infinite loss at epoch {epoch}; "
                "training of this class stopped, keeping the generator of epoch "
                f"{checkpoint_every * ((epoch - 1) // checkpoint_every)}.",
                GANTrainingWarning,
                stacklevel=3,
            )
            return history

        for name, value in zip(METRICS, row, strict=True):
            history[name].append(float(value))
        if not collapse_warned and max(row[0], row[1]) < D_LOSS_COLLAPSE:
            collapse_warned = True
            warnings.warn(
                f"GAN of class {label!r}: the discriminator loss collapsed to "
                f"{max(row[0], row[1]):.1e} at epoch {epoch}; the generator is "
                "probably failing (article tip 8). Try fewer epochs, a lower "
                "d_learning_rate or batch_norm.",
                GANTrainingWarning,
                stacklevel=3,
            )
        if verbose and (epoch % print_every == 0 or epoch == epochs):
            print(_format_epoch(label, epoch, epochs, len(indices), row), flush=True)
        if epoch % checkpoint_every == 0 or epoch == epochs:
            trainer.save(generator)
    return history
