"""Generator and discriminator networks.

Three families, all following the article's recipe (strided convolutions and no
pooling, no hidden dense layer in the discriminator, LeakyReLU in the
discriminator, transposed-convolution upsampling and a tanh output in the
generator, a sigmoid output in the discriminator):

* ``"seed"``: the article's exact networks for 128x128x3 images (generator
  7,671,555 parameters, discriminator 5,985).
* ``"conv"``: the same recipe sized for any image from 8x8 up, any channel
  count, non-powers of two included.
* ``"dense"``: small fully-connected networks for plain tabular rows.

Beyond the article, for small data sets: the ``"conv"`` generator can upsample
by resizing and convolving (``upsampling="resize"``), which makes none of the
checkerboard patterns of transposed convolutions, and the discriminators can
use spectral normalisation instead of batch normalisation
(``normalization="spectral"``) or none. Discriminators end in a sigmoid
probability, as in the article, or in a raw score (``output_activation=None``),
which the trainers use.

Every builder takes ``dtype``, a Keras dtype policy name such as ``"float32"``
or ``"mixed_bfloat16"``, set per layer. The discriminator's output layer and
the generator's final tanh compute in float32; the generator's last
convolution runs in the given precision (measured on an H100, computing that
128-to-3-channel convolution in float32 took 58 % of the bf16 generator's time,
docs/benchmarks.md).
"""

import math

import keras
from keras import layers

from .recipes import AUTO_UPSAMPLING, CONV_WIDTHS, DEFAULTS

__all__ = [
    "build_generator",
    "build_discriminator",
    "build_seed_generator",
    "build_seed_discriminator",
    "build_dense_generator",
    "build_dense_discriminator",
    "build_gan",
    "network_settings",
    "MIN_IMAGE_SIZE",
]

MIN_IMAGE_SIZE = 8
ARCHITECTURES = ("conv", "seed", "dense")
UPSAMPLINGS = ("transposed", "resize")
NORMALIZATIONS = ("batch", "spectral", "none")
LEAK = 0.2
# Every spatial layer names its data format: a global
# keras.config.set_image_data_format("channels_first") must not change them.
CHANNELS_LAST = "channels_last"
DISCRIMINATOR_DROPOUT = 0.4


def build_seed_discriminator(
    image_shape=(128, 128, 3), dtype="float32", output_activation="sigmoid"
):
    """The article's discriminator: four 3x3 convolutions, three of them strided.

    Parameters
    ----------
    image_shape : tuple of int, default=(128, 128, 3)
        The article uses 128x128x3.
    dtype : str, default="float32"
        Keras dtype policy of the hidden layers.
    output_activation : str or None, default="sigmoid"
        Activation of the output unit; None gives the raw score.

    Returns
    -------
    keras.Model
        Maps images in ``[-1, 1]`` to the probability that they are real.

    Examples
    --------
    >>> from gansampler.architectures import build_seed_discriminator
    >>> build_seed_discriminator().count_params()
    5985
    """
    inputs = keras.Input(shape=image_shape)
    x = layers.Conv2D(16, 3, padding="same", dtype=dtype, data_format=CHANNELS_LAST)(
        inputs
    )
    x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
    for filters in (8, 16, 8):
        x = layers.Conv2D(
            filters,
            3,
            strides=2,
            padding="same",
            dtype=dtype,
            data_format=CHANNELS_LAST,
        )(x)
        x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
    x = layers.Flatten(dtype=dtype, data_format=CHANNELS_LAST)(x)
    x = layers.Dropout(DISCRIMINATOR_DROPOUT, dtype=dtype)(x)
    outputs = layers.Dense(1, activation=output_activation, dtype="float32")(x)
    return keras.Model(inputs, outputs, name="seed_discriminator")


def build_seed_generator(
    latent_dim=100, channels=3, dropout=0.0, dtype="float32", output_dtype=None
):
    """The article's generator: a 16x16x256 seed upsampled three times to 128x128.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the noise vector.
    channels : int, default=3
        Channels of the output image.
    dropout : float, default=0.0
        Dropout after each upsampling block (the article's tip 7 suggests 0.5;
        its printed network has none). Dropout has no parameters.
    dtype : str, default="float32"
        Keras dtype policy of the hidden layers.
    output_dtype : str, default=None
        Policy of the last convolution; None: ``dtype``.

    Returns
    -------
    keras.Model
        Maps noise vectors to 128x128 images in ``[-1, 1]``.

    Examples
    --------
    >>> from gansampler.architectures import build_seed_generator
    >>> build_seed_generator().count_params()
    7671555
    """
    inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(16 * 16 * 256, dtype=dtype)(inputs)
    x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
    x = layers.Reshape((16, 16, 256), dtype=dtype)(x)
    for _ in range(3):
        x = layers.Conv2DTranspose(
            128, 4, strides=2, padding="same", dtype=dtype, data_format=CHANNELS_LAST
        )(x)
        x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
        if dropout:
            x = layers.Dropout(dropout, dtype=dtype)(x)
    outputs = _image_output(x, channels, output_dtype or dtype)
    return keras.Model(inputs, outputs, name="seed_generator")


def _image_output(x, channels, dtype):
    """A generator's last layers: a 3x3 convolution to ``channels``, then tanh
    (in float32) to images in ``[-1, 1]``."""
    x = layers.Conv2D(
        channels, 3, padding="same", dtype=dtype, data_format=CHANNELS_LAST
    )(x)
    return layers.Activation("tanh", dtype="float32")(x)


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}."
        )


def _n_resamplings(height, width):
    """How many stride-2 steps take an image to a 4x4 to 7x7 grid."""
    smallest = min(height, width)
    if smallest < MIN_IMAGE_SIZE:
        raise ValueError(
            f"Images of {height}x{width} are too small for the convolutional "
            f"networks: both sides must be at least {MIN_IMAGE_SIZE} pixels. "
            "Use architecture='dense' for smaller images."
        )
    return int(math.floor(math.log2(smallest / 4)))


def build_generator(
    image_shape,
    latent_dim=100,
    filters=32,
    batch_norm=True,
    dropout=0.0,
    dtype="float32",
    output_dtype=None,
    upsampling="transposed",
):
    """A DC-GAN generator for images of any size from 8x8.

    A dense layer makes a small grid (4 to 7 cells a side), upsampling blocks
    double it until it covers the image, halving the filters each time, and a
    3x3 convolution with tanh makes the channels. When the image size is not
    the grid size times a power of two, the surplus border is cropped. Each
    block is a stride-2 4x4 transposed convolution (the article's), or a
    nearest-neighbour resize followed by a 3x3 convolution, whose output has
    no checkerboard pattern (Odena et al., "Deconvolution and Checkerboard
    Artifacts", Distill 2016).

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width, channels)``.
    latent_dim : int, default=100
        Size of the noise vector.
    filters : int, default=32
        Filters of the last upsampling block; earlier blocks double it, up to
        eight times.
    batch_norm : bool, default=True
        Batch normalisation after the dense layer and each upsampling block
        (never at the output, tip 3).
    dropout : float, default=0.0
        Dropout after each upsampling block (tip 7).
    dtype : str, default="float32"
        Keras dtype policy of the hidden layers.
    output_dtype : str, default=None
        Policy of the last convolution; None: ``dtype``.
    upsampling : {"transposed", "resize"}, default="transposed"
        How each block doubles the grid.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> from gansampler.architectures import build_generator
    >>> build_generator((28, 28, 1)).output_shape
    (None, 28, 28, 1)
    >>> build_generator((28, 28, 1), upsampling="resize").output_shape
    (None, 28, 28, 1)
    """
    _check_choice("upsampling", upsampling, UPSAMPLINGS)
    height, width, channels = image_shape
    steps = _n_resamplings(height, width)
    grid_h, grid_w = math.ceil(height / 2**steps), math.ceil(width / 2**steps)
    block_filters = [
        min(filters * 2 ** (steps - 1 - i), 8 * filters) for i in range(steps)
    ]

    inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(grid_h * grid_w * 2 * block_filters[0], dtype=dtype)(inputs)
    if batch_norm:
        x = layers.BatchNormalization(dtype=dtype)(x)
    x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
    x = layers.Reshape((grid_h, grid_w, 2 * block_filters[0]), dtype=dtype)(x)
    for n_filters in block_filters:
        if upsampling == "resize":
            x = layers.UpSampling2D(2, dtype=dtype, data_format=CHANNELS_LAST)(x)
            x = layers.Conv2D(
                n_filters, 3, padding="same", dtype=dtype, data_format=CHANNELS_LAST
            )(x)
        else:
            x = layers.Conv2DTranspose(
                n_filters,
                4,
                strides=2,
                padding="same",
                dtype=dtype,
                data_format=CHANNELS_LAST,
            )(x)
        if batch_norm:
            x = layers.BatchNormalization(dtype=dtype)(x)
        x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
        if dropout:
            x = layers.Dropout(dropout, dtype=dtype)(x)
    x = _image_output(x, channels, output_dtype or dtype)
    extra_h, extra_w = grid_h * 2**steps - height, grid_w * 2**steps - width
    if extra_h or extra_w:
        crop = (
            (extra_h // 2, extra_h - extra_h // 2),
            (extra_w // 2, extra_w - extra_w // 2),
        )
        x = layers.Cropping2D(crop, dtype="float32", data_format=CHANNELS_LAST)(x)
    return keras.Model(inputs, x, name="generator")


def build_discriminator(
    image_shape,
    filters=16,
    batch_norm=True,
    dtype="float32",
    normalization=None,
    output_activation="sigmoid",
):
    """A DC-GAN discriminator for images of any size from 8x8.

    A 3x3 convolution at full resolution, then stride-2 3x3 convolutions that
    halve the image down to a 4x4 to 7x7 grid, doubling the filters each time
    (up to eight times); the last grid is flattened straight into the output
    unit (tip 2). With spectral normalisation (Miyato et al. 2018) every
    convolution and the output layer are wrapped in
    :class:`keras.layers.SpectralNormalization`.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width, channels)``.
    filters : int, default=16
        Filters of the first convolution.
    batch_norm : bool, default=True
        Batch normalisation after each strided convolution (not at the input,
        tip 3); used when ``normalization`` is None.
    dtype : str, default="float32"
        Keras dtype policy of the hidden layers.
    normalization : {"batch", "spectral", "none"} or None, default=None
        Normalisation of the layers; None: ``"batch"`` if ``batch_norm``,
        else ``"none"``.
    output_activation : str or None, default="sigmoid"
        Activation of the output unit; None gives the raw score.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> from gansampler.architectures import build_discriminator
    >>> build_discriminator((300, 300, 1)).output_shape
    (None, 1)
    >>> build_discriminator((16, 16, 1), normalization="spectral").output_shape
    (None, 1)
    """
    if normalization is None:
        normalization = "batch" if batch_norm else "none"
    _check_choice("normalization", normalization, NORMALIZATIONS)
    height, width, _ = image_shape
    steps = _n_resamplings(height, width)

    def weighted(layer):
        if normalization == "spectral":
            return layers.SpectralNormalization(layer, dtype=layer.dtype_policy)
        return layer

    inputs = keras.Input(shape=image_shape)
    x = weighted(
        layers.Conv2D(
            filters, 3, padding="same", dtype=dtype, data_format=CHANNELS_LAST
        )
    )(inputs)
    x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
    for i in range(steps):
        n_filters = min(filters * 2 ** (i + 1), 8 * filters)
        conv = layers.Conv2D(
            n_filters,
            3,
            strides=2,
            padding="same",
            dtype=dtype,
            data_format=CHANNELS_LAST,
        )
        x = weighted(conv)(x)
        if normalization == "batch":
            x = layers.BatchNormalization(dtype=dtype)(x)
        x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
    x = layers.Flatten(dtype=dtype, data_format=CHANNELS_LAST)(x)
    x = layers.Dropout(DISCRIMINATOR_DROPOUT, dtype=dtype)(x)
    output = layers.Dense(1, activation=output_activation, dtype="float32")
    outputs = weighted(output)(x)
    return keras.Model(inputs, outputs, name="discriminator")


def build_dense_generator(
    n_features, latent_dim=100, units=64, batch_norm=True, dropout=0.0, dtype="float32"
):
    """A fully-connected generator for plain rows of ``n_features`` values.

    Two hidden ``Dense`` layers (``units`` and ``2 * units``) with batch
    normalisation and LeakyReLU, and a tanh output.

    Parameters
    ----------
    n_features : int
        Values per generated row.
    latent_dim : int, default=100
        Size of the noise vector.
    units : int, default=64
        Units of the first hidden layer; the second has twice as many.
    batch_norm : bool, default=True
        Batch normalisation after each hidden layer.
    dropout : float, default=0.0
        Dropout after each hidden layer.
    dtype : str, default="float32"
        Keras dtype policy of the hidden layers.

    Returns
    -------
    keras.Model
        Maps noise of shape ``(n, latent_dim)`` to rows in ``[-1, 1]``.

    Examples
    --------
    >>> from gansampler.architectures import build_dense_generator
    >>> build_dense_generator(20).output_shape
    (None, 20)
    """
    inputs = keras.Input(shape=(latent_dim,))
    x = inputs
    for n_units in (units, 2 * units):
        x = layers.Dense(n_units, dtype=dtype)(x)
        if batch_norm:
            x = layers.BatchNormalization(dtype=dtype)(x)
        x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
        if dropout:
            x = layers.Dropout(dropout, dtype=dtype)(x)
    outputs = layers.Dense(n_features, activation="tanh", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="dense_generator")


def build_dense_discriminator(
    n_features, units=64, dtype="float32", output_activation="sigmoid"
):
    """A fully-connected discriminator for plain rows of ``n_features`` values.

    Two hidden ``Dense`` layers (``2 * units`` and ``units``) with LeakyReLU,
    dropout, and a sigmoid output.

    Parameters
    ----------
    n_features : int
        Values per row.
    units : int, default=64
        Units of the second hidden layer; the first has twice as many.
    dtype : str, default="float32"
        Keras dtype policy of the hidden layers.
    output_activation : str or None, default="sigmoid"
        Activation of the output unit; None gives the raw score.

    Returns
    -------
    keras.Model
        Maps rows in ``[-1, 1]`` to the probability that they are real.

    Examples
    --------
    >>> from gansampler.architectures import build_dense_discriminator
    >>> build_dense_discriminator(20).output_shape
    (None, 1)
    """
    inputs = keras.Input(shape=(n_features,))
    x = layers.Dense(2 * units, dtype=dtype)(inputs)
    x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
    x = layers.Dense(units, dtype=dtype)(x)
    x = layers.LeakyReLU(LEAK, dtype=dtype)(x)
    x = layers.Dropout(DISCRIMINATOR_DROPOUT, dtype=dtype)(x)
    outputs = layers.Dense(1, activation=output_activation, dtype="float32")(x)
    return keras.Model(inputs, outputs, name="dense_discriminator")


def network_settings(
    architecture,
    *,
    generator_filters=DEFAULTS["generator_filters"],
    discriminator_filters=DEFAULTS["discriminator_filters"],
    batch_norm=DEFAULTS["batch_norm"],
    discriminator_norm=DEFAULTS["discriminator_norm"],
    upsampling=DEFAULTS["upsampling"],
):
    """The settings of a network family with each ``'auto'`` resolved.

    ``'auto'`` gives each family its own choice: for ``"conv"``, the widths of
    :data:`gansampler.recipes.CONV_WIDTHS`, batch normalisation, a
    discriminator normalised as ``batch_norm`` says and
    :data:`gansampler.recipes.AUTO_UPSAMPLING`; for ``"seed"``, the article's
    printed networks (fixed widths, no normalisation, transposed
    convolutions); for ``"dense"``, the conv widths as units, batch
    normalisation in the generator, no normalisation in the discriminator and
    no upsampling. A value the family cannot honour is refused.

    Parameters
    ----------
    architecture : {"conv", "seed", "dense"}
        Network family; see the module docstring.
    generator_filters, discriminator_filters : int or "auto"
        Widths of the networks.
    batch_norm : bool or "auto"
        Batch normalisation in the generator (and, through
        ``discriminator_norm='auto'``, in the ``"conv"`` discriminator).
    discriminator_norm : {"batch", "spectral", "none", "auto"}
        Normalisation of the discriminator.
    upsampling : {"transposed", "resize", "auto"}
        Upsampling of the generator.

    Returns
    -------
    dict
        The five settings, resolved; None where the family fixes a width
        (``"seed"``) or has no upsampling (``"dense"``).

    Raises
    ------
    ValueError
        Naming ``architecture`` and the setting, for a value the family
        cannot honour.

    Examples
    --------
    >>> from gansampler.architectures import network_settings
    >>> network_settings("conv")["upsampling"]
    'resize'
    >>> network_settings("seed")["batch_norm"]
    False
    """
    _check_choice("architecture", architecture, ARCHITECTURES)
    _check_choice("upsampling", upsampling, (*UPSAMPLINGS, "auto"))
    _check_choice("discriminator_norm", discriminator_norm, (*NORMALIZATIONS, "auto"))
    _check_choice("batch_norm", batch_norm, (True, False, "auto"))
    given = {
        "generator_filters": generator_filters,
        "discriminator_filters": discriminator_filters,
        "batch_norm": batch_norm,
        "discriminator_norm": discriminator_norm,
        "upsampling": upsampling,
    }
    if architecture == "conv":
        bn = True if batch_norm == "auto" else bool(batch_norm)
        fixed = {
            **CONV_WIDTHS,
            "batch_norm": bn,
            "discriminator_norm": "batch" if bn else "none",
            "upsampling": AUTO_UPSAMPLING,
        }
        allowed = {}  # any value is honoured
    elif architecture == "seed":
        fixed = {
            "generator_filters": None,
            "discriminator_filters": None,
            "batch_norm": False,
            "discriminator_norm": "none",
            "upsampling": "transposed",
        }
        allowed = {
            "generator_filters": (),
            "discriminator_filters": (),
            "batch_norm": (False,),
            "discriminator_norm": ("none",),
            "upsampling": ("transposed",),
        }
        why = (
            "reproduces the article's printed networks (fixed widths, no "
            "normalisation, transposed convolutions)"
        )
    else:
        bn = True if batch_norm == "auto" else bool(batch_norm)
        fixed = {
            **CONV_WIDTHS,
            "batch_norm": bn,
            "discriminator_norm": "none",
            "upsampling": None,
        }
        allowed = {"discriminator_norm": ("none",), "upsampling": ()}
        why = (
            "builds fully-connected networks (no normalisation in the "
            "discriminator, no upsampling)"
        )
    resolved = {}
    for name, value in given.items():
        if isinstance(value, str) and value == "auto":
            resolved[name] = fixed[name]
        elif name in allowed and value not in allowed[name]:
            raise ValueError(
                f"architecture={architecture!r} {why}; it cannot honour "
                f"{name}={value!r}. Leave {name}='auto', or use "
                "architecture='conv'."
            )
        else:
            resolved[name] = value
    return resolved


def build_gan(
    architecture,
    sample_shape,
    latent_dim=DEFAULTS["latent_dim"],
    generator_filters=DEFAULTS["generator_filters"],
    discriminator_filters=DEFAULTS["discriminator_filters"],
    batch_norm=DEFAULTS["batch_norm"],
    generator_dropout=DEFAULTS["generator_dropout"],
    dtype="float32",
    output_dtype=None,
    upsampling=DEFAULTS["upsampling"],
    discriminator_norm=DEFAULTS["discriminator_norm"],
    output_activation="sigmoid",
):
    """Build a ``(generator, discriminator)`` pair.

    The defaults are those of :data:`gansampler.recipes.DEFAULTS`.

    Parameters
    ----------
    architecture : {"conv", "seed", "dense"}
        Network family; see the module docstring.
    sample_shape : tuple of int
        ``(height, width, channels)`` for images, ``(n_features,)`` for rows.
    latent_dim : int, default=100
        Size of the noise vector.
    generator_filters, discriminator_filters : int or "auto", default="auto"
        Width of the ``"conv"`` networks (``"dense"``: units of the
        generator's first layer and the discriminator's second); ``"auto"``:
        :data:`gansampler.recipes.CONV_WIDTHS` (``"seed"`` has fixed widths).
    batch_norm : bool or "auto", default="auto"
        Batch normalisation in the generator, and in the ``"conv"``
        discriminator unless ``discriminator_norm`` says otherwise;
        ``"auto"``: on for ``"conv"`` and ``"dense"``, off for ``"seed"``,
        whose printed networks have none.
    generator_dropout : float, default=0.0
        Dropout in the generator.
    dtype : str, default="float32"
        Keras dtype policy of the hidden layers.
    output_dtype : str, default=None
        Policy of the generator's last convolution; None: ``dtype``.
    upsampling : {"transposed", "resize", "auto"}, default="auto"
        Upsampling of the ``"conv"`` generator; ``"auto"``: ``"resize"``
        (``"seed"`` has transposed convolutions, ``"dense"`` none).
    discriminator_norm : {"batch", "spectral", "none", "auto"}, default="auto"
        Normalisation of the ``"conv"`` discriminator; ``"auto"``: batch
        normalisation as ``batch_norm`` says (``"seed"`` and ``"dense"``:
        none).
    output_activation : str or None, default="sigmoid"
        The discriminator's output activation; None gives a raw score.

    Returns
    -------
    generator, discriminator : keras.Model

    Raises
    ------
    ValueError
        For an unknown ``architecture``, non-image samples for ``"conv"`` or
        ``"seed"``, ``"seed"`` with another size than 128x128, and settings
        the family cannot honour (:func:`network_settings`).

    Examples
    --------
    >>> from gansampler.architectures import build_gan
    >>> g, d = build_gan("conv", (8, 8, 1))
    >>> g.output_shape, d.output_shape
    ((None, 8, 8, 1), (None, 1))
    """
    resolved = network_settings(
        architecture,
        generator_filters=generator_filters,
        discriminator_filters=discriminator_filters,
        batch_norm=batch_norm,
        discriminator_norm=discriminator_norm,
        upsampling=upsampling,
    )
    generator_filters = resolved["generator_filters"]
    discriminator_filters = resolved["discriminator_filters"]
    batch_norm = resolved["batch_norm"]
    discriminator_norm = resolved["discriminator_norm"]
    upsampling = resolved["upsampling"]
    if architecture == "dense":
        n_features = math.prod(sample_shape)
        return (
            build_dense_generator(
                n_features,
                latent_dim,
                generator_filters,
                batch_norm,
                generator_dropout,
                dtype,
            ),
            build_dense_discriminator(
                n_features, discriminator_filters, dtype, output_activation
            ),
        )
    if len(sample_shape) != 3:
        raise ValueError(
            f"architecture={architecture!r} needs images; got samples of shape "
            f"{tuple(sample_shape)}. Pass image_shape for flattened images, or use "
            "architecture='dense' for tabular data."
        )
    if architecture == "seed":
        if tuple(sample_shape[:2]) != (128, 128):
            raise ValueError(
                "architecture='seed' is the article's network for 128x128 images; "
                f"got {sample_shape[0]}x{sample_shape[1]}. Use "
                "architecture='conv' for other sizes."
            )
        return (
            build_seed_generator(
                latent_dim, sample_shape[2], generator_dropout, dtype, output_dtype
            ),
            build_seed_discriminator(tuple(sample_shape), dtype, output_activation),
        )
    return (
        build_generator(
            sample_shape,
            latent_dim,
            generator_filters,
            batch_norm,
            generator_dropout,
            dtype,
            output_dtype,
            upsampling,
        ),
        build_discriminator(
            sample_shape,
            discriminator_filters,
            batch_norm,
            dtype,
            normalization=discriminator_norm,
            output_activation=output_activation,
        ),
    )
