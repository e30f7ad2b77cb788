"""The checkpoint monitor: snapshots, the choice of the generator, mode collapse.

At each checkpoint of a class's training the sampler hands the generator to a
:class:`CheckpointMonitor`, which writes snapshots, scores the generated
images against real ones and keeps the best weights, and stops the training
of a generator that collapsed. Everything it writes is written atomically
(under a temporary name in the same folder, then renamed), so an interrupted
run leaves no half-written file.
"""

from pathlib import Path

import numpy as np
from keras import ops

from .._files import write_atomically
from ..labels import class_folder_name
from ..metrics import kernel_distance
from ..plotting import save_image_grid
from ._warnings import warn_stopped

__all__ = ["CheckpointMonitor"]


# Quality scores compare images at no more than this many pixels a side.
SCORE_SIZE = 16
# Generated images whose spread is below this share of the real images' spread
# are taken as a collapsed generator (all outputs alike).
DIVERSITY_COLLAPSE = 0.2


def _score_space(images):
    """Flatten training-space images, average-pooled to at most SCORE_SIZE a side."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 4:
        n, height, width, channels = images.shape
        fh, fw = max(1, height // SCORE_SIZE), max(1, width // SCORE_SIZE)
        images = images[:, : height - height % fh, : width - width % fw]
        images = images.reshape(n, height // fh, fh, width // fw, fw, channels).mean(
            axis=(2, 4)
        )
    return images.reshape(len(images), -1)


def _spread(features):
    """Mean distance of the samples to their centroid."""
    return float(np.mean(np.linalg.norm(features - features.mean(axis=0), axis=1)))


def _new_run_folder(parent, name):
    """Claim an empty folder for one run's snapshots of one class.

    ``parent/name`` when it is new or empty; otherwise (an earlier fit wrote
    there, or it is a link) ``parent/name-run2``, ``-run3``, ...: a fit never
    mixes its files with, or overwrites, an earlier one's. ``mkdir`` without
    ``exist_ok`` makes the claim safe between parallel fits.
    """
    parent.mkdir(parents=True, exist_ok=True)
    run = 1
    while True:
        folder = parent / (name if run == 1 else f"{name}-run{run}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            free = folder.is_dir() and not folder.is_symlink()
            if free and not any(folder.iterdir()):
                return folder
        run += 1


class CheckpointMonitor:
    """Looks at a class's generator at each checkpoint, for the sampler.

    At each checkpoint it draws images from a fixed noise batch and, as asked,
    writes snapshots (a 7x7 grid as PNG, the generator as ``.keras``, the
    article's summary line), scores the images against real images of the class
    (kernel distance in pixel space, pooled to at most 16x16) and keeps the
    weights of the best-scoring checkpoint, and detects a collapsed generator
    (its images much less varied than the real ones).

    Parameters
    ----------
    label : object
        The class.
    real : ndarray
        Real images of the class in training space (float32 in ``[-1, 1]``),
        held back from training when there are enough.
    image_shape : tuple of int or None
        ``(H, W, C)`` of the images, for the grids; None for tabular rows.
    latent_dim : int
        Size of the noise vector.
    seed : int
        Seeds the fixed noise.
    snapshot_dir : path-like or None
        Where snapshots go (a new sub-folder per class and run:
        ``class_<label>``, or ``class_<label>-run2``, ... when an earlier run
        used it); None writes none.
    choose : bool
        Score each checkpoint and keep the best.
    sample : callable or None
        ``sample(generator, noise) -> ndarray`` draws the images (the
        trainer's compiled generation); None calls the generator.

    Examples
    --------
    The sampler makes one per class; used by hand with an untrained
    generator, on real images in ``[-1, 1]``:

    >>> import numpy as np
    >>> from gansampler.architectures import build_generator
    >>> from gansampler.training import CheckpointMonitor
    >>> real = np.random.default_rng(0).uniform(-1, 1, (20, 8, 8, 1))
    >>> generator = build_generator((8, 8, 1), latent_dim=16)
    >>> monitor = CheckpointMonitor(3, real, (8, 8, 1), latent_dim=16, seed=0)
    >>> monitor(10, generator, history={})  # True would stop the training
    False
    >>> monitor.restore_best(generator)
    10
    >>> report = monitor.report()
    >>> report["chosen_epoch"], len(report["scores"]), report["collapsed_at"]
    (10, 1, None)
    """

    def __init__(
        self,
        label,
        real,
        image_shape,
        latent_dim,
        seed,
        snapshot_dir=None,
        choose=True,
        sample=None,
    ):
        self.label = label
        self.sample = sample
        self.real = _score_space(real)
        self.image_shape = image_shape
        self.choose = choose
        self.noise = (
            np.random.default_rng(seed)
            .standard_normal((max(49, min(256, 2 * len(real))), latent_dim))
            .astype(np.float32)
        )
        self.folder = None
        if snapshot_dir is not None:
            self.folder = _new_run_folder(Path(snapshot_dir), class_folder_name(label))
        self.scores = []
        self.best = None  # (score, epoch, weights)
        self.collapsed_at = None
        self.was_varied = False
        self.last_good = None  # (None, epoch, weights), without choose

    def __call__(self, epoch, generator, history):
        if self.sample is None:
            fake = ops.convert_to_numpy(generator(self.noise, training=False))
        else:
            fake = self.sample(generator, self.noise)
        if self.folder is not None:
            self._snapshot(epoch, generator, fake, history)
        features = _score_space(fake)
        varied = _spread(features) >= DIVERSITY_COLLAPSE * _spread(self.real)
        # An untrained generator's images are all alike; only a generator that
        # has been varied and then loses it has collapsed.
        self.was_varied = self.was_varied or varied
        if self.was_varied and not varied:
            self.collapsed_at = epoch
            kept = (
                "the best-scoring generator so far"
                if self.choose
                else f"the generator of epoch {self.last_good[1]}, its last "
                "checkpoint before the collapse"
            )
            warn_stopped(
                self.label,
                epoch,
                "the generated images collapsed to nearly one image (mode collapse)",
                kept,
                stacklevel=2,
            )
            return True
        if not self.choose and varied:
            # Without scores, the last varied checkpoint is what a collapse
            # falls back to.
            self.last_good = (
                None,
                epoch,
                [ops.convert_to_numpy(v) for v in generator.variables],
            )
        if self.choose:
            score = kernel_distance(self.real, features, n_subsets=10, random_state=0)
            self.scores.append((epoch, score))
            if self.best is None or score < self.best[0]:
                self.best = (
                    score,
                    epoch,
                    [ops.convert_to_numpy(v) for v in generator.variables],
                )
        return False

    def _snapshot(self, epoch, generator, fake, history):
        stem = self.folder / f"epoch_{epoch:04d}"
        if self.image_shape is not None:
            images = (fake[:49].reshape(-1, *self.image_shape) + 1) / 2
            if images.shape[-1] not in (1, 3, 4):  # no PNG mode: the first channel
                images = images[..., :1]
            save_image_grid(
                images,
                stem.with_suffix(".png"),
                scale=max(1, 128 // self.image_shape[0]),
            )
        write_atomically(
            stem.with_suffix(".keras"), generator.save, mode=None, suffix=".keras"
        )
        accuracy_real = history["d_acc_real"][-1]
        accuracy_fake = history["d_acc_fake"][-1]
        line = (
            f">{epoch}, Accuracy real: {accuracy_real:.0%}, fake: {accuracy_fake:.0%}"
        )
        write_atomically(
            self.folder / "summary.txt", lambda file: file.write(line + "\n"), mode="a"
        )

    def restore_best(self, generator):
        """Put the best checkpoint's weights into ``generator``.

        The best-scoring checkpoint with ``choose``; without it, after a mode
        collapse, the last checkpoint before the collapse.

        Parameters
        ----------
        generator : keras.Model
            The class's generator.

        Returns
        -------
        int or None
            The epoch of the restored checkpoint; None when there is nothing
            to restore (``choose=False`` and no collapse), and ``generator`` is
            left as it is.
        """
        kept = self.best
        if kept is None and self.collapsed_at is not None:
            kept = self.last_good
        if kept is None:
            return None
        for variable, value in zip(generator.variables, kept[2], strict=True):
            variable.assign(value)
        return kept[1]

    def report(self):
        """The chosen epoch and the scores, for the sampler's ``quality_``.

        Returns
        -------
        dict
            ``chosen_epoch`` and its ``kernel_distance`` (None without
            scoring), ``scores`` as ``(epoch, kernel distance)`` pairs, and
            ``collapsed_at``, the epoch of a detected mode collapse or None,
            and ``snapshot_folder``, where this run's snapshots went (None
            without ``snapshot_dir``).
        """
        return {
            "chosen_epoch": None if self.best is None else self.best[1],
            "kernel_distance": None if self.best is None else self.best[0],
            "scores": list(self.scores),
            "collapsed_at": self.collapsed_at,
            "snapshot_folder": None if self.folder is None else str(self.folder),
        }
