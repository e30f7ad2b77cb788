"""Generation anchored on real images: SMOTE in the generator's latent space.

With ``latent_sampling="prior"`` the sampler draws every new image from
``G(z)``, ``z ~ N(0, I)``: anywhere the generator puts mass, whether or not a
real image of the class lies there. With ``latent_sampling="smote"`` each new
image is anchored on two real images of the class instead, as DeepSMOTE
(Dablain et al. 2022) anchors them:

1. an encoder ``E`` maps images to the generator's latent space
   (:func:`train_encoder`), and encodes the class's real images
   (:func:`encode`);
2. for each new image, a real image ``i`` is drawn at random, then one of its
   ``k`` nearest real neighbours ``j`` (``k = min(5, n_class - 1)``), and
   their codes are interpolated as SMOTE interpolates samples,
   ``z = z_i + u (z_j - z_i)`` with ``u ~ U(0, 1)`` (:func:`anchored_noise`);
3. the new image is ``G(z)``.

The new image then lies between two real images of the class on the
generator's image manifold, where pixel SMOTE would average their pixels.

How the encoder is trained
--------------------------
After the GAN, on the generator's own samples: fresh ``z ~ N(0, I)``,
``x = G(z)`` in inference mode (the network and weights that generate), and
``E`` minimises ``||E(x) - z||^2 + w ||G(E(x)) - x||^2`` with
:meth:`keras.Model.fit`, through a frozen copy of ``G``. The code term alone
is not enough: where many codes make similar images, ``E`` learns their mean,
and ``G`` makes a blurred average of the mean, far from ``x``; the image term
asks for a code that makes ``x``. Then :func:`refine_codes` optimises each
real image's own code for a few steps (``min_z ||G(z) - x||^2 + small
||z||^2``), starting from ``E(x)``: the encoder finds the region, the
optimisation the image. Reasons for training after the GAN:

* the target is known exactly: every training pair ``(x, z)`` is a true
  pre-image, and there are as many pairs as steps allow, where the class has a
  few hundred real images;
* the GAN's training is untouched: no third network in the train step, which
  is written once per backend; this is plain ``fit`` and runs on every backend
  as it is;
* it works on whatever generator the fit ends with: the best checkpoint, the
  moving average of the weights, a fine-tuned copy of the pretrained GAN.

Its limit is the generator's coverage: ``E`` only learns images that ``G``
makes. A real image the generator cannot make is mapped to the code of a
generated image that resembles it, and anchoring on it anchors on that
resemblance. :func:`reconstruction_report` measures how close ``G(E(x))``
comes to the real images, beside the distance to the nearest of many prior
samples and to the nearest other real image, so that a fit can tell.

Neighbours are found among the codes, as DeepSMOTE finds them: the
interpolation happens in the latent space, so the segment ``z_i -> z_j`` is
shortest there, and the latent space ignores what the generator does not
model (pixel noise, small shifts) that pixel distances count.

Everything here is written with Keras and NumPy only: no backend-specific
code.
"""

import math
from numbers import Integral

import keras
import numpy as np
from keras import layers
from sklearn.neighbors import NearestNeighbors

from ._seeding import python_random_seeded
from .architectures import CHANNELS_LAST, LEAK, MIN_IMAGE_SIZE, _n_resamplings
from .labels import label_text
from .metrics._feature_sets import knn_radii, nearest
from .training._host_init import host_initialized

__all__ = [
    "LATENT_SAMPLINGS",
    "anchored_noise",
    "build_encoder",
    "check_anchoring",
    "class_anchored_noise",
    "encode",
    "hidden_features",
    "reconstruction_report",
    "refine_codes",
    "train_encoder",
]

LATENT_SAMPLINGS = ("prior", "smote")

# The encoder's training budget, a fraction of the GAN's (by default about
# 1,000 generator updates at batch 32 per class): ENCODER_STEPS updates on
# batches of ENCODER_BATCH_SIZE freshly generated images.
ENCODER_STEPS = 300
ENCODER_BATCH_SIZE = 64
ENCODER_LEARNING_RATE = 1e-3
# Weight of the image term mse(G(E(x)), x) beside the code term mse(E(x), z).
ENCODER_IMAGE_WEIGHT = 10.0
# Generating the images costs more than the encoder's update: each generated
# image serves ENCODER_REUSE updates (passes over a chunk of
# ENCODER_CHUNK_SIZE images, which bounds memory whatever the budget).
ENCODER_REUSE = 4
ENCODER_CHUNK_SIZE = 512
# Width of the encoder: filters of its first convolution (units of the
# second dense layer for rows).
ENCODER_FILTERS = 16

# Latent optimisation of the real samples' codes after encoding them.
REFINE_STEPS = 50
REFINE_LEARNING_RATE = 0.05
REFINE_PRIOR_WEIGHT = 1e-3
# The codes are optimised this many at a time, each part in one batch: every
# code's objective is its own, and the part bounds the generator's working
# memory whatever the size of the class.
REFINE_CHUNK_SIZE = 256

# SMOTE's neighbours: k = min(K_NEIGHBORS, n_class - 1).
K_NEIGHBORS = 5

# Prior samples the report compares each real image with.
REPORT_PRIOR_SAMPLES = 1000


def build_encoder(sample_shape, latent_dim, filters=ENCODER_FILTERS):
    """An encoder from samples to the generator's latent space.

    For images, a small convolutional network like the library's
    discriminator: a 3x3 convolution at full resolution, then stride-2 3x3
    convolutions down to a 4x4 to 7x7 grid (doubling the filters, up to eight
    times), LeakyReLU after each, and a linear ``Dense(latent_dim)`` output.
    For rows, two LeakyReLU dense layers (``8 * filters`` and ``4 * filters``
    units) and the same output. No normalisation and no dropout.

    Parameters
    ----------
    sample_shape : tuple of int
        ``(height, width, channels)`` for images (both sides at least 8), or
        ``(n_features,)`` for rows.
    latent_dim : int
        Size of the codes.
    filters : int, default=16
        Width of the network.

    Returns
    -------
    keras.Model
        Maps a batch of samples to codes of shape ``(n, latent_dim)``.

    Examples
    --------
    >>> from gansampler._anchoring import build_encoder
    >>> build_encoder((28, 28, 1), 100).output_shape
    (None, 100)
    >>> build_encoder((20,), 8).output_shape
    (None, 8)
    """
    sample_shape = tuple(int(s) for s in sample_shape)
    inputs = keras.Input(shape=sample_shape)
    if len(sample_shape) == 1:
        x = inputs
        for units in (8 * filters, 4 * filters):
            x = layers.Dense(units)(x)
            x = layers.LeakyReLU(LEAK)(x)
    elif len(sample_shape) == 3:
        height, width, _ = sample_shape
        if min(height, width) < MIN_IMAGE_SIZE:
            raise ValueError(
                f"The encoder needs images of at least {MIN_IMAGE_SIZE}x"
                f"{MIN_IMAGE_SIZE}; got {height}x{width}."
            )
        x = layers.Conv2D(filters, 3, padding="same", data_format=CHANNELS_LAST)(inputs)
        x = layers.LeakyReLU(LEAK)(x)
        for i in range(_n_resamplings(height, width)):
            n_filters = min(filters * 2 ** (i + 1), 8 * filters)
            x = layers.Conv2D(
                n_filters, 3, strides=2, padding="same", data_format=CHANNELS_LAST
            )(x)
            x = layers.LeakyReLU(LEAK)(x)
        x = layers.Flatten(data_format=CHANNELS_LAST)(x)
    else:
        raise ValueError(
            "build_encoder needs (height, width, channels) or (n_features,); "
            f"got {sample_shape}."
        )
    outputs = layers.Dense(latent_dim)(x)
    return keras.Model(inputs, outputs, name="encoder")


def _inference(generator):
    """``generator`` called in inference mode, as a numpy function of noise."""

    def sample(noise):
        return keras.ops.convert_to_numpy(generator(noise, training=False))

    return sample


def _shapes(generator):
    """``(latent_dim, sample_shape)`` of a generator."""
    return int(generator.input_shape[-1]), tuple(generator.output_shape[1:])


def _frozen_copy(generator):
    """A copy of ``generator`` whose weights no fit changes."""
    frozen = keras.models.clone_model(generator)
    frozen.set_weights(generator.get_weights())
    frozen.trainable = False
    return frozen


def _compile(model, learning_rate, loss_weights=None):
    """Adam and a squared error per output, weighted by ``loss_weights``."""
    # XLA's compilation costs TensorFlow more than it saves on a few hundred
    # steps of a small network; the other backends choose for themselves.
    jit_compile = False if keras.config.backend() == "tensorflow" else "auto"
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="mse" if loss_weights is None else ["mse"] * len(loss_weights),
        loss_weights=loss_weights,
        jit_compile=jit_compile,
    )


def _check_positive_ints(**values):
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")


def train_encoder(
    generator,
    seed=None,
    *,
    steps=ENCODER_STEPS,
    batch_size=ENCODER_BATCH_SIZE,
    learning_rate=ENCODER_LEARNING_RATE,
    image_weight=ENCODER_IMAGE_WEIGHT,
    reuse=ENCODER_REUSE,
    sample=None,
):
    """Train an encoder that inverts ``generator`` on its own samples.

    Draws fresh noise ``z ~ N(0, I)``, generates ``x = G(z)`` in inference
    mode, and updates the encoder ``E`` (Adam, :meth:`keras.Model.fit`) to
    minimise ``mse(E(x), z) + image_weight * mse(G(E(x)), x)``, through a
    frozen copy of the generator. The first term keeps the codes where the
    generator was trained; the second asks for codes that make the same
    image, which the first alone does not: where many codes make similar
    images, it learns their mean, and the generator makes something else of
    the mean. Pairs come in chunks of ``ENCODER_CHUNK_SIZE``, each used for
    ``reuse`` passes before the next chunk is drawn. The generator is not
    changed.

    Parameters
    ----------
    generator : keras.Model
        Maps noise of shape ``(n, latent_dim)`` to samples in ``[-1, 1]``.
    seed : int or None, default=None
        Seeds the encoder's initial weights and the noise; an int gives the
        same encoder on the CPU.
    steps : int, default=ENCODER_STEPS
        Encoder updates.
    batch_size : int, default=ENCODER_BATCH_SIZE
        Generated samples per update.
    learning_rate : float, default=ENCODER_LEARNING_RATE
        Adam's learning rate.
    image_weight : float, default=ENCODER_IMAGE_WEIGHT
        Weight of the image term; 0 trains on the codes alone.
    reuse : int, default=ENCODER_REUSE
        Passes over each chunk of generated samples; 1 generates a new batch
        for every update.
    sample : callable or None, default=None
        ``sample(noise) -> samples`` as float32 numpy; the sampler passes its
        trainer's compiled generation. None calls ``generator`` in inference
        mode.

    Returns
    -------
    keras.Model
        The encoder, mapping samples to codes of shape ``(n, latent_dim)``.
    """
    _check_positive_ints(steps=steps, batch_size=batch_size, reuse=reuse)
    latent_dim, sample_shape = _shapes(generator)
    sample = _inference(generator) if sample is None else sample

    def build():
        with python_random_seeded(seed):
            return build_encoder(sample_shape, latent_dim)

    encoder = host_initialized(build)
    inputs = keras.Input(sample_shape)
    codes = encoder(inputs)
    outputs = [codes]
    if image_weight:
        outputs.append(_frozen_copy(generator)(codes, training=False))
    model = keras.Model(inputs, outputs)
    _compile(model, learning_rate, [1.0, image_weight][: len(outputs)])
    rng = np.random.default_rng(seed)
    chunk_steps = max(1, ENCODER_CHUNK_SIZE // batch_size)
    done = 0
    while done < steps:
        n_steps = min(chunk_steps, math.ceil((steps - done) / reuse))
        epochs = min(reuse, math.ceil((steps - done) / n_steps))
        noise = rng.standard_normal((n_steps * batch_size, latent_dim))
        noise = noise.astype(np.float32)
        samples = np.asarray(sample(noise), np.float32)
        targets = (noise, samples)[: len(outputs)]
        model.fit(
            samples,
            targets,
            batch_size=batch_size,
            epochs=epochs,
            shuffle=False,
            verbose=0,
        )
        done += n_steps * epochs
    return encoder


def refine_codes(
    generator,
    samples,
    codes,
    *,
    steps=REFINE_STEPS,
    learning_rate=REFINE_LEARNING_RATE,
    prior_weight=REFINE_PRIOR_WEIGHT,
):
    """Codes that make ``samples`` more closely: a few steps of latent optimisation.

    Starting from ``codes`` (the encoder's), minimises ``mse(G(z), x) +
    prior_weight * ||z||^2`` over each sample's own code ``z`` (Adam,
    :meth:`keras.Model.fit` on a frozen copy of the generator with the codes
    as an embedding); the penalty keeps the codes near the prior. The codes
    are optimised :data:`REFINE_CHUNK_SIZE` at a time, each part in one
    batch, so that memory stays bounded for a large class.

    Parameters
    ----------
    generator : keras.Model
        The generator that generates.
    samples : ndarray
        Real samples in ``[-1, 1]``.
    codes : ndarray of shape (n, latent_dim)
        Their codes (:func:`encode`).
    steps : int, default=REFINE_STEPS
        Updates of every code.
    learning_rate : float, default=REFINE_LEARNING_RATE
        Adam's learning rate.
    prior_weight : float, default=REFINE_PRIOR_WEIGHT
        Weight of the penalty on the codes' squared norm.

    Returns
    -------
    ndarray of shape (n, latent_dim)
        float32 codes.
    """
    _check_positive_ints(steps=steps)
    samples = np.asarray(samples, np.float32)
    codes = np.asarray(codes, np.float32)
    frozen = _frozen_copy(generator)
    refined = []
    for start in range(0, len(codes), REFINE_CHUNK_SIZE):
        part = slice(start, start + REFINE_CHUNK_SIZE)
        n, latent_dim = codes[part].shape
        index = keras.Input((), dtype="int32")
        embedding = layers.Embedding(
            n,
            latent_dim,
            embeddings_initializer=keras.initializers.Constant(codes[part]),
            activity_regularizer=keras.regularizers.L2(prior_weight),
        )
        model = keras.Model(index, frozen(embedding(index), training=False))
        _compile(model, learning_rate)
        model.fit(
            np.arange(n, dtype=np.int32),
            samples[part],
            batch_size=n,
            epochs=steps,
            shuffle=False,
            verbose=0,
        )
        refined.append(keras.ops.convert_to_numpy(embedding.embeddings))
    return np.concatenate(refined).astype(np.float32)


def encode(encoder, samples, batch_size=256):
    """The codes of ``samples``, as float32 numpy of shape ``(n, latent_dim)``.

    Parameters
    ----------
    encoder : keras.Model
        From :func:`train_encoder`.
    samples : ndarray
        Samples in the generator's format and range ``[-1, 1]``.
    batch_size : int, default=256
        Samples encoded at once.

    Returns
    -------
    ndarray of shape (n, latent_dim)
    """
    samples = np.asarray(samples, np.float32)
    if not len(samples):
        return np.zeros((0, encoder.output_shape[-1]), np.float32)
    codes = [
        keras.ops.convert_to_numpy(
            encoder(samples[start : start + batch_size], training=False)
        )
        for start in range(0, len(samples), batch_size)
    ]
    return np.concatenate(codes).astype(np.float32, copy=False)


def _n_neighbors(n_anchors, k_neighbors):
    return min(k_neighbors, n_anchors - 1)


def anchored_noise(codes, n_samples, rng, k_neighbors=K_NEIGHBORS):
    """Noise interpolated between the codes of neighbouring real samples.

    For each row: a code ``z_i`` is drawn at random, then one of its ``k =
    min(k_neighbors, n - 1)`` nearest codes ``z_j`` (Euclidean distance, the
    code itself excluded), and ``z = z_i + u (z_j - z_i)`` with ``u ~ U(0,
    1)``, as SMOTE interpolates samples.

    Parameters
    ----------
    codes : array-like of shape (n, latent_dim)
        Codes of the real samples of one class (:func:`encode`), ``n >= 2``.
    n_samples : int
        Rows to draw.
    rng : numpy.random.Generator
        Draws the anchors, the neighbours and the interpolation weights.
    k_neighbors : int, default=K_NEIGHBORS
        Neighbours each code may be paired with.

    Returns
    -------
    ndarray of shape (n_samples, latent_dim)
        float32 noise to give the generator.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._anchoring import anchored_noise
    >>> codes = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> z = anchored_noise(codes, 4, np.random.default_rng(0))
    >>> z.shape, bool((z[:, 1] == 0).all()), bool(((0 <= z) & (z <= 1)).all())
    ((4, 2), True, True)
    """
    codes = np.asarray(codes, np.float64)
    if codes.ndim != 2 or len(codes) < 2:
        raise ValueError(
            "Anchored sampling interpolates between two real samples and needs "
            f"codes of at least 2 samples, as (n, latent_dim); got {codes.shape}."
        )
    _check_k(k_neighbors)
    k = _n_neighbors(len(codes), k_neighbors)
    # Without X, kneighbors leaves each point out of its own neighbours.
    neighbors = NearestNeighbors(n_neighbors=k).fit(codes).kneighbors()[1]
    anchor = rng.integers(len(codes), size=n_samples)
    partner = neighbors[anchor, rng.integers(k, size=n_samples)]
    step = rng.random((n_samples, 1))
    noise = codes[anchor] + step * (codes[partner] - codes[anchor])
    return noise.astype(np.float32)


def reconstruction_report(
    generator,
    codes,
    samples,
    rng,
    *,
    n_prior=REPORT_PRIOR_SAMPLES,
    sample=None,
    features=None,
):
    """How close the generator comes to the real samples it is anchored on.

    Parameters
    ----------
    generator : keras.Model
        The generator that generates.
    codes : ndarray of shape (n, latent_dim)
        The codes of ``samples`` (:func:`encode`).
    samples : ndarray
        The real samples of the class, in ``[-1, 1]``.
    rng : numpy.random.Generator
        Draws the prior samples.
    n_prior : int, default=REPORT_PRIOR_SAMPLES
        Prior samples ``G(z)``, ``z ~ N(0, I)``, each real sample is compared
        with.
    sample : callable or None, default=None
        ``sample(noise) -> samples``; None calls ``generator`` in inference
        mode.
    features : callable or None, default=None
        ``features(samples) -> (n, n_features)``, a feature map (the sampler
        passes its discriminator's last hidden layer). When given, the four
        distances below are computed in its features too, under the same
        names with ``feature_`` in front.

    Returns
    -------
    dict
        All distances are mean squared pixel differences on the ``[-1, 1]``
        scale (or feature differences, on the features' scale), averaged over
        the real samples:

        ``reconstruction_mse``
            between each real sample ``x`` and its reconstruction
            ``G(E(x))``;
        ``prior_nearest_mse``
            between each real sample and the nearest of ``n_prior`` prior
            samples: how close the generator comes by chance;
        ``real_nearest_mse``
            between each real sample and the nearest other real sample of the
            class (NaN for a single sample): the scale of the class;
        ``reconstruction_ratio``
            ``reconstruction_mse / real_nearest_mse``. Below 1, reconstructions
            are closer to their real sample than its nearest real neighbour
            is, and anchored samples stay near the pair they are drawn
            between. Well above 1, the generator does not make the class's
            images (or the encoder does not find them) and anchoring anchors
            on resemblances;
        ``n_samples``, ``n_prior``
            the counts compared.
    """
    latent_dim, _ = _shapes(generator)
    sample = _inference(generator) if sample is None else sample
    samples = np.asarray(samples, np.float32)
    reconstructions = np.asarray(sample(np.asarray(codes, np.float32)), np.float32)
    prior = sample(rng.standard_normal((n_prior, latent_dim)).astype(np.float32))
    prior = np.asarray(prior, np.float32)
    report = _distances(samples, reconstructions, prior)
    if features is not None:
        mapped = (features(images) for images in (samples, reconstructions, prior))
        report.update(
            {f"feature_{name}": value for name, value in _distances(*mapped).items()}
        )
    return {**report, "n_samples": len(samples), "n_prior": int(n_prior)}


def class_anchored_noise(
    generator, discriminator, anchors, n_samples, rng, seed, sample
):
    """Noise for ``n_samples`` images anchored on ``anchors``, and its report.

    The steps of the module's docstring for one class: an encoder trained on
    the generator's samples (``sample(noise)`` makes them), each real image's
    code refined, then codes interpolated between neighbours. ``anchors`` are
    the class's real images in the generator's range; ``discriminator``, the
    class's trained network, gives the features in which
    :func:`reconstruction_report` also measures. Returns ``(noise, report)``.
    """
    encoder = train_encoder(generator, seed, sample=sample)
    codes = refine_codes(generator, anchors, encode(encoder, anchors))
    report = reconstruction_report(
        generator,
        codes,
        anchors,
        np.random.default_rng((seed, 2)),
        sample=sample,
        features=hidden_features(discriminator),
    )
    return anchored_noise(codes, n_samples, rng), report


def hidden_features(discriminator, chunk=256):
    """The input of ``discriminator``'s last layer, as a numpy function of samples.

    The discriminator's last hidden layer: features learned from the class's
    real samples and the generator's, for :func:`reconstruction_report`.
    Runs in inference mode, ``chunk`` samples at a time.
    """
    hidden = keras.Model(discriminator.input, discriminator.layers[-1].input)

    def features(samples):
        return np.concatenate(
            [
                keras.ops.convert_to_numpy(
                    hidden(samples[start : start + chunk], training=False)
                )
                for start in range(0, len(samples), chunk)
            ]
        )

    return features


def _flat(values):
    values = np.asarray(values, np.float64)
    return values.reshape(len(values), -1)


def _distances(samples, reconstructions, prior):
    """The report's four distances between rows (mean squared differences)."""
    real, reconstructions, prior = map(_flat, (samples, reconstructions, prior))
    mse = float(((reconstructions - real) ** 2).mean())
    # Squared Euclidean distances over the values per row: mean squared
    # differences to the nearest prior sample, and to the nearest other real one.
    prior_nearest = nearest(real, prior)[0] ** 2 / real.shape[1]
    if len(real) > 1:
        real_nearest = float((knn_radii(real, 1) ** 2 / real.shape[1]).mean())
    else:
        real_nearest = math.nan
    return {
        "reconstruction_mse": mse,
        "prior_nearest_mse": float(prior_nearest.mean()),
        "real_nearest_mse": real_nearest,
        "reconstruction_ratio": mse / real_nearest if real_nearest else math.nan,
    }


def _check_k(k_neighbors):
    if (
        isinstance(k_neighbors, bool)
        or not isinstance(k_neighbors, Integral)
        or k_neighbors < 1
    ):
        raise ValueError(f"k_neighbors must be a positive int; got {k_neighbors!r}.")


def check_anchoring(latent_sampling, y, labels, k_neighbors=K_NEIGHBORS):
    """Refuse, before any training, what anchored sampling cannot do.

    Parameters
    ----------
    latent_sampling : {"prior", "smote"}
        Where the generator's noise comes from.
    y : ndarray
        The targets of the fit.
    labels : iterable
        The classes that get generated samples.
    k_neighbors : int, default=K_NEIGHBORS
        Neighbours a real sample may be paired with.

    Raises
    ------
    ValueError
        For an unknown ``latent_sampling``, a ``k_neighbors`` that is not a
        positive int, or, with ``"smote"``, a class to generate with fewer
        than 2 samples: there is no pair to interpolate between.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler._anchoring import check_anchoring
    >>> check_anchoring("smote", np.array([0, 0, 1, 1]), [1])
    >>> check_anchoring("smote", np.array([0, 0, 1]), [1])
    Traceback (most recent call last):
    ...
    ValueError: latent_sampling='smote' interpolates between the codes of two real samples of a class, and class 1 has 1 sample. Pass latent_sampling='prior', or leave the class out of sampling_strategy.
    """  # noqa: E501
    if latent_sampling not in LATENT_SAMPLINGS:
        raise ValueError(
            f"latent_sampling must be one of {LATENT_SAMPLINGS}; got "
            f"{latent_sampling!r}."
        )
    _check_k(k_neighbors)
    if latent_sampling != "smote":
        return
    y = np.asarray(y)
    for label in labels:
        n_class = int(np.count_nonzero(y == label))
        if n_class < 2:
            raise ValueError(
                "latent_sampling='smote' interpolates between the codes of two "
                f"real samples of a class, and class {label_text(label)} has "
                f"{n_class} sample{'' if n_class == 1 else 's'}. Pass "
                "latent_sampling='prior', or leave the class out of "
                "sampling_strategy."
            )
