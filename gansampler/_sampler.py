"""DCGANOverSampler: an imbalanced-learn over-sampler that trains a DC-GAN per class."""

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
from ._anchoring import LATENT_SAMPLINGS, class_anchored_noise
from ._fit_settings import (
    check_before_training,
    check_counts,
    epochs_for,
    gan_settings,
    n_held_back,
    resolve_settings,
)
from ._fit_state import kept_on_failure
from ._pickled import pickled
from ._seeding import MAX_SEED
from ._teacher import Teacher, n_candidates
from .architectures import ARCHITECTURES, NORMALIZATIONS, UPSAMPLINGS
from .recipes import DEFAULTS, PRECISIONS
from .training import (
    GENERATION_CHUNK,
    LOSSES,
    CheckpointMonitor,
    device_for,
    train_gan,
    trainer_for,
)

__all__ = ["DCGANOverSampler"]


class DCGANOverSampler(BaseOverSampler):
    """Over-sample minority classes with images drawn from a DC-GAN per class.

    For each class that ``sampling_strategy`` asks to grow, ``fit_resample``
    trains a deep convolutional GAN on that class's images, then appends as
    many new images as requested: by default half generated and half copies
    of the class's own images (``generated_fraction``). The defaults follow
    the article "Conquer class-imbalanced dataset issues using GANs" (strided
    convolutions, batch normalisation, Adam with separate learning rates, one
    discriminator update on an all-real and one on an all-fake batch per
    generator update) with what the project's study chose inside training
    folds (:mod:`gansampler.recipes`): resize-and-convolve upsampling,
    DiffAugment and a generator average for long trainings, and the mix with
    copies. ``DCGANOverSampler(**gansampler.recipes.ARTICLE)`` is the
    article's recipe. ``settings_`` shows every setting a fit used.

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
        ``'seed'``: the article's exact 128x128 networks, whose widths,
        normalisation and upsampling are fixed; ``'dense'``: fully-connected
        networks for rows of values; ``'auto'``: ``'conv'`` for images,
        ``'dense'`` for tabular data. See :mod:`gansampler.architectures`.
    latent_dim : int, default=100
        Size of the generator's noise vector.
    updates : int or 'auto', default='auto'
        The training budget: generator updates per class (and for the
        pretraining). Each class trains ``ceil(updates / n_batches)`` epochs,
        so that small classes, which have few batches per epoch, train as long
        as large ones. ``'auto'``: the device's budget,
        :func:`gansampler.training.default_updates`.
    batch_size : int, default=32
        Images per batch (capped at the class size). Each epoch uses
        ``n_class // batch_size`` full batches in a new random order.
    d_learning_rate : float, default=1e-3
        Adam learning rate of the discriminator (the article's).
    g_learning_rate : float, default=1e-4
        Adam learning rate of the generator (the article's). Both optimizers
        use Adam's ``beta_1=0.5``, the DCGAN value.
    generator_filters : int or 'auto', default='auto'
        Width of the ``'conv'`` generator (filters of its last upsampling
        block) or of the ``'dense'`` generator (units). ``'auto'``: 32;
        ``'seed'`` has fixed widths and refuses a number.
    discriminator_filters : int or 'auto', default='auto'
        Width of the ``'conv'`` discriminator (filters of its first layer) or
        of the ``'dense'`` discriminator (units). ``'auto'``: 16; ``'seed'``
        has fixed widths and refuses a number.
    batch_norm : bool or 'auto', default='auto'
        Batch normalisation in the generator (tip 3), and in the ``'conv'``
        discriminator through ``discriminator_norm='auto'``. ``'auto'``: on
        for ``'conv'`` and ``'dense'``, off for ``'seed'``, whose printed
        networks have none (it refuses True).
    discriminator_norm : {'auto', 'batch', 'spectral', 'none'}, default='auto'
        Normalisation of the ``'conv'`` discriminator: batch normalisation,
        spectral normalisation (:class:`keras.layers.SpectralNormalization`)
        or none. ``'auto'``: ``'batch'`` when ``batch_norm`` is on, else
        ``'none'``; the ``'seed'`` and ``'dense'`` discriminators have no
        normalisation and refuse the others.
    upsampling : {'auto', 'resize', 'transposed'}, default='auto'
        Upsampling of the ``'conv'`` generator: nearest-neighbour resizing
        followed by a convolution, which leaves no checkerboard pattern, or
        stride-2 transposed convolutions (the article's). ``'auto'``:
        ``'resize'`` for ``'conv'``; ``'seed'`` has transposed convolutions
        (it refuses ``'resize'``), ``'dense'`` no upsampling (it refuses
        both).
    loss : {'bce', 'hinge'}, default='bce'
        The GAN loss: the article's binary cross-entropy or the hinge loss.
    label_smoothing : float, default=0.1
        One-sided label smoothing of ``loss='bce'``: the discriminator's
        target for real images is ``1 - label_smoothing``, so it cannot become
        arbitrarily confident, the usual way its loss falls to 0 and training
        fails (tip 8; an addition to the article, docs/results.md says why).
        ``loss='hinge'`` has no target and needs ``label_smoothing=0``.
    augmentation : str or tuple of str, default='auto'
        Differentiable augmentation (DiffAugment) of real and generated images
        before the discriminator, in both its and the generator's updates:
        names from :data:`gansampler.augment.POLICIES` (``'translation'``,
        ``'cutout'``, ``'color'``, ``'flip'``, ``'rot90'``), as a tuple or a
        comma-separated string; ``()`` or ``''`` for none. Flips and
        rotations suit images without a natural orientation. Images only
        (``'dense'`` refuses it). ``'auto'``: ``('translation', 'cutout')``
        for images from :data:`gansampler.recipes.LONG_TRAINING_UPDATES`
        updates on, where a discriminator would overfit a small class; none
        for shorter trainings and for ``'dense'``.
    generator_ema : float or 'auto', default='auto'
        Decay of an exponential moving average of the generator's weights
        (e.g. 0.99); the average is what checkpoints score and what generates
        the samples. 0: off, the generator's own weights. ``'auto'``: 0.999
        from :data:`gansampler.recipes.LONG_TRAINING_UPDATES` updates on, 0
        for shorter trainings.
    generator_dropout : float, default=0.0
        Dropout rate in the generator (tip 7 suggests 0.5).
    pretrain : bool, default=False
        Transfer from the fold: first train one GAN on all the training images
        of every class (once per fit; the images each class holds back for
        ``validation_fraction`` excluded), then fine-tune a copy of it for
        each class that grows. ``pretrain_history_`` holds the pretraining.
    freeze_discriminator : int, default=0
        With ``pretrain=True``, the number of the discriminator's first blocks
        (convolutions with what follows them) kept frozen while fine-tuning
        (FreezeD); without it, only 0 is accepted.
    generated_fraction : float, default=0.5
        Share of each class's new samples that is generated (rounded to a
        whole number per class); the rest are copies of the class's own
        samples drawn at random, as random over-sampling draws them. 1
        generates every new sample, as the article does; 0 trains no GAN.
    validation_fraction : float or None, default=0.2
        Share of each class's images held back from training to choose its
        generator: the generator is scored at each checkpoint (about ten per
        class) against them and the best checkpoint is kept, so that more
        updates cannot make the output worse. The score is the kernel
        distance (KID) in pixel space, pooled to at most 16x16. Classes with
        fewer than 10 images hold nothing back and are scored against their
        training images; a fraction that would hold back every image of a
        class to be generated is refused before any training. ``quality_``
        reports the choice. None: hold nothing back and choose no checkpoint;
        a class keeps its last generator, or its last checkpoint before a
        detected mode collapse.
    latent_sampling : {'prior', 'smote'}, default='prior'
        Where the noise of each new image comes from. ``'prior'``: drawn at
        random, so the image may lie anywhere the generator reaches.
        ``'smote'``: anchored on the class's real images, as SMOTE anchors
        its samples: after training, an encoder into the generator's noise
        space is trained on the generator's own images, each real image of
        the class is encoded (and its code refined until the generator
        reproduces the image closely), and each new image is generated from a
        point drawn at random on the segment between the codes of a real
        image and of one of its 5 nearest neighbours among the codes. Needs
        at least 2 images in each class that grows. ``anchoring_`` reports
        how closely the generator reproduces the real images, which tells
        whether it covers the class at all (user guide, "Anchored sampling").
    select : {'teacher'} or None, default=None
        ``'teacher'``: generate 4 candidates per new image and keep those a
        classifier trained on the fold's real images (the library's
        :class:`~gansampler.classifiers.KerasImageClassifier`, balanced by
        random over-sampling, trained once per fit) assigns to their class,
        leaving out the most confident tenth and drawing the rest at random;
        a shortfall is filled with copies of the class's own images.
        ``selection_`` records per class how many were accepted, and the
        teacher's balanced accuracy on real images it did not train on (a
        weak teacher selects noise: a UserWarning names each class whose
        recall by the teacher is at or below chance). Images only. None: keep
        every generated image.
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
    settings_ : dict
        Every GAN setting the fit used, each ``'auto'`` resolved: the
        ``architecture``, then one value per name of
        :data:`gansampler.recipes.DEFAULTS` (``updates`` as a number,
        ``augmentation`` as a tuple, Adam's ``beta_1``); None where the
        architecture fixes a width (``'seed'``) or has no upsampling
        (``'dense'``).
    generators_ : dict
        Maps each class that got generated samples to its trained generator,
        a ``keras.Model`` that turns noise of shape ``(n, latent_dim)`` into
        samples in ``[-1, 1]``; use :meth:`generate` to get samples in the
        format of the training data.
    quality_ : dict
        Maps each such class to the choice of its generator:
        ``chosen_epoch`` and its ``kernel_distance`` (None when
        ``validation_fraction=None``), ``scores`` as ``(epoch, kernel
        distance)`` pairs per checkpoint, ``collapsed_at``, the epoch of a
        detected mode collapse or None, ``snapshot_folder``, where the class's
        snapshots of this fit went (None without ``snapshot_dir``), and
        ``pretrained``, whether it was fine-tuned from the pretrained GAN.
    history_ : dict
        Maps each such class to a dict of per-epoch lists: ``d_loss_real``,
        ``d_loss_fake``, ``g_loss``, ``d_acc_real`` and ``d_acc_fake`` (the
        article's d1, d2, g and the discriminator's accuracy on real and fake
        batches); after pretraining, the fine-tuning's epochs only.
    anchoring_ : dict or None
        With ``latent_sampling='smote'``, maps each class that got generated
        samples to how closely its generator reproduces the class's real
        images from their codes: ``reconstruction_mse`` (pixel mean squared
        error in [-1, 1]), beside ``prior_nearest_mse`` (of a real image to
        the nearest of 1,000 images from random noise) and
        ``real_nearest_mse`` (to the nearest other real image), and their
        ``reconstruction_ratio``; the same four in the features of the
        class's trained discriminator (its last hidden layer), named with
        ``feature_`` in front; None with ``'prior'``.
    selection_ : dict or None
        With ``select='teacher'``, maps each class that got generated
        samples to its selection: ``candidates``, ``accepted``,
        ``share_accepted``, ``dropped_top``, ``kept``, ``copies`` (the
        shortfall, filled with copies), the teacher's ``teacher_recall`` of
        the class and ``teacher_balanced_accuracy`` on held-back real
        images; None without selection.
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
    changed. Parameters that do not go together (``loss='hinge'`` with
    label smoothing, a width for the ``'seed'`` networks, ...) are refused at
    the start of ``fit_resample``, before any training, by a ValueError that
    names both. What the defaults and the article's recipe do to a classifier
    is measured in docs/results.md and docs/gan_study.md.

    Examples
    --------
    >>> from collections import Counter
    >>> import numpy as np
    >>> from gansampler import DCGANOverSampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(60, 8, 8, 1), dtype=np.uint8)
    >>> y = np.array([0] * 50 + [1] * 10)
    >>> sampler = DCGANOverSampler(updates=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, sorted(Counter(y_res.tolist()).items())
    ((100, 8, 8, 1), dtype('uint8'), [(0, 50), (1, 50)])
    >>> bool((X_res[:60] == X).all())  # the originals come first, unchanged
    True
    >>> sorted(sampler.history_[1])
    ['d_acc_fake', 'd_acc_real', 'd_loss_fake', 'd_loss_real', 'g_loss']
    >>> sampler.settings_["upsampling"], sampler.settings_["updates"]
    ('resize', 2)
    """

    _parameter_constraints = {
        **BaseOverSampler._parameter_constraints,
        "image_shape": [tuple, list, None],
        "architecture": [StrOptions({"auto", *ARCHITECTURES})],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "updates": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "d_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "g_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "generator_filters": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "discriminator_filters": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "batch_norm": ["boolean", StrOptions({"auto"})],
        "discriminator_norm": [StrOptions({"auto", *NORMALIZATIONS})],
        "upsampling": [StrOptions({"auto", *UPSAMPLINGS})],
        "loss": [StrOptions(set(LOSSES))],
        "label_smoothing": [Interval(Real, 0, 0.5, closed="left")],
        "augmentation": [str, tuple, list],
        "generator_ema": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "generator_dropout": [Interval(Real, 0, 1, closed="left")],
        "pretrain": ["boolean"],
        "freeze_discriminator": [Interval(Integral, 0, None, closed="left")],
        "generated_fraction": [Interval(Real, 0, 1, closed="both")],
        "latent_sampling": [StrOptions(set(LATENT_SAMPLINGS))],
        "select": [StrOptions({"teacher"}), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "snapshot_dir": [str, os.PathLike, None],
        "snapshot_every": [Interval(Integral, 1, None, closed="left"), None],
        # joblib gives 0 no meaning; refused here, before any training.
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
        "precision": [StrOptions(set(PRECISIONS))],
        "jit_compile": ["boolean", StrOptions({"auto"})],
        "verbose": ["verbose"],
    }

    # The GAN settings' defaults come from one table, gansampler.recipes.
    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        image_shape=None,
        architecture="auto",
        latent_dim=DEFAULTS["latent_dim"],
        updates=DEFAULTS["updates"],
        batch_size=DEFAULTS["batch_size"],
        d_learning_rate=DEFAULTS["d_learning_rate"],
        g_learning_rate=DEFAULTS["g_learning_rate"],
        generator_filters=DEFAULTS["generator_filters"],
        discriminator_filters=DEFAULTS["discriminator_filters"],
        batch_norm=DEFAULTS["batch_norm"],
        discriminator_norm=DEFAULTS["discriminator_norm"],
        upsampling=DEFAULTS["upsampling"],
        loss=DEFAULTS["loss"],
        label_smoothing=DEFAULTS["label_smoothing"],
        augmentation=DEFAULTS["augmentation"],
        generator_ema=DEFAULTS["generator_ema"],
        generator_dropout=DEFAULTS["generator_dropout"],
        pretrain=DEFAULTS["pretrain"],
        freeze_discriminator=DEFAULTS["freeze_discriminator"],
        generated_fraction=DEFAULTS["generated_fraction"],
        validation_fraction=DEFAULTS["validation_fraction"],
        latent_sampling=DEFAULTS["latent_sampling"],
        select=DEFAULTS["select"],
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
        self.updates = updates
        self.batch_size = batch_size
        self.d_learning_rate = d_learning_rate
        self.g_learning_rate = g_learning_rate
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
        self.validation_fraction = validation_fraction
        self.latent_sampling = latent_sampling
        self.select = select
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

    def _hold_back(self, images, rng):
        """Split a class's images into (training, held back for scoring)."""
        n_held = n_held_back(self.validation_fraction, len(images))
        if not n_held:
            return images, images
        order = rng.permutation(len(images))
        return images[order[n_held:]], images[order[:n_held]]

    def _epochs(self, n_images):
        return epochs_for(self.settings_["updates"], n_images, self.batch_size)

    def _fit_resample(self, X, y):
        X_dense = X.toarray() if sparse.issparse(X) else X
        fmt = _images.describe(X_dense, self.image_shape)
        self.data_format_ = fmt
        self.settings_ = resolve_settings(self, fmt)
        architecture = self.settings_["architecture"]
        self.generators_, self.history_, self.quality_ = {}, {}, {}
        self.pretrain_history_ = None
        self.anchoring_ = {} if self.latent_sampling == "smote" else None
        self.selection_ = None
        check_counts(self.sampling_strategy_, y)
        fraction = self.generated_fraction
        # (class, new samples, of which generated), for the classes that grow.
        plan = [
            (label, n_new, round(fraction * n_new))
            for label, n_new in self.sampling_strategy_.items()
            if n_new
        ]
        settings = gan_settings(self, fmt, self.settings_)
        check_before_training(self, y, plan, settings, fmt)
        # generate() rebuilds the networks of this fit, whatever set_params
        # changes afterwards.
        self._fitted_gan_settings = settings
        if not plan:
            # Nothing to add: return copies, never the caller's own arrays.
            return X.copy(), y.copy()
        train = _images.to_training(X_dense, fmt)
        images = train
        if architecture == "dense":
            train = train.reshape(len(train), -1)
        random_state = check_random_state(self.random_state)
        seeds = {
            label: int(random_state.randint(MAX_SEED))
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
        if self.pretrain and classes:
            seed = int(random_state.randint(MAX_SEED))
            pretrained = self._pretrain(settings, train, y, classes, seed)
        teacher = None
        if self.select == "teacher" and classes:
            seed = int(random_state.randint(MAX_SEED))
            teacher = Teacher(random_state=seed).fit(images, y)

        jobs = [
            (label, n_gen if teacher is None else n_candidates(n_gen))
            for label, _, n_gen in plan
            if n_gen
        ]
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
            n_copies = n_new - n_gen
            if n_gen:
                generator, history, quality, samples, anchoring = results[label]
                self.generators_[label] = generator
                self.history_[label] = history
                self.quality_[label] = {**quality, "pretrained": pretrained is not None}
                if anchoring is not None:
                    self.anchoring_[label] = anchoring
                if teacher is None:
                    new_X.append(samples)
                else:  # candidates as generated: keep the accepted, convert
                    kept, n_missing = teacher.select(label, samples, n_gen)
                    n_copies += n_missing
                    if len(kept):
                        new_X.append(_images.from_training(samples[kept], fmt))
            if n_copies:
                rows = np.flatnonzero(y == label)
                rng = np.random.default_rng((seeds[label], 1))
                new_X.append(X_dense[rng.choice(rows, n_copies)])
            new_y.append(np.full(n_new, label, dtype=y.dtype))
        if teacher is not None:
            self.selection_ = teacher.record_

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
            choose=self.validation_fraction is not None,
            sample=trainer.generate,
        )

    def _fit_class(
        self, label, n_new, images, held_back, rng, seed, settings, index, pretrained
    ):
        """Train one class's GAN and draw its new samples.

        Returns ``(generator, history, quality, samples, anchoring)``: the
        samples in the data's format, or, with ``select='teacher'``, as the
        generator made them (the teacher scores them before they are
        converted); ``anchoring``, the class's reconstruction report with
        ``latent_sampling='smote'``, else None. Runs in a worker when
        ``n_jobs`` asks for several; with several GPUs, class ``index``
        trains on GPU ``index % n_gpus``.
        """
        with device_for(index):
            generator, discriminator = settings.build_networks(seed)
            frozen = 0
            if pretrained is not None:
                generator.set_weights(pretrained[0])
                discriminator.set_weights(pretrained[1])
                frozen = self.freeze_discriminator
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
            noise, anchoring = None, None
            if self.latent_sampling == "smote":
                # The trained discriminator, whose features the report uses.
                trainer.save(None, discriminator)
                anchors = images
                if held_back is not images:
                    anchors = np.concatenate([images, held_back])
                sample = partial(trainer.generate, generator)
                noise, anchoring = class_anchored_noise(
                    generator, discriminator, anchors, n_new, rng, seed, sample
                )
            samples = self._generate(
                generator, n_new, rng, trainer, noise, raw=self.select == "teacher"
            )
            return generator, history, monitor.report(), samples, anchoring

    def _generate(self, generator, n_samples, rng, trainer, noise=None, raw=False):
        # Chunk by chunk into one preallocated array: the peak memory is the
        # output plus one chunk's working arrays, whatever n_samples is. The
        # noise is drawn from the prior unless given; ``raw`` keeps the
        # generator's own values (float32 in [-1, 1]).
        fmt = self.data_format_
        convert = (
            (lambda images: images) if raw else partial(_images.from_training, fmt=fmt)
        )
        out = None
        for start in range(0, n_samples, GENERATION_CHUNK):
            size = min(GENERATION_CHUNK, n_samples - start)
            if noise is None:
                chunk_noise = rng.standard_normal((size, trainer.settings.latent_dim))
                chunk_noise = chunk_noise.astype(np.float32)
            else:
                chunk_noise = noise[start : start + size]
            chunk = convert(trainer.generate(generator, chunk_noise))
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
        >>> sampler = DCGANOverSampler(updates=2, random_state=0)
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
        seed = check_random_state(random_state).randint(MAX_SEED)
        trainer = trainer_for(self._fitted_gan_settings)
        rng = np.random.default_rng(seed)
        return self._generate(self.generators_[label], int(n_samples), rng, trainer)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
