"""What an operator looks at: grids of generated images, written atomically."""

import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["image_grid", "save_image_grid"]


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
    >>> from gansampler.monitoring import image_grid
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
        (n_rows * (height + padding) - padding, n_columns * (width + padding) - padding,
         channels),
        255,
        dtype=np.uint8,
    )
    for i, image in enumerate(images):
        top, left = (i // n_columns) * (height + padding), (i % n_columns) * (width + padding)
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
        The written file.
    """
    grid = image_grid(images, n_columns)
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale),
                                 Image.NEAREST)
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            picture.save(file, format="PNG")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
