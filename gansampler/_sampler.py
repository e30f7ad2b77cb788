"""DCGANOverSampler: an imbalanced-learn over-sampler that trains a DC-GAN per class."""

import math
import os
from functools import partial
from numbers import Integral, Real

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
from ._fit_state import kept_on_failure
from ._pickled import pickled
from .architectures import NORMALIZATIONS, UPSAMPLINGS
from .augment import check_policy
from .labels import label_text
from .recipes import RECIPES, TECHNIQUES, resolve_recipe
from .training import (
    LOSSES,
    CheckpointMonitor,
    GANSettings,
    device_for,
    train_gan,
    trainer_for,
)

__all__ = ["DCGANOverSampler"]

# Classes smaller than this hold no images back for choose_generator.
MIN_HOLD_OUT_CLASS = 10

# Generated images are drawn in chunks of this many, so memory stays bounded.
GENERATION_CHUNK = 256


def _check_counts(sampling_strategy, y):
    """Refuse sample counts that are not integers, as imbalanced-learn does.

    imbalanced-learn's own samplers fail on them deep inside numpy; this says
    which class and count, before any training.
    """
    for label, n_new in sampling_strategy.items():
        if not isinstance(n_new, Integral) or isinstance(n_new, bool | np.bool_):
            target = n_new + np.count_nonzero(y == label)
            raise TypeError(
                f"sampling_strategy asks for {target!r} samples of class "
                f"{label_text(label)}: sample counts must be integers, as in "
                "every imbalanced-learn sampler."
            )


class DCGANOverSampler(BaseOverSampler):
    """Over-sample minority classes with images drawn from a DC-GAN per class.

    For each class that ``sampling_strategy`` asks to grow, ``fit_resample``
    trains a deep convolutional GAN on that class's images, then appends as
    many generated images as requested (or, with ``generated_fraction``
    below 1, generated images and copies of the class's own images). How the
    GANs are trained is a ``recipe``: ``"article"``, the recipe of the
    article "Conquer class-imbalanced dataset issues using GANs" (strided
    convolutions, batch normalisation, Adam with separate learning rates, one
    discriminator update on an all-real and one on an all-fake batch per
    generator update), or ``"default"``, the recipe the project's study chose
    inside training folds: the article's with a generator that upsamples by
    resizing and convolving, which leaves no checkerboard pattern
    (docs/gan_study.md). Every technique parameter left at
    None takes the recipe's value (:mod:`gansampler.recipes`); ``recipe_``
    shows what was used.

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
    recipe : {'default', 'article'}, default='default'
        Where the technique parameters left at None come from.
    architecture : {'auto', 'conv', 'seed', 'dense'}, default='auto'
        ``'conv'``: DC-GAN networks sized for the images (8x8 and larger);
        ``'seed'``: the article's exact 128x128 networks; ``'dense'``:
        fully-connected networks; ``'auto'``: ``'conv'`` for images,
        ``'dense'`` for tabular data. See :mod:`gansampler.architectures`.
        ``'seed'`` and ``'dense'`` ignore the recipe's upsampling and
        discriminator normalisation (and ``'dense'`` its augmentation).
    latent_dim : int, default=100
        Size of the generator's noise vector.
    epochs : int or 'auto', default='auto'
        Passes over each class's images. ``'auto'``: enough epochs for about
        ``updates`` generator updates per class (``ceil(updates /
        n_batches)``), so that small classes, which have few batches per
        epoch, train as long as large ones.
    updates : int or None, default=None
        The training budget of ``epochs='auto'``: generator updates per class
        (and for the pretraining). None: the recipe's.
    batch_size : int, default=32
        Images per batch (capped at the class size). Each epoch uses
        ``n_class // batch_size`` full batches in a new random order.
    d_learning_rate, g_learning_rate : float or None, default=None
        Adam learning rates of the discriminator and the generator. None: the
        recipe's (article: 1e-3 and 1e-4).
    beta_1 : float, default=0.5
        Adam's first-moment decay for both networks.
    generator_filters : int, default=32
        Width of the ``'conv'`` generator (filters of its last upsampling
        block) or of the ``'dense'`` generator (units).
    discriminator_filters : int, default=16
        Width of the ``'conv'`` discriminator (filters of its first layer) or
        of the ``'dense'`` discriminator (units).
    batch_norm : bool or None, default=None
        Batch normalisation in the generator (tip 3), and in the
        discriminator when ``discriminator_norm`` resolves to None. None: on
        for ``'conv'`` and ``'dense'``, off for ``'seed'``.
    discriminator_norm : {'batch', 'spectral', 'none'} or None, default=None
        Normalisation of the ``'conv'`` discriminator: batch normalisation,
        spectral normalisation (:class:`keras.layers.SpectralNormalization`)
        or none. None: the recipe's (article: as ``batch_norm``).
    upsampling : {'transposed', 'resize'} or None, default=None
        Upsampling of the ``'conv'`` generator: stride-2 transposed
        convolutions (the article's), or nearest-neighbour resizing followed
        by a convolution, which leaves no checkerboard pattern. None: the
        recipe's.
    loss : {'bce', 'hinge'} or None, default=None
        The GAN loss: the article's binary cross-entropy or the hinge loss.
        None: the recipe's.
    label_smoothing : float or None, default=None
        One-sided label smoothing (``loss='bce'``): the discriminator's target
        for real images is ``1 - label_smoothing``, so it cannot become
        arbitrarily confident, the usual way its loss falls to 0 and training
        fails (tip 8). None: the recipe's (article: 0.1, an addition to the
        article; docs/results.md says why).
    augmentation : str, tuple of str or None, default=None
        Differentiable augmentation (DiffAugment) of real and generated images
        before the discriminator, in both its and the generator's updates:
        names from :data:`gansampler.augment.POLICIES` (``'translation'``,
        ``'cutout'``, ``'color'``, ``'flip'``, ``'rot90'``), as a tuple or a
        comma-separated string; ``''`` for none. Flips and rotations suit
        images without a natural orientation. None: the recipe's.
    generator_ema : float or None, default=None
        Decay of an exponential moving average of the generator's weights;
        the average is what checkpoints score and what generates the samples.
        0 turns it off. None: the recipe's (article: off).
    generator_dropout : float, default=0.0
        Dropout rate in the generator (tip 7 suggests 0.5).
    pretrain : bool or None, default=None
        Transfer from the fold: first train one GAN on all the training images
        of every class (once per fit; the images each class holds back for
        ``choose_generator`` excluded), then fine-tune a copy of it for each
        class that grows. ``pretrain_history_`` holds the pretraining.
        None: the recipe's.
    freeze_discriminator : int or None, default=None
        With ``pretrain``, the number of the discriminator's first blocks
        (convolutions with what follows them) kept frozen while fine-tuning
        (FreezeD). None: the recipe's.
    generated_fraction : float or None, default=None
        Share of each class's new samples that is generated; the rest are
        copies of the class's own samples drawn at random, as random
        over-sampling draws them. 0 trains no GAN. None: the recipe's.
    reuse_fakes : bool or None, default=None
        Let one batch of generated images per step serve both the
        discriminator's update on fakes and the generator's update, as the
        PyTorch DCGAN example does (a generator forward pass fewer per step).
        False: fresh noise for each, as in the article. None: the recipe's.
    choose_generator : bool, default=True
        Score the generator at each checkpoint (about ten per class) against
        real images of the class held back from training, and keep the best
        checkpoint, so that more epochs cannot make the output worse. The score
        is the kernel distance (KID) in pixel space, pooled to at most 16x16.
        Classes with fewer than 10 images hold nothing back and are scored
        against their training images. ``quality_`` reports the choice.
        Without it, a class whose generator collapses (mode collapse) keeps
        its last checkpoint before the collapse.
    validation_fraction : float, default=0.2
        Share of each class's images held back for ``choose_generator``. A
        fraction that would hold back every image of a class to be generated
        is refused before any training.
    snapshot_dir : str or path-like, default=None
        Folder for snapshots: per class a sub-folder with, at each checkpoint,
        a 7x7 grid of generated images (PNG), the generator (``.keras``) and
        the article's summary line (``summary.txt``). Files are written
        atomically and only inside this folder. A later fit (another CV fold,
        a refit) never overwrites or mixes with an earlier one: it writes
        into ``class_<label>-run2``, ``-run3``, ...; ``quality_`` names each
        class's folder. The grids of images with other than 1, 3 or 4
        channels show their first channel.
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
        Compile the train step. ``'auto'``: TensorFlow compiles it with XLA
        when a GPU is visible, JAX always compiles it, PyTorch runs it
        eagerly on the CPU and replays it as a CUDA graph on a GPU; True asks
        TensorFlow for XLA and PyTorch for ``torch.compile``; False runs it
        eagerly (JAX: for debugging only). docs/benchmarks.md compares them.
    verbose : int, default=0
        0: silent; 1: a progress bar per class on stderr, with the epochs done,
        the time left and the latest losses (on a terminal redrawn in place,
        below a comparison's bar of folds when there is one; elsewhere, and in
        joblib's worker processes, written once when the class is done); 2:
        also a line per epoch on stdout, in the article's format ``>class,
        epoch, batches, d1=..., d2=... g=...``.

    Attributes
    ----------
    sampling_strategy_ : dict
        Maps each class to the number of samples added.
    recipe_ : dict
        The technique settings the fit used (the recipe's, with the
        parameters given in place).
    generators_ : dict
        Maps each class that got generated samples to its trained generator,
        a ``keras.Model`` that turns noise of shape ``(n, latent_dim)`` into
        samples in ``[-1, 1]``; use :meth:`generate` to get samples in the
        format of the training data.
    quality_ : dict
        Maps each such class to the choice of its generator:
        ``chosen_epoch`` and its ``kernel_distance`` (None when
        ``choose_generator=False``), ``scores`` as ``(epoch, kernel distance)``
        pairs per checkpoint, ``collapsed_at``, the epoch of a detected
        mode collapse or None, ``snapshot_folder``, where the class's
        snapshots of this fit went (None without ``snapshot_dir``), and
        ``pretrained``, whether it was fine-tuned from the pretrained GAN.
    history_ : dict
        Maps each such class to a dict of per-epoch lists: ``d_loss_real``,
        ``d_loss_fake``, ``g_loss``, ``d_acc_real`` and ``d_acc_fake`` (the
        article's d1, d2, g and the discriminator's accuracy on real and fake
        batches); after pretraining, the fine-tuning's epochs only.
    pretrain_history_ : dict or None
        The pretraining's per-epoch lists, as in ``history_``; None without
        ``pretrain``.
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
    new samples class by class in the order of ``sampling_strategy_`` (for a
    class, its generated samples, then its copies). Neither the caller's
    arrays, Keras' global dtype policy, nor the global random seeds are
    changed. What the recipes do to a classifier is measured in
    docs/results.md and docs/gan_study.md.

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
    >>> sampler.recipe_["upsampling"]
    'resize'
    """

    _parameter_constraints = {
        **BaseOverSampler._parameter_constraints,
        "image_shape": [tuple, list, None],
        "recipe": [StrOptions(set(RECIPES))],
        "architecture": [StrOptions({"auto", "conv", "seed", "dense"})],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "updates": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "d_learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "g_learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "generator_filters": [Interval(Integral, 1, None, closed="left")],
        "discriminator_filters": [Interval(Integral, 1, None, closed="left")],
        "batch_norm": ["boolean", None],
        "discriminator_norm": [StrOptions(set(NORMALIZATIONS)), None],
        "upsampling": [StrOptions(set(UPSAMPLINGS)), None],
        "loss": [StrOptions(set(LOSSES)), None],
        "label_smoothing": [Interval(Real, 0, 0.5, closed="left"), None],
        "augmentation": [str, tuple, list, None],
        "generator_ema": [Interval(Real, 0, 1, closed="left"), None],
        "generator_dropout": [Interval(Real, 0, 1, closed="left")],
        "pretrain": ["boolean", None],
        "freeze_discriminator": [Interval(Integral, 0, None, closed="left"), None],
        "generated_fraction": [Interval(Real, 0, 1, closed="both"), None],
        "reuse_fakes": ["boolean", None],
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
        recipe="default",
        architecture="auto",
        latent_dim=100,
        epochs="auto",
        updates=None,
        batch_size=32,
        d_learning_rate=None,
        g_learning_rate=None,
        beta_1=0.5,
        generator_filters=32,
        discriminator_filters=16,
        batch_norm=None,
        discriminator_norm=None,
        upsampling=None,
        loss=None,
        label_smoothing=None,
        augmentation=None,
        generator_ema=None,
        generator_dropout=0.0,
        pretrain=None,
        freeze_discriminator=None,
        generated_fraction=None,
        reuse_fakes=None,
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
        self.recipe = recipe
        self.architecture = architecture
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.updates = updates
        self.batch_size = batch_size
        self.d_learning_rate = d_learning_rate
        self.g_learning_rate = g_learning_rate
        self.beta_1 = beta_1
        self.generator_filters = generator_filters
        self.discriminator_filters = discriminator_filters
        self.batch_norm = batch_norm
        self.discriminator_norm = discriminator_norm
        self.upsampling = upsampling
        self.loss = loss
        self.label_smoothing = label_smoothing
        self.augmentation = augmentation
        self.generator_ema = generator_ema
        self.generator_dropout = generator_dropout
        self.pretrain = pretrain
        self.freeze_discriminator = freeze_discriminator
        self.generated_fraction = generated_fraction
        self.reuse_fakes = reuse_fakes
        self.choose_generator = choose_generator
        self.validation_fraction = validation_fraction
        self.snapshot_dir = snapshot_dir
        self.snapshot_every = snapshot_every
        self.n_jobs = n_jobs
        self.precision = precision
        self.jit_compile = jit_compile
        self.verbose = verbose

    def fit_resample(self, X, y, **params):
        """Train a GAN per class that grows and return the resampled data.

        The fitted attributes (those ending in ``_``, imbalanced-learn's
        ``sampling_strategy_`` and ``n_features_in_`` among them) are set only
        by a fit that succeeds. A fit that fails or is interrupted (for
        example by Ctrl-C, a ``KeyboardInterrupt``) leaves the sampler as it
        was before it: unfitted, or with the previous fit intact.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, ...)
            The images, ``(n, H, W, C)``, ``(n, H, W)`` or flattened with
            ``image_shape``; or tabular rows.
        y : array-like of shape (n_samples,)
            The class of each sample.
        **params : dict
            Passed on to imbalanced-learn's ``fit_resample``.

        Returns
        -------
        X_resampled : {array-like, sparse matrix, dataframe}
            The original samples followed by the new ones, in the layout and
            container of ``X``.
        y_resampled : array-like of shape (n_samples_new,)
            Their classes.
        """
        with kept_on_failure(self):
            return super().fit_resample(X, y, **params)

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

    def _techniques(self, fmt, architecture):
        """The recipe's settings with the given parameters in place (``recipe_``).

        The recipe's image-only settings are dropped where they do not apply
        (the fixed ``'seed'`` and ``'dense'`` networks, tabular rows); given
        explicitly, they reach the builders, which refuse them clearly.
        """
        given = {name: getattr(self, name) for name in TECHNIQUES}
        techniques = resolve_recipe(self.recipe, **given)
        article = RECIPES["article"]
        if architecture != "conv":
            for name in ("upsampling", "discriminator_norm"):
                if given[name] is None:
                    techniques[name] = article[name]
        if not fmt.is_image and given["augmentation"] is None:
            techniques["augmentation"] = ()
        techniques["augmentation"] = check_policy(
            techniques["augmentation"], fmt.sample_shape
        )
        return techniques

    def _settings(self, architecture, fmt, techniques):
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
            d_learning_rate=techniques["d_learning_rate"],
            g_learning_rate=techniques["g_learning_rate"],
            beta_1=self.beta_1,
            label_smoothing=techniques["label_smoothing"],
            upsampling=techniques["upsampling"],
            discriminator_norm=techniques["discriminator_norm"],
            loss=techniques["loss"],
            augmentation=techniques["augmentation"],
            generator_ema=techniques["generator_ema"] or None,
            reuse_fakes=techniques["reuse_fakes"],
            jit_compile=self.jit_compile,
        )

    def _n_held_back(self, n_images):
        """How many of a class's ``n_images`` are held back for scoring (0: none).

        Classes smaller than ``MIN_HOLD_OUT_CLASS``, and those where the
        fraction comes to fewer than 2 images, hold none back and are scored
        against their training images.
        """
        n_held = round(self.validation_fraction * n_images)
        if not self.choose_generator or n_images < MIN_HOLD_OUT_CLASS or n_held < 2:
            return 0
        return n_held

    def _hold_back(self, images, rng):
        """Split a class's images into (training, held back for scoring)."""
        n_held = self._n_held_back(len(images))
        if not n_held:
            return images, images
        order = rng.permutation(len(images))
        return images[order[n_held:]], images[order[:n_held]]

    def _epochs(self, n_images):
        if self.epochs != "auto":
            return self.epochs
        batch_size = min(self.batch_size, n_images)
        n_batches = max(1, n_images // batch_size)
        return math.ceil(self.recipe_["updates"] / n_batches)

    def _check_before_training(self, y, plan, settings):
        """Refuse, before any training, what would fail halfway through a fit."""
        snapshot_dir = self.snapshot_dir
        if snapshot_dir is not None and not os.fspath(snapshot_dir):
            raise ValueError(
                "snapshot_dir='' names no folder; pass a folder for the "
                "snapshots, or None for none."
            )
        if snapshot_dir is not None and (
            os.path.exists(snapshot_dir) and not os.path.isdir(snapshot_dir)
        ):
            raise NotADirectoryError(
                f"snapshot_dir={os.fspath(snapshot_dir)!r} exists and is not a folder."
            )
        techniques = self.recipe_
        frozen = techniques["freeze_discriminator"]
        if frozen and not techniques["pretrain"]:
            raise ValueError(
                f"freeze_discriminator={frozen} freezes blocks of the pretrained "
                "discriminator while fine-tuning; it needs pretrain=True."
            )
        if frozen and any(n_gen for _, _, n_gen in plan):
            trainer_for(settings).trainable_mask(frozen)  # raises if too many
        if self.choose_generator:
            for label, _, n_gen in plan:
                n_class = int(np.count_nonzero(y == label))
                if n_gen and n_class < 2:
                    raise ValueError(
                        f"Class {label_text(label)} has {n_class} sample: "
                        "choose_generator=True scores its generator against real "
                        "samples of the class and needs at least 2. Pass "
                        "choose_generator=False to train on the single sample "
                        "anyway, or leave the class out of "
                        "sampling_strategy."
                    )
                n_held = self._n_held_back(n_class)
                if n_gen and n_held >= n_class:
                    raise ValueError(
                        f"validation_fraction={self.validation_fraction!r} holds "
                        f"back all {n_class} samples of class {label_text(label)} "
                        "to score its generator (choose_generator=True), leaving "
                        "none to train it on. Pass a smaller validation_fraction, "
                        "or choose_generator=False."
                    )

    def _fit_resample(self, X, y):
        X_dense = X.toarray() if sparse.issparse(X) else X
        fmt = _images.describe(X_dense, self.image_shape)
        architecture = self._architecture(fmt)
        self.data_format_ = fmt
        self.recipe_ = self._techniques(fmt, architecture)
        self.generators_, self.history_, self.quality_ = {}, {}, {}
        self.pretrain_history_ = None
        _check_counts(self.sampling_strategy_, y)
        fraction = self.recipe_["generated_fraction"]
        # (class, new samples, of which generated), for the classes that grow.
        plan = [
            (label, n_new, round(fraction * n_new))
            for label, n_new in self.sampling_strategy_.items()
            if n_new
        ]
        settings = self._settings(architecture, fmt, self.recipe_)
        self._check_before_training(y, plan, settings)
        if not plan:
            # Nothing to add: return copies, never the caller's own arrays.
            return X.copy(), y.copy()
        train = _images.to_training(X_dense, fmt)
        if architecture == "dense":
            train = train.reshape(len(train), -1)
        random_state = check_random_state(self.random_state)
        seeds = {
            label: int(random_state.randint(np.iinfo(np.int32).max))
            for label in self.sampling_strategy_
        }
        # Each class's images split into training and held back, with the
        # class's own random generator (which then drives its training).
        classes = {}
        for label, _, n_gen in plan:
            if n_gen:
                rng = np.random.default_rng(seeds[label])
                classes[label] = (*self._hold_back(train[y == label], rng), rng)
        pretrained = None
        if self.recipe_["pretrain"] and classes:
            seed = int(random_state.randint(np.iinfo(np.int32).max))
            pretrained = self._pretrain(settings, train, y, classes, seed)

        jobs = [(label, n_gen) for label, _, n_gen in plan if n_gen]
        results = Parallel(n_jobs=effective_n_jobs(self.n_jobs))(
            delayed(partial(pickled, self._fit_class))(
                label, n_gen, *classes[label], seeds[label], settings, i, pretrained
            )
            for i, (label, n_gen) in enumerate(jobs)
        )
        results = {
            label: result.value
            for (label, _), result in zip(jobs, results, strict=True)
        }

        new_X, new_y = [], []
        for label, n_new, n_gen in plan:
            if n_gen:
                generator, history, quality, samples = results[label]
                self.generators_[label] = generator
                self.history_[label] = history
                self.quality_[label] = {**quality, "pretrained": pretrained is not None}
                new_X.append(samples)
            if n_new > n_gen:
                rows = np.flatnonzero(y == label)
                rng = np.random.default_rng((seeds[label], 1))
                new_X.append(X_dense[rng.choice(rows, n_new - n_gen)])
            new_y.append(np.full(n_new, label, dtype=y.dtype))

        X_new = np.concatenate(new_X)
        if sparse.issparse(X):
            X_res = sparse.vstack([X, sparse.csr_matrix(X_new)], format=X.format)
        else:
            X_res = np.concatenate([X, X_new])
        return X_res, np.concatenate([y, *new_y])

    def _pretrain(self, settings, train, y, classes, seed):
        """Train one GAN on every class's training images; its weights.

        Returns ``(generator weights, discriminator weights)`` as lists of
        arrays, the raw (not averaged) weights that fine-tuning starts from.
        """
        parts = [
            classes[label][0] if label in classes else train[y == label]
            for label in np.unique(y)
        ]
        images = np.concatenate(parts)
        generator, discriminator = settings.build_networks(seed)
        trainer = trainer_for(settings)
        trainer.load(generator, discriminator)
        self.pretrain_history_ = train_gan(
            trainer,
            images,
            generator,
            epochs=self._epochs(len(images)),
            batch_size=self.batch_size,
            rng=np.random.default_rng(seed),
            label="pretraining",
            verbose=self.verbose,
            checkpoint_every=self.snapshot_every,
        )
        trainer.save(generator, discriminator, average=False)
        return generator.get_weights(), discriminator.get_weights()

    def _monitor(self, label, held_back, seed, trainer):
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
            sample=trainer.generate,
        )

    def _fit_class(
        self, label, n_new, images, held_back, rng, seed, settings, index, pretrained
    ):
        """Train one class's GAN; returns (generator, history, quality, new samples).

        Runs in a worker when ``n_jobs`` asks for several; with several GPUs,
        class ``index`` trains on GPU ``index % n_gpus``.
        """
        with device_for(index):
            generator, discriminator = settings.build_networks(seed)
            frozen = 0
            if pretrained is not None:
                generator.set_weights(pretrained[0])
                discriminator.set_weights(pretrained[1])
                frozen = self.recipe_["freeze_discriminator"]
            trainer = trainer_for(settings)
            trainer.load(generator, discriminator, frozen_blocks=frozen)
            monitor = self._monitor(label, held_back, seed, trainer)
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
                self._generate(generator, n_new, rng, trainer),
            )

    def _generate(self, generator, n_samples, rng, trainer):
        # Chunk by chunk into one preallocated array: the peak memory is the
        # output plus one chunk's working arrays, whatever n_samples is.
        fmt = self.data_format_
        out = None
        for start in range(0, n_samples, GENERATION_CHUNK):
            size = min(GENERATION_CHUNK, n_samples - start)
            noise = rng.standard_normal((size, self.latent_dim)).astype(np.float32)
            chunk = _images.from_training(trainer.generate(generator, noise), fmt)
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
        fmt = self.data_format_
        architecture = self._architecture(fmt)
        trainer = trainer_for(self._settings(architecture, fmt, self.recipe_))
        rng = np.random.default_rng(seed)
        return self._generate(self.generators_[label], int(n_samples), rng, trainer)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
