"""The backend-neutral epoch loop: batching, history, progress and failure checks."""

import contextvars
import functools
import math
import time
import weakref

import numpy as np
from keras import ops

from .._history import HISTORY_KEYS
from .._progress import progress_bar
from .._seeding import MAX_SEED
from ..labels import label_text
from ._warnings import warn_diverged

__all__ = [
    "checkpoint_epochs",
    "train_gan",
]

# The article's tip 8: a discriminator loss of about 0.0 is a failure mode.
D_LOSS_COLLAPSE = 1e-3
COLLAPSE_PATIENCE = 5

# Epochs are grouped so that one compiled call runs at least this many batches.
STEPS_PER_CALL = 32

# Python answers Ctrl-C only between compiled calls, so where the trainer allows
# it (``split_calls``) a call is cut into parts of about this many seconds, and
# of at most this many batches (the JAX trainer's shortest compiled call).
SECONDS_PER_CALL = 1.0
MAX_BATCHES_PER_CALL = 64

# The clock that times the parts, and each trainer's latest seconds per batch.
_clock = time.perf_counter
_seconds_per_batch = weakref.WeakKeyDictionary()


def _batch_indices(rng, n_images, batch_size, n_epochs):
    """Shuffled epochs as an (n_epochs * n_batches, batch_size) index array.

    Each epoch is a new permutation; the images left over after its last full
    batch are dropped for that epoch.
    """
    n_batches = max(1, n_images // batch_size)
    return np.concatenate(
        [
            rng.permutation(n_images)[: n_batches * batch_size].reshape(n_batches, -1)
            for _ in range(n_epochs)
        ]
    )


def _format_epoch(label, epoch, epochs, n_batches, row):
    d1, d2, g, acc_real, acc_fake = row
    return (
        f">class {label_text(label)}, epoch {epoch}/{epochs}, "
        f"{n_batches}/{n_batches} batches, "
        f"d1={d1:.3f}, d2={d2:.3f} g={g:.3f}, "
        f"accuracy real: {acc_real:.0%}, fake: {acc_fake:.0%}"
    )


def checkpoint_epochs(epochs, every=None):
    """The epochs after which the generator is saved: every ``every``-th and the last.

    ``every=None`` saves about ten times per run.
    """
    every = every or max(1, math.ceil(epochs / 10))
    return sorted({*range(every, epochs + 1, every), epochs})


# The progress bar of the class that train_gan is training in this thread.
_epoch_bar = contextvars.ContextVar("gansampler_epoch_bar")


def _with_progress_bar(train):
    """Run ``train_gan`` under a progress bar of its class's epochs on stderr.

    The bar (shown when ``verbose``) is open for exactly the call, however it
    ends; the call's :class:`EpochRecord` advances it.
    """

    @functools.wraps(train)
    def train_under_a_bar(*args, epochs, label, verbose=0, **kwargs):
        description = f"class {label_text(label)}"
        with progress_bar(description, epochs, unit="epochs", show=verbose > 0) as bar:
            token = _epoch_bar.set(bar)
            try:
                return train(
                    *args, epochs=epochs, label=label, verbose=verbose, **kwargs
                )
            finally:
                _epoch_bar.reset(token)

    return train_under_a_bar


@_with_progress_bar
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
    checkpoint_every=None,
    on_checkpoint=None,
):
    """Train one class's GAN and copy the trained weights into ``generator``.

    Several epochs run in one compiled call (at least ``STEPS_PER_CALL`` batches
    where the run allows), so the Python overhead is paid rarely. Where the
    trainer allows it, a call runs in parts of about ``SECONDS_PER_CALL``
    each, with the same result, and Python answers Ctrl-C (a
    ``KeyboardInterrupt``) between them. Training stops early when it
    diverges: a NaN or infinite loss, or a discriminator loss below
    ``D_LOSS_COLLAPSE`` for ``COLLAPSE_PATIENCE`` epochs in a row (the
    article's tip 8). Both are reported as a :class:`GANTrainingWarning`
    naming the class and the epoch.

    Parameters
    ----------
    trainer : Trainer
        The backend's trainer, already loaded with this class's fresh networks.
    images : ndarray
        The class's training samples, float32 in ``[-1, 1]``.
    generator : keras.Model
        Receives the trained weights at each checkpoint; after a divergence it
        keeps those of the last checkpoint before it.
    epochs, batch_size : int
        The batch size is capped at the number of images.
    rng : numpy.random.Generator
        Draws the batch order and the noise seeds.
    label : object
        The class, for progress lines and warnings.
    verbose : int, default=0
        0 silent; 1 a progress bar of the epochs on stderr, with the time left
        and the latest losses; 2 also the article's line per epoch on stdout.
    checkpoint_every : int, default=None
        Epochs between checkpoints; None: about ten per run.
    on_checkpoint : callable, default=None
        Called as ``on_checkpoint(epoch, generator, history)`` after each checkpoint; a
        true return value stops training (for example on mode collapse).

    Returns
    -------
    history : dict
        Per name in ``HISTORY_KEYS``, a list with one mean per epoch trained.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.training import GANSettings, train_gan, trainer_for
    >>> settings = GANSettings("conv", (8, 8, 1), latent_dim=16)
    >>> generator, discriminator = settings.build_networks(seed=0)
    >>> trainer = trainer_for(settings)
    >>> trainer.load(generator, discriminator)
    >>> images = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1))
    >>> history = train_gan(trainer, images.astype("float32"), generator,
    ...                     epochs=3, batch_size=8,
    ...                     rng=np.random.default_rng(0), label=0)
    >>> {name: len(values) for name, values in history.items()}
    {'d_loss_real': 3, 'd_loss_fake': 3, 'g_loss': 3, 'd_acc_real': 3, 'd_acc_fake': 3}
    """
    n_images = len(images)
    batch_size = min(batch_size, n_images)
    n_batches = max(1, n_images // batch_size)
    epochs_per_call = max(1, math.ceil(STEPS_PER_CALL / n_batches))
    checkpoints = checkpoint_epochs(epochs, checkpoint_every)
    record = EpochRecord(
        label, epochs, n_batches, checkpoints, trainer.real_target, verbose
    )
    history = record.history
    data = trainer.to_device(images)
    epoch = 0

    for checkpoint in checkpoints:
        while epoch < checkpoint:
            n_epochs = min(epochs_per_call, checkpoint - epoch)
            indices = _batch_indices(rng, n_images, batch_size, n_epochs)
            seed = int(rng.integers(MAX_SEED))
            per_batch = _run_call(trainer, data, indices, seed)
            rows = per_batch.astype(np.float64).reshape(n_epochs, n_batches, -1)
            for row in rows.mean(axis=1):
                epoch += 1
                if not record.add(epoch, row):
                    return history
        trainer.save(generator)
        if on_checkpoint is not None and on_checkpoint(epoch, generator, history):
            break
    return history


def _run_call(trainer, data, indices, seed):
    """The per-batch metrics of ``trainer.run_epoch(data, indices, seed)``.

    Where the trainer allows it, the call runs in parts of about
    ``SECONDS_PER_CALL`` each, timed with the trainer's previous parts, so that
    a KeyboardInterrupt (Ctrl-C) is raised soon after it arrives. A trainer's
    first part is a single batch: it may include compiling the call.
    """
    if not getattr(trainer, "split_calls", False):
        return ops.convert_to_numpy(trainer.run_epoch(data, indices, seed))
    parts = []
    start = 0
    while start < len(indices):
        seconds = _seconds_per_batch.get(trainer)
        size = 1 if seconds is None else int(SECONDS_PER_CALL / max(seconds, 1e-9))
        size = min(max(1, size), MAX_BATCHES_PER_CALL, len(indices) - start)
        began = _clock()
        part = trainer.run_epoch(
            data, indices[start : start + size], seed, first_batch=start
        )
        parts.append(ops.convert_to_numpy(part))
        _seconds_per_batch[trainer] = (_clock() - began) / size
        start += size
    return np.concatenate(parts)


class EpochRecord:
    """One class's per-epoch bookkeeping: history, progress, failure checks."""

    def __init__(self, label, epochs, n_batches, checkpoints, real_target, verbose):
        self.label = label
        self.epochs = epochs
        self.n_batches = n_batches
        self.checkpoints = checkpoints
        self.verbose = verbose
        self.history = {name: [] for name in HISTORY_KEYS}
        # With label smoothing the real-batch loss cannot fall below the
        # entropy of its target; the discriminator has won when it is that
        # close to it.
        self.real_floor = _entropy(real_target)
        self.collapsed_for = 0
        self.bar = _epoch_bar.get()

    def add(self, epoch, row):
        """Record one epoch's mean metrics; False (after a warning) if it failed."""
        d_loss = max(row[0] - self.real_floor, row[1])
        self.collapsed_for = self.collapsed_for + 1 if d_loss < D_LOSS_COLLAPSE else 0
        failure = _failure(row, self.collapsed_for)
        if failure:
            warn_diverged(self.label, epoch, failure, self.checkpoints)
            return False
        for name, value in zip(HISTORY_KEYS, row, strict=True):
            self.history[name].append(float(value))
        d1, d2, g = row[:3]
        self.bar.advance(note=f"d1={d1:.3f} d2={d2:.3f} g={g:.3f}")
        if self.verbose > 1:
            print(
                _format_epoch(self.label, epoch, self.epochs, self.n_batches, row),
                flush=True,
            )
        return True


def _entropy(p):
    """Binary cross-entropy of a target ``p`` with itself: its lowest loss."""
    if p <= 0 or p >= 1:
        return 0.0
    return float(-(p * np.log(p) + (1 - p) * np.log(1 - p)))


def _failure(row, collapsed_for):
    """Why an epoch's mean metrics show a failed run, or None."""
    if not np.all(np.isfinite(row)):
        return "NaN or infinite loss"
    if collapsed_for >= COLLAPSE_PATIENCE:
        return (
            f"the discriminator loss stayed below {D_LOSS_COLLAPSE} for "
            f"{COLLAPSE_PATIENCE} epochs (the generator is probably failing, article "
            "tip 8; try fewer epochs, a lower d_learning_rate or batch_norm)"
        )
    return None
