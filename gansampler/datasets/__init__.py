"""Image data sets for trying and evaluating over-samplers.

* :func:`load_imbalanced_digits`: scikit-learn's 8x8 digits made imbalanced by a
  documented, seeded per-class profile (offline: nothing to download).
* :func:`load_elpv`: the ELPV solar-cell electroluminescence images from the
  optional ``elpv-dataset`` package (``pip install ".[elpv]"`` in a checkout).
* :func:`load_image_folder`: images on disk, one sub-folder per class or one folder
  plus a labels CSV (the Kaggle diabetic-retinopathy layout ``image,level``).
* :func:`save_image_folder`: write images as PNG, one sub-folder per class, in the
  layout :func:`load_image_folder` reads.
"""

from ._bundled import load_elpv, load_imbalanced_digits
from ._image_folders import DEFAULT_EXTENSIONS as DEFAULT_EXTENSIONS
from ._image_folders import (
    SkippedImagesWarning,
    load_image_folder,
    save_image_folder,
)

__all__ = [
    "SkippedImagesWarning",
    "load_elpv",
    "load_image_folder",
    "load_imbalanced_digits",
    "save_image_folder",
]
