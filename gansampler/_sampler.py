"""DCGANOverSampler: an imbalanced-learn over-sampler that trains a DC-GAN per class."""

import math
import os
from functools import partial
from numbers import Integral, Real

import keras
import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from joblib import Parallel, delayed, effective_n_jobs
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from sklearn_compat.utils.validation import validate_data

from . import _images
from .labels import label_text
from .monitoring import CheckpointMonitor
from .training import GANSettings, device_for, train_gan, trainer_for

__all__ = ["DCGANOverSampler"]

# epochs='auto' trains each class for about this many generator updates.
AUTO_UPDATES = 1000

# Classes smaller than this hold no images back for choose_generator.
MIN_HOLD_OUT_CLASS = 10

# Generated images are drawn in chunks of this many, so memory stays bounded.
GENERATION_CHUNK = 256


class _Pickled:
    """Carries a worker's result through pickle, whatever joblib backend runs.

    dask.distributed serialises ``keras.Model`` with its own serializer, written
    for Keras 2 (``model._updated_config()``). It fails on Keras 3 models, and
    the failure reaches the client as an undeliverable result: joblib's dask
    backend then waits forever. Wrapped, the generator goes through pickle
    (Keras 3's own ``__reduce__``), as it does in joblib's loky processes.
    """

    def __init__(self, value):
        self.value = value


def _pickled(function, *args):
    return _Pickled(function(*args))


class DCGANOverSampler(BaseOverSampler):
    """Over-sample minority classes with images drawn from a DC-GAN per class.

    For each class that ``sampling_strategy`` asks to grow, ``fit_resample``
    trains a deep convolutional GAN on that class's images (following the
    article "Conquer class-imbalanced dataset issues using GANs": strided
    convolutions, LeakyReLU, tanh output, Adam with separate learning rates, one
    discriminator update on an all-real and one on an all-fake batch per
    generator update), then appends as many generated images as requested.

    Images may be given as ``(n, H, W, C)``, ``(n, H, W)``, or flattened
    ``(n, H*W*C)`` together with ``image_shape``; the output has the same
    layout, dtype and value range. Plain tabular rows are over-sampled with a
    small fully-connected GAN.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples each class should have after resampling, as in every
        imbalanced-learn over-sampler: a float (binary targets only) is the
        desired ratio of minority to majority samples; ``'minority'``,
        ``'not minority'``, ``'not majority'``, ``'all'``, ``'auto'`` (same as
        ``'not majority'``); a dict maps classes to their desired counts; a
        callable takes ``y`` and returns such a dict.
    random_state : int, RandomState instance or None, default=None
        Seeds network initialisation, batch order, noise and generated
        samples. An int gives identical output on the CPU.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)``: the shape of one image when ``X`` is 2-D
        with one flattened image per row. Leave None for 3-D or 4-D ``X`` and
        for tabular data.
    architecture : {'auto', 'conv', 'seed', 'dense'}, default='auto'
        ``'conv'``: DC-GAN networks sized for the images (8x8 and larger);
        ``'seed'``: the article's exact 128x128 networks; ``'dense'``:
        fully-connected networks; ``'auto'``: ``'conv'`` for images,
        ``'dense'`` for tabular data. See :mod:`gansampler.architectures`.
    latent_dim : int, default=100
        Size of the generator's noise vector.
    epochs : int or 'auto', default='auto'
        Passes over each class's images. ``'auto'``: enough epochs for about
        1,000 generator updates per class (``ceil(1000 / n_batches)``), so
        small classes, which have few batches per epoch, train as long as large
        ones. On digits, 1,000 updates took generated images from 69-96 %
        (300 updates) to 99-100 % recognised by a classifier trained on real
        digits (docs/quality.md).
    batch_size : int, default=32
        Images per batch (capped at the class size). Each epoch uses
        ``n_class // batch_size`` full batches in a new random order.
    d_learning_rate : float, default=1e-3
        Adam learning rate of the discriminator (article: 1e-3).
    g_learning_rate : float, default=1e-4
        Adam learning rate of the generator (article: 1e-4).
    beta_1 : float, default=0.5
        Adam's first-moment decay for both networks.
    generator_filters : int, default=32
        Width of the ``'conv'`` generator (filters of its last upsampling
        block) or of the ``'dense'`` generator (units).
    discriminator_filters : int, default=16
        Width of the ``'conv'`` discriminator (filters of its first layer) or
        of the ``'dense'`` discriminator (units).
    batch_norm : bool or None, default=None
        Batch normalisation in both networks (tip 3). None: on for ``'conv'``
        and ``'dense'``, off for ``'seed'``.
    generator_dropout : float, default=0.0
        Dropout rate in the generator (tip 7 suggests 0.5).
    label_smoothing : float, default=0.1
        One-sided label smoothing: the discriminator's target for real images
        is ``1 - label_smoothing`` (fakes stay 0, the generator aims at 1), so
        the discriminator cannot become arbitrarily confident, the usual way
        its loss falls to 0 and training fails (tip 8). Not in the article: with
        0 (the article's setting) and the article's learning rates, the GANs of
        the ELPV minority classes were all stopped early for a collapsed
        discriminator at 64x64 and 128x128; with 0.1 they trained to the end
        (docs/results.md).
    choose_generator : bool, default=True
        Score the generator at each checkpoint (about ten per class) against
        real images of the class held back from training, and keep the best
        checkpoint, so that more epochs cannot make the output worse. The score
        is the kernel distance (KID) in pixel space, pooled to at most 16x16.
        Classes with fewer than 10 images hold nothing back and are scored
        against their training images. ``quality_`` reports the choice.
    validation_fraction : float, default=0.2
        Share of each class's images held back for ``choose_generator``.
    snapshot_dir : str or path-like, default=None
        Folder for snapshots: per class a sub-folder with, at each checkpoint,
        a 7x7 grid of generated images (PNG), the generator (``.keras``) and
        the article's summary line (``summary.txt``). Files are written
        atomically and only inside this folder. A later fit (another CV fold,
        a refit) never overwrites or mixes with an earlier one: it writes
        into ``class_<label>-run2``, ``-run3``, ...; ``quality_`` names each
        class's folder.
    snapshot_every : int, default=None
        Epochs between checkpoints (scores, snapshots, fallback points);
        None: about ten per class.
    n_jobs : int, default=None
        Classes trained in parallel with joblib (``None``: one at a time, or
        as the active ``joblib.parallel_backend`` says; ``-1``: all cores).
        With several GPUs visible, class ``i`` trains on GPU ``i % n_gpus``.
        Each worker holds its own pair of networks and optimizers. Results do
        not depend on ``n_jobs``.
    precision : {'float32', 'bfloat16', 'float16'}, default='float32'
        Compute precision of the hidden layers, set per layer (Keras' global
        dtype policy is never touched). The output layers of both networks
        and the weights stay float32; ``'float16'`` adds dynamic loss scaling.
        ``'bfloat16'`` is the fast choice on recent GPUs.
    jit_compile : bool or 'auto', default='auto'
        Compile the train step with XLA. ``'auto'``: on when a GPU is visible.
    verbose : int, default=0
        0: silent; 1: about ten progress lines per class; 2: a line per epoch,
        in the article's format ``>class, epoch, batches, d1=..., d2=... g=...``.

    Attributes
    ----------
    sampling_strategy_ : dict
        Maps each class to the number of samples added.
    generators_ : dict
        Maps each grown class to its trained generator, a ``keras.Model`` that
        turns noise of shape ``(n, latent_dim)`` into samples in ``[-1, 1]``;
        use :meth:`generate` to get samples in the format of the training data.
    quality_ : dict
        Maps each grown class to the choice of its generator:
        ``chosen_epoch`` and its ``kernel_distance`` (None when
        ``choose_generator=False``), ``scores`` as ``(epoch, kernel distance)``
        pairs per checkpoint, ``collapsed_at``, the epoch of a detected
        mode collapse or None, and ``snapshot_folder``, where the class's
        snapshots of this fit went (None without ``snapshot_dir``).
    history_ : dict
        Maps each grown class to a dict of per-epoch lists: ``d_loss_real``,
        ``d_loss_fake``, ``g_loss``, ``d_acc_real`` and ``d_acc_fake`` (the
        article's d1, d2, g and the discriminator's accuracy on real and fake
        batches).
    data_format_ : DataFormat
        Layout, dtype and value range of the training data.
    n_features_in_ : int
        Number of features (for images: ``X.shape[1]``, as scikit-learn counts).

    See Also
    --------
    imblearn.over_sampling.SMOTE : Interpolates between neighbouring samples.
    imblearn.over_sampling.RandomOverSampler : Repeats existing samples.

    Notes
    -----
    The original samples come first, unchanged and in order, followed by the
    generated samples class by class in the order of ``sampling_strategy_``.
    Neither the caller's arrays, Keras' global dtype policy, nor the global
    random seeds are changed.

    Examples
    --------
    >>> from collections import Counter
    >>> import numpy as np
    >>> from gansampler import DCGANOverSampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(60, 8, 8, 1), dtype=np.uint8)
    >>> y = np.array([0] * 50 + [1] * 10)
    >>> sampler = DCGANOverSampler(epochs=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, sorted(Counter(y_res.tolist()).items())
    ((100, 8, 8, 1), dtype('uint8'), [(0, 50), (1, 50)])
    >>> bool((X_res[:60] == X).all())  # the originals come first, unchanged
    True
    >>> sorted(sampler.history_[1])
    ['d_acc_fake', 'd_acc_real', 'd_loss_fake', 'd_loss_real', 'g_loss']
    """

    _parameter_constraints = {
        **BaseOverSampler._parameter_constraints,
        "image_shape": [tuple, list, None],
        "architecture": [StrOptions({"auto", "conv", "seed", "dense"})],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "d_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "g_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "generator_filters": [Interval(Integral, 1, None, closed="left")],
        "discriminator_filters": [Interval(Integral, 1, None, closed="left")],
        "batch_norm": ["boolean", None],
        "generator_dropout": [Interval(Real, 0, 1, closed="left")],
        "label_smoothing": [Interval(Real, 0, 0.5, closed="left")],
        "choose_generator": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "snapshot_dir": [str, os.PathLike, None],
        "snapshot_every": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "precision": [StrOptions({"float32", "bfloat16", "float16"})],
        "jit_compile": ["boolean", StrOptions({"auto"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        image_shape=None,
        architecture="auto",
        latent_dim=100,
        epochs="auto",
        batch_size=32,
        d_learning_rate=1e-3,
        g_learning_rate=1e-4,
        beta_1=0.5,
        generator_filters=32,
        discriminator_filters=16,
        batch_norm=None,
        generator_dropout=0.0,
        label_smoothing=0.1,
        choose_generator=True,
        validation_fraction=0.2,
        snapshot_dir=None,
        snapshot_every=None,
        n_jobs=None,
        precision="float32",
        jit_compile="auto",
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.image_shape = image_shape
        self.architecture = architecture
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.d_learning_rate = d_learning_rate
        self.g_learning_rate = g_learning_rate
        self.beta_1 = beta_1
        self.generator_filters = generator_filters
        self.discriminator_filters = discriminator_filters
        self.batch_norm = batch_norm
        self.generator_dropout = generator_dropout
        self.label_smoothing = label_smoothing
        self.choose_generator = choose_generator
        self.validation_fraction = validation_fraction
        self.snapshot_dir = snapshot_dir
        self.snapshot_every = snapshot_every
        self.n_jobs = n_jobs
        self.precision = precision
        self.jit_compile = jit_compile
        self.verbose = verbose

    def _check_X_y(self, X, y, accept_sparse=None):
        # imbalanced-learn validates 2-D data only; images may be 3-D or 4-D.
        if sparse.issparse(X) or np.ndim(X) <= 2:
            return super()._check_X_y(X, y, accept_sparse)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(self, X=X, y=y, reset=True, allow_nd=True)
        return X, y, binarize_y

    def _architecture(self, fmt):
        if self.architecture == "auto":
            return "conv" if fmt.is_image else "dense"
        return self.architecture

    def _settings(self, architecture, fmt):
        """The settings of this fit's trainers (see ``gansampler.training``)."""
        return GANSettings(
            architecture,
            fmt.sample_shape,
            latent_dim=self.latent_dim,
            generator_filters=self.generator_filters,
            discriminator_filters=self.discriminator_filters,
            batch_norm=self.batch_norm,
            generator_dropout=self.generator_dropout,
            precision=self.precision,
            d_learning_rate=self.d_learning_rate,
            g_learning_rate=self.g_learning_rate,
            beta_1=self.beta_1,
            label_smoothing=self.label_smoothing,
            jit_compile=self.jit_compile,
        )

    def _hold_back(self, images, rng):
        """Split a class's images into (training, held back for scoring)."""
        n_held = round(self.validation_fraction * len(images))
        if not self.choose_generator or len(images) < MIN_HOLD_OUT_CLASS or n_held < 2:
            return images, images
        order = rng.permutation(len(images))
        return images[order[n_held:]], images[order[:n_held]]

    def _epochs(self, n_images):
        if self.epochs != "auto":
            return self.epochs
        batch_size = min(self.batch_size, n_images)
        n_batches = max(1, n_images // batch_size)
        return math.ceil(AUTO_UPDATES / n_batches)

    def _check_before_training(self, y):
        """Refuse, before any training, what would fail halfway through a fit."""
        snapshot_dir = self.snapshot_dir
        if snapshot_dir is not None and (
            os.path.exists(snapshot_dir) and not os.path.isdir(snapshot_dir)
        ):
            raise NotADirectoryError(
                f"snapshot_dir={os.fspath(snapshot_dir)!r} exists and is not a folder."
            )
        if self.choose_generator:
            for label, n_new in self.sampling_strategy_.items():
                n_class = int(np.count_nonzero(y == label))
                if n_new and n_class < 2:
                    raise ValueError(
                        f"Class {label_text(label)} has {n_class} sample: "
                        "choose_generator=True scores its generator against real "
                        "samples of the class and needs at least 2. Pass "
                        "choose_generator=False to train on the single sample "
                        "anyway, or leave the class out of "
                        "sampling_strategy."
                    )

    def _fit_resample(self, X, y):
        X_dense = X.toarray() if sparse.issparse(X) else X
        fmt = _images.describe(X_dense, self.image_shape)
        self._check_before_training(y)
        if not any(self.sampling_strategy_.values()):
            # Nothing to add: return copies, never the caller's own arrays.
            self.data_format_ = fmt
            self.generators_, self.history_, self.quality_ = {}, {}, {}
            return X.copy(), y.copy()
        architecture = self._architecture(fmt)
        train = _images.to_training(X_dense, fmt)
        if architecture == "dense":
            train = train.reshape(len(train), -1)
        random_state = check_random_state(self.random_state)
        seeds = {
            label: int(random_state.randint(np.iinfo(np.int32).max))
            for label in self.sampling_strategy_
        }

        self.data_format_ = fmt
        grow = [
            (label, n_new) for label, n_new in self.sampling_strategy_.items() if n_new
        ]
        settings = self._settings(architecture, fmt)
        results = Parallel(n_jobs=effective_n_jobs(self.n_jobs))(
            delayed(partial(_pickled, self._fit_class))(
                label, n_new, train[y == label], seeds[label], settings, i
            )
            for i, (label, n_new) in enumerate(grow)
        )
        results = [result.value for result in results]
        self.generators_, self.history_, self.quality_ = {}, {}, {}
        new_X, new_y = [], []
        for (label, n_new), (generator, history, quality, samples) in zip(
            grow, results, strict=True
        ):
            self.generators_[label] = generator
            self.history_[label] = history
            self.quality_[label] = quality
            new_X.append(samples)
            new_y.append(np.full(n_new, label, dtype=y.dtype))

        X_new = np.concatenate(new_X)
        if sparse.issparse(X):
            X_res = sparse.vstack([X, sparse.csr_matrix(X_new)], format=X.format)
        else:
            X_res = np.concatenate([X, X_new])
        return X_res, np.concatenate([y, *new_y])

    def _monitor(self, label, held_back, seed):
        """The CheckpointMonitor of one class: snapshots, scores, failure checks."""
        fmt = self.data_format_
        return CheckpointMonitor(
            label,
            held_back,
            fmt.sample_shape if fmt.is_image else None,
            self.latent_dim,
            seed,
            snapshot_dir=self.snapshot_dir,
            choose=self.choose_generator,
        )

    def _fit_class(self, label, n_new, images, seed, settings, index):
        """Train one class's GAN; returns (generator, history, quality, new samples).

        Runs in a worker when ``n_jobs`` asks for several; with several GPUs,
        class ``index`` trains on GPU ``index % n_gpus``.
        """
        with device_for(index):
            generator, discriminator = settings.build_networks(seed)
            trainer = trainer_for(settings)
            trainer.load(generator, discriminator)
            rng = np.random.default_rng(seed)
            images, held_back = self._hold_back(images, rng)
            monitor = self._monitor(label, held_back, seed)
            history = train_gan(
                trainer,
                images,
                generator,
                epochs=self._epochs(len(images)),
                batch_size=self.batch_size,
                rng=rng,
                label=label,
                verbose=self.verbose,
                checkpoint_every=self.snapshot_every,
                on_checkpoint=monitor,
            )
            monitor.restore_best(generator)
            return (
                generator,
                history,
                monitor.report(),
                self._generate(generator, n_new, rng),
            )

    def _generate(self, generator, n_samples, rng):
        # Chunk by chunk into one preallocated array: the peak memory is the
        # output plus one chunk's working arrays, whatever n_samples is.
        fmt = self.data_format_
        out = None
        for start in range(0, n_samples, GENERATION_CHUNK):
            size = min(GENERATION_CHUNK, n_samples - start)
            noise = rng.standard_normal((size, self.latent_dim)).astype(np.float32)
            values = keras.ops.convert_to_numpy(generator(noise, training=False))
            chunk = _images.from_training(values, fmt)
            if out is None:
                out = np.empty((n_samples, *chunk.shape[1:]), dtype=chunk.dtype)
            out[start : start + size] = chunk
        if out is None:  # n_samples == 0
            out = _images.from_training(np.zeros((1, *fmt.sample_shape)), fmt)[:0]
        return out

    def generate(self, label, n_samples, random_state=None):
        """Draw new samples of one class from its trained generator.

        Parameters
        ----------
        label : object
            A class in ``generators_``.
        n_samples : int
            How many samples to draw.
        random_state : int, RandomState instance or None, default=None
            Seeds the noise.

        Returns
        -------
        ndarray
            Samples in the layout, dtype and value range of the training data.

        Examples
        --------
        >>> import numpy as np
        >>> from gansampler import DCGANOverSampler
        >>> X = np.random.default_rng(0).random((40, 8, 8))
        >>> y = np.array([0] * 30 + [1] * 10)
        >>> sampler = DCGANOverSampler(epochs=2, random_state=0)
        >>> _ = sampler.fit_resample(X, y)
        >>> images = sampler.generate(1, 5, random_state=0)
        >>> images.shape, images.dtype.name, bool(images.min() >= 0)
        ((5, 8, 8), 'float64', True)
        """
        check_is_fitted(self, "generators_")
        if isinstance(n_samples, bool | np.bool_) or not isinstance(
            n_samples, Integral
        ):
            raise TypeError(
                f"n_samples must be an int, got {n_samples!r} of type "
                f"{type(n_samples).__name__}."
            )
        if n_samples < 0:
            raise ValueError(f"n_samples must be >= 0, got {n_samples}.")
        if label not in self.generators_:
            raise ValueError(
                f"No generator for class {label!r}; generators were trained for "
                f"{sorted(self.generators_)!r}."
            )
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        return self._generate(
            self.generators_[label], int(n_samples), np.random.default_rng(seed)
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
