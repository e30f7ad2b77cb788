"""Figures for the operator: training curves and grids of generated images.

:func:`image_grid` tiles images into one array and :func:`save_image_grid`
writes it as a PNG, without matplotlib; the ``plot_`` functions draw
matplotlib figures. Nothing here imports Keras. matplotlib (a dependency of
gansampler) and Pillow are imported only when a function here is called, so
that importing the package stays quick. Figures are made with
:class:`matplotlib.figure.Figure` rather than ``pyplot``, so nothing is shown,
no global figure list grows, and any backend (Agg on a server) works. Files
are written atomically: a temporary file in the same folder, then renamed.
"""

from numbers import Integral
from pathlib import Path

import numpy as np

from ._files import write_atomically
from ._history import HISTORY_KEYS

__all__ = [
    "image_grid",
    "plot_history",
    "plot_image_grid",
    "save_figure",
    "save_image_grid",
]

# history_ keys of one class, their legend labels, and which panel they go to:
# the three losses left, the two accuracies right.
_LOSSES = dict(
    zip(
        HISTORY_KEYS[:3],
        ("d1: D loss on real", "d2: D loss on fake", "g: G loss"),
        strict=True,
    )
)
_ACCURACIES = dict(
    zip(HISTORY_KEYS[3:], ("D accuracy on real", "D accuracy on fake"), strict=True)
)


def image_grid(images, n_columns=7, padding=1):
    """Tile images into one uint8 array, like the article's 7x7 ``save_plot``.

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, H, W, C)
        uint8 images, or floats in ``[0, 1]``.
    n_columns : int, default=7
        Images per row.
    padding : int, default=1
        White pixels between images.

    Returns
    -------
    ndarray of uint8, shape (rows*(H+padding)-padding, cols*(W+padding)-padding, C)

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.plotting import image_grid
    >>> image_grid(np.zeros((49, 8, 8), np.uint8)).shape
    (62, 62, 1)
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.dtype != np.uint8:
        images = (np.clip(images, 0, 1) * 255).round().astype(np.uint8)
    n, height, width, channels = images.shape
    n_rows = -(-n // n_columns)
    grid = np.full(
        (
            n_rows * (height + padding) - padding,
            n_columns * (width + padding) - padding,
            channels,
        ),
        255,
        dtype=np.uint8,
    )
    for i, image in enumerate(images):
        top, left = (
            (i // n_columns) * (height + padding),
            (i % n_columns) * (width + padding),
        )
        grid[top : top + height, left : left + width] = image
    return grid


def save_image_grid(images, path, n_columns=7, scale=1):
    """Write :func:`image_grid` of ``images`` as a PNG, atomically.

    The file is written under a temporary name in the same folder and then
    renamed, so a reader never sees a half-written file.

    Parameters
    ----------
    images : ndarray
        As for :func:`image_grid`.
    path : str or path-like
        The PNG to write; its folder must exist.
    n_columns : int, default=7
        Images per row.
    scale : int, default=1
        Enlarge each pixel to ``scale`` x ``scale`` pixels.

    Returns
    -------
    pathlib.Path
        The written PNG, ``path``.

    Examples
    --------
    Two rows of seven 8x8 images, 1 pixel apart, each pixel doubled:

    >>> import os
    >>> import tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from gansampler.plotting import save_image_grid
    >>> images = np.random.default_rng(0).random((14, 8, 8))
    >>> folder = tempfile.mkdtemp()
    >>> png = save_image_grid(images, os.path.join(folder, "grid.png"), scale=2)
    >>> Image.open(png).size
    (124, 34)
    """
    from PIL import Image

    grid = image_grid(images, n_columns)
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale > 1:
        picture = picture.resize(
            (picture.width * scale, picture.height * scale), Image.NEAREST
        )
    return write_atomically(path, lambda file: picture.save(file, format="PNG"))


def save_figure(figure, path, *, dpi=100):
    """Write a figure atomically (temporary file in the same folder, renamed).

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    path : str or path-like
        The file to write; its suffix picks the format (``.png``, ``.pdf``,
        ``.svg``, ...; none means PNG). Its folder must exist.
    dpi : int, default=100
        Resolution of raster formats.

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from matplotlib.figure import Figure
    >>> from gansampler.plotting import save_figure
    >>> figure = Figure(figsize=(2, 1))
    >>> _ = figure.add_subplot().plot([0, 1])
    >>> path = save_figure(figure, Path(tempfile.mkdtemp()) / "curve.svg")
    >>> path.suffix, path.read_text().startswith("<?xml")
    ('.svg', True)
    """
    file_format = Path(path).suffix[1:].lower() or "png"
    return write_atomically(
        path, lambda file: figure.savefig(file, format=file_format, dpi=dpi)
    )


def _histories(history, classes):
    """Normalise ``history`` to a dict {class: {key: list}}."""
    if hasattr(history, "history_"):
        history = history.history_
    elif hasattr(history, "get_params") and not isinstance(history, dict):
        raise ValueError(
            f"This {type(history).__name__} has no history_; fit it first."
        )
    if not isinstance(history, dict):
        raise TypeError(
            "history must be a fitted DCGANOverSampler, its history_ dict "
            "{class: {'d_loss_real': [...], ...}}, or one class's dict; got "
            f"{type(history).__name__}."
        )
    known = set(_LOSSES) | set(_ACCURACIES)
    if history and known & set(history):  # one class's curves
        history = {None: history}
    if classes is not None:
        missing = [label for label in classes if label not in history]
        if missing:
            raise ValueError(
                f"No history for classes {missing!r}; history has {list(history)!r}."
            )
        history = {label: history[label] for label in classes}
    if not history:
        raise ValueError(
            "The history is empty: the sampler grew no class (nothing to plot)."
        )
    for label, curves in history.items():
        if not isinstance(curves, dict) or not known & set(curves):
            raise ValueError(
                f"The history of class {label!r} has none of the curves "
                f"{sorted(known)}."
            )
    return history


def plot_history(history, *, classes=None, axes=None, path=None, dpi=100):
    """Plot the GAN's training curves per class, as the article monitors them.

    For each class, the left panel shows the losses the article prints per
    batch, ``d1`` (discriminator on real images), ``d2`` (on generated images)
    and ``g`` (generator); the right panel shows the discriminator's accuracy
    on real and on generated images. A discriminator that wins outright
    (accuracies at 1, ``g`` climbing) or losses that diverge point to a failed
    training; with a healthy one the curves settle. Curves do not prove quality:
    look at the images (:func:`plot_image_grid`) and the metrics of
    :mod:`gansampler.metrics` too.

    Parameters
    ----------
    history : DCGANOverSampler or dict
        A fitted sampler, its ``history_`` (``{class: {'d_loss_real': [...],
        'd_loss_fake': [...], 'g_loss': [...], 'd_acc_real': [...],
        'd_acc_fake': [...]}}``) or one class's dict of curves. Missing curves
        are left out.
    classes : list, default=None
        The classes to plot, in order; None plots all.
    axes : array-like of matplotlib Axes, shape (n_classes, 2), default=None
        Axes to draw into (their figure is returned); None makes a new figure.
    path : str or path-like, default=None
        Also write the figure there (atomically; format from the suffix).
    dpi : int, default=100
        Resolution when writing ``path``.

    Returns
    -------
    matplotlib.figure.Figure
        One row per class, losses left, accuracies right.

    Raises
    ------
    ValueError
        If the history is empty or has none of the known curves.

    Examples
    --------
    >>> from gansampler.plotting import plot_history
    >>> history = {3: {"d_loss_real": [0.7, 0.6], "d_loss_fake": [0.7, 0.5],
    ...                "g_loss": [0.8, 1.0], "d_acc_real": [0.5, 0.7],
    ...                "d_acc_fake": [0.4, 0.8]}}
    >>> figure = plot_history(history)
    >>> [len(ax.lines) for ax in figure.axes]
    [3, 2]
    """
    from matplotlib.figure import Figure

    history = _histories(history, classes)
    n_rows = len(history)
    if axes is None:
        figure = Figure(figsize=(10, 2.8 * n_rows), layout="constrained")
        axes = figure.subplots(n_rows, 2, squeeze=False)
    else:
        axes = np.asarray(axes, dtype=object).reshape(-1, 2)
        if len(axes) != n_rows:
            raise ValueError(
                f"axes has {len(axes)} rows of 2; {n_rows} class(es) need "
                f"{n_rows} rows."
            )
        figure = axes[0, 0].get_figure()
    for (label, curves), (loss_ax, acc_ax) in zip(history.items(), axes, strict=True):
        name = "" if label is None else f"class {label!r}: "
        for ax, keys, title, ylabel in (
            (loss_ax, _LOSSES, "losses", "loss"),
            (acc_ax, _ACCURACIES, "discriminator accuracy", "accuracy"),
        ):
            for key, legend in keys.items():
                if key in curves:
                    values = np.asarray(curves[key], dtype=float)
                    ax.plot(np.arange(1, len(values) + 1), values, label=legend)
            ax.set_title(name + title)
            ax.set_xlabel("epoch")
            ax.set_ylabel(ylabel)
            if ax.lines:
                ax.legend(loc="best", fontsize="small")
        acc_ax.set_ylim(-0.02, 1.02)
    if path is not None:
        save_figure(figure, path, dpi=dpi)
    return figure


def plot_image_grid(
    images,
    *,
    n_columns=7,
    ax=None,
    title=None,
    value_range=None,
    path=None,
    dpi=100,
):
    """Show images in a grid, like the article's 7x7 ``save_plot``.

    Parameters
    ----------
    images : array-like of shape (n, H, W) or (n, H, W, C)
        Images: uint8 (0-255), or floats in ``[0, 1]`` unless ``value_range``
        says otherwise. ``C`` is 1, 3 or 4.
    n_columns : int, default=7
        Images per row.
    ax : matplotlib Axes, default=None
        Axes to draw into (its figure is returned); None makes a new figure.
    title : str, default=None
        Title above the grid.
    value_range : tuple of float, default=None
        ``(low, high)`` of the values shown black and white, for floats not in
        ``[0, 1]`` (a generator's ``[-1, 1]``, digits' 0-16). Values outside
        are clipped.
    path : str or path-like, default=None
        Also write the figure there, as :func:`plot_history` does.
    dpi : int, default=100
        Its resolution.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the grid.

    Raises
    ------
    ValueError
        If ``images`` is not a stack of images.

    See Also
    --------
    save_image_grid : The grid as a PNG, without
        matplotlib.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.plotting import plot_image_grid
    >>> figure = plot_image_grid(np.zeros((10, 8, 8), np.uint8), title="class 3")
    >>> len(figure.axes), figure.axes[0].images[0].get_array().shape
    (1, (17, 62))
    """
    from matplotlib.figure import Figure

    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(
            "images must be a non-empty stack of shape (n, H, W) or (n, H, W, C); "
            f"got shape {images.shape}."
        )
    if images.ndim == 4 and images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"images must have 1, 3 or 4 channels; got {images.shape[-1]}."
        )
    if not isinstance(n_columns, Integral) or n_columns < 1:
        raise ValueError(f"n_columns must be an int >= 1; got {n_columns!r}.")
    if value_range is not None:
        low, high = (float(v) for v in value_range)
        if not high > low:
            raise ValueError(
                f"value_range must be (low, high) with high > low; got {value_range!r}."
            )
        images = (images.astype(np.float64) - low) / (high - low)
    elif images.dtype != np.uint8:
        images = images.astype(np.float64)
    grid = image_grid(images, n_columns=int(min(n_columns, len(images))))
    if ax is None:
        rows, columns = grid.shape[:2]
        scale = 6.0 / max(rows, columns)
        figure = Figure(
            figsize=(max(columns * scale, 1.0), max(rows * scale, 1.0) + 0.4),
            layout="constrained",
        )
        ax = figure.add_subplot()
    else:
        figure = ax.get_figure()
    if grid.shape[-1] == 1:
        ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    else:
        ax.imshow(grid, interpolation="nearest")
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    if path is not None:
        save_figure(figure, path, dpi=dpi)
    return figure
