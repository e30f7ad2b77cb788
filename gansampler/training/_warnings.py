"""The one warning of a class's training that stopped: GANTrainingWarning."""

import warnings

from ..labels import label_text

__all__ = ["GANTrainingWarning", "warn_diverged", "warn_stopped"]


class GANTrainingWarning(UserWarning):
    """Training of a class's GAN went wrong: NaN losses or a collapsed discriminator.

    Also issued for a mode collapse detected at a checkpoint. The message names
    the class and the epoch; the class's training stops there and it keeps its
    best (or last good) generator, while the other classes go on.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from gansampler import DCGANOverSampler
    >>> from gansampler.training import GANTrainingWarning
    >>> X = np.random.default_rng(0).random((40, 8, 8))
    >>> y = np.array([0] * 30 + [1] * 10)
    >>> sampler = DCGANOverSampler(
    ...     updates=300, d_learning_rate=0.05, g_learning_rate=1e-6,
    ...     label_smoothing=0.0, batch_norm=False, random_state=0)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", GANTrainingWarning)
    ...     _ = sampler.fit_resample(X, y)
    >>> any(w.category is GANTrainingWarning for w in caught)
    True
    >>> len(sampler.history_[1]["g_loss"]) < 300  # stopped early
    True
    """


def warn_stopped(label, epoch, failure, kept, stacklevel):
    """Warn that training of class ``label`` stopped at ``epoch``.

    The message reads "GAN of class <label>, epoch <epoch>: <failure>.
    Training of this class stopped; it keeps <kept>."; ``stacklevel`` counts
    from the caller of this function, as for :func:`warnings.warn`.
    """
    warnings.warn(
        f"GAN of class {label_text(label)}, epoch {epoch}: {failure}. Training of "
        f"this class stopped; it keeps {kept}.",
        GANTrainingWarning,
        stacklevel=stacklevel + 1,
    )


def warn_diverged(label, epoch, failure, checkpoints):
    """:func:`warn_stopped` for the epoch loop: a divergence at ``epoch``.

    It keeps the generator of the last checkpoint before ``epoch``; the
    warning points at the caller of ``train_gan``.
    """
    saved = [c for c in checkpoints if c < epoch]
    kept = f"epoch {saved[-1]}" if saved else "its initial weights"
    warn_stopped(
        label,
        epoch,
        failure,
        f"the generator of {kept}, or the best one so far when the generator is "
        "chosen by score",
        # this < EpochRecord.add < train_gan < its progress bar < the caller
        stacklevel=5,
    )
