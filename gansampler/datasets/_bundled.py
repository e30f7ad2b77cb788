"""Data sets that come with the library or its extras: imbalanced digits, ELPV."""

import shlex
import sys

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .._images import check_size, resize

__all__ = ["load_elpv", "load_imbalanced_digits"]


def load_imbalanced_digits(*, imbalance_ratio=0.1, random_state=0, return_X_y=False):
    """Load scikit-learn's 8x8 digits made imbalanced by a geometric profile.

    Class ``k`` (0..9) keeps ``n_k = max(1, floor(N_k * imbalance_ratio ** (k / 9)
    + 0.5))`` of its ``N_k`` images, drawn without replacement with
    ``random_state``. With the default ratio 0.1, class 0 keeps all 178 images
    and class 9 keeps 18 of 180 (an imbalance ratio of about 10); in total 735
    images. Kept images stay in their original order.

    Parameters
    ----------
    imbalance_ratio : float in (0, 1], default=0.1
        Fraction kept of the last class (9); 1 keeps every image.
    random_state : int, RandomState instance or None, default=0
        Seeds which images of each class are kept.
    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: float32 array (n, 8, 8, 1) in [0, 1] (digits' 0..16 grey
        levels divided by 16); ``data``: the same, flat (n, 64); ``target``:
        int64 labels 0..9; ``target_names``: ``arange(10)``; ``class_counts``:
        dict label -> number kept; ``indices``: rows of ``load_digits()`` kept;
        ``DESCR``: this rule.
    (images, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from gansampler.datasets import load_imbalanced_digits
    >>> X, y = load_imbalanced_digits(return_X_y=True)
    >>> X.shape, X.dtype.name
    ((735, 8, 8, 1), 'float32')
    >>> int((y == 0).sum()), int((y == 9).sum())
    (178, 18)
    """
    from sklearn.datasets import load_digits

    ratio = float(imbalance_ratio)
    if not 0 < ratio <= 1:
        raise ValueError(f"imbalance_ratio must be in (0, 1], got {imbalance_ratio!r}.")
    digits = load_digits()
    rng = check_random_state(random_state)
    keep = []
    counts = {}
    for k in range(10):
        idx = np.flatnonzero(digits.target == k)
        n_keep = max(1, int(np.floor(len(idx) * ratio ** (k / 9) + 0.5)))
        keep.append(rng.choice(idx, size=n_keep, replace=False))
        counts[k] = n_keep
    keep = np.sort(np.concatenate(keep))
    images = (digits.images[keep] / 16.0).astype(np.float32)[..., np.newaxis]
    target = digits.target[keep].astype(np.int64)
    if return_X_y:
        return images, target
    return Bunch(
        images=images,
        data=images.reshape(len(images), -1),
        target=target,
        target_names=np.arange(10),
        class_counts=counts,
        indices=keep,
        DESCR=(
            "scikit-learn digits (8x8, 16 grey levels scaled to [0, 1]); class k "
            "keeps max(1, floor(N_k * r ** (k / 9) + 0.5)) images, "
            f"r = {ratio}, seeded subsampling without replacement."
        ),
    )


_ELPV_NAMES = np.array(["0", "1/3", "2/3", "1"])


def load_elpv(*, image_size=64, module_type=None, return_X_y=False):
    """Load the ELPV solar-cell images from the ``elpv-dataset`` package.

    2,624 electroluminescence images of solar cells, 300x300 8-bit grey, each
    labelled with a defect probability 0, 1/3, 2/3 or 1 (1,508 / 295 / 106 / 715
    cells), mapped to the integer labels 0, 1, 2, 3. Module types: mono (1,074),
    poly (1,550). The images are licensed CC BY-NC-SA 4.0 by their authors
    (Buerhop-Lutz et al. 2018; Deitsch et al. 2019): use them accordingly and do
    not redistribute them with your code.

    Parameters
    ----------
    image_size : int or None, default=64
        Side of the square output images (Pillow LANCZOS resampling); None keeps
        300x300.
    module_type : {"mono", "poly"} or None, default=None
        Keep only cells of this module type; None keeps both.
    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: uint8 (n, s, s, 1); ``target``: int64 labels 0..3;
        ``probability``: the defect probabilities; ``module_type``: "mono" or
        "poly" per image; ``target_names``: ``["0", "1/3", "2/3", "1"]``;
        ``DESCR``.
    (images, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ImportError
        If ``elpv-dataset`` is not installed; the message gives the command
        that installs it into the running interpreter
        (``<sys.executable> -m pip install elpv-dataset``).

    Examples
    --------
    >>> from gansampler.datasets import load_elpv
    >>> X, y = load_elpv(image_size=32, return_X_y=True)
    >>> X.shape, X.dtype.name
    ((2624, 32, 32, 1), 'uint8')
    >>> [int((y == k).sum()) for k in range(4)]
    [1508, 295, 106, 715]
    """
    if module_type not in (None, "mono", "poly"):
        raise ValueError(
            f"module_type must be 'mono', 'poly' or None, got {module_type!r}."
        )
    size = None if image_size is None else check_size(image_size, "image_size")
    try:
        from elpv_dataset.utils import load_dataset
    except ImportError as exc:
        python = shlex.quote(sys.executable)
        raise ImportError(
            "load_elpv needs the optional 'elpv-dataset' package, which this "
            f"Python ({sys.executable}) does not have: install it with "
            f"`{python} -m pip install elpv-dataset` (or, in a checkout of "
            f"gansampler, `{python} -m pip install '.[elpv]'`)."
        ) from exc
    from PIL import Image

    images, probs, types = load_dataset()
    probs = np.asarray(probs, dtype=np.float64)
    types = np.asarray(types).astype(str)
    target = np.rint(probs * 3).astype(np.int64)
    if (
        not np.allclose(target, probs * 3, atol=1e-6)
        or not ((target >= 0) & (target <= 3)).all()
    ):
        raise ValueError(
            "elpv-dataset returned defect probabilities other than 0, 1/3, 2/3, 1: "
            f"{sorted(set(probs.tolist()))}."
        )
    mask = np.ones(len(target), bool) if module_type is None else types == module_type
    images = np.asarray(images)[mask]
    if images.ndim == 4:  # not the case in 1.0.0; keep one grey channel
        images = np.stack(
            [np.asarray(Image.fromarray(im).convert("L")) for im in images]
        )
    if size is not None and images.shape[1:3] != size:
        images = resize(images.astype(np.uint8, copy=False), size)
    images = np.ascontiguousarray(images.astype(np.uint8)[..., np.newaxis])
    target, probs, types = target[mask], probs[mask], types[mask]
    if return_X_y:
        return images, target
    return Bunch(
        images=images,
        target=target,
        probability=probs,
        module_type=types,
        target_names=_ELPV_NAMES.copy(),
        DESCR=(
            "ELPV solar-cell electroluminescence images (elpv-dataset package), "
            "labels 0..3 = defect probability 0, 1/3, 2/3, 1. Images CC BY-NC-SA "
            "4.0: do not redistribute them with code."
        ),
    )
