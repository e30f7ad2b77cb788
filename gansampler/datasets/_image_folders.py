"""Image folders: labelled images on disk, loaded into arrays and written back.

:func:`load_image_folder` reads one sub-folder per class, or one folder plus a
labels CSV; :func:`save_image_folder` writes PNG files in the sub-folder
layout that the loader reads back.
"""

import csv
import os
import re
import warnings
from functools import partial

import numpy as np
from sklearn.utils import Bunch

from .._files import is_plain_name, write_atomically
from .._images import check_size, to_nhwc
from ._decode import Skip, read_image

__all__ = [
    "DEFAULT_EXTENSIONS",
    "SkippedImagesWarning",
    "load_image_folder",
    "save_image_folder",
]

DEFAULT_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".bmp",
    ".gif",
    ".tif",
    ".tiff",
    ".webp",
    ".ppm",
    ".pgm",
)


class SkippedImagesWarning(UserWarning):
    """Warning listing the files and CSV rows that :func:`load_image_folder` skipped.

    One warning per call lists every skipped item with its reason; the same
    list is in the returned ``skipped``. Turn it into an error to refuse
    incomplete folders.

    Examples
    --------
    >>> import tempfile, warnings
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from gansampler.datasets import (
    ...     SkippedImagesWarning, load_image_folder, save_image_folder)
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = save_image_folder(np.zeros((2, 8, 8), np.uint8), [0, 1], folder)
    >>> _ = (folder / "1" / "empty.png").write_bytes(b"")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     data = load_image_folder(folder)
    >>> caught[0].category.__name__, data.skipped[0][1]
    ('SkippedImagesWarning', 'empty file (0 bytes)')
    """


_INT_LABEL = re.compile(r"[+-]?\d+")


def _labels_array(labels):
    """Labels (strings) -> int64 array when every one is an integer, else str."""
    if labels and all(_INT_LABEL.fullmatch(v) for v in labels):
        as_int = [int(v) for v in labels]
        if len(set(as_int)) == len(set(labels)):  # "7" and "07" stay strings
            return np.asarray(as_int, dtype=np.int64)
    return np.asarray(labels, dtype=str)


def _is_hidden(name):
    return name.startswith(".")


def load_image_folder(
    path,
    *,
    image_size=None,
    channels=None,
    labels_csv=None,
    image_column="image",
    label_column="level",
    extensions=DEFAULT_EXTENSIONS,
    return_X_y=False,
):
    """Load labelled images from a folder.

    Two layouts are read:

    * one sub-folder per class (``path/<label>/<file>``), the class label being
      the sub-folder's name;
    * with ``labels_csv``: images directly in ``path`` and a CSV file with a
      column of file names and a column of labels (Kaggle's diabetic
      retinopathy ``trainLabels.csv``: ``image,level``). Names may omit the
      extension (``10_left`` finds ``10_left.jpeg``) and may contain
      sub-folders (``train/10_left``).

    Every image is decoded with Pillow, rotated upright according to its EXIF
    orientation, brought to ``channels`` (grey ``L`` or ``RGB``; alpha is
    composited over black; 16-bit images are scaled by 1/257; CMYK, palette and
    other modes are converted) and resized to ``image_size`` (LANCZOS, aspect
    ratio not kept).

    Nothing is dropped silently: empty (0-byte) or unreadable files, files
    whose extension is not in ``extensions``, files outside a class sub-folder,
    folders inside a class folder, images not listed in the CSV, CSV rows with
    no matching file (or several candidates) or naming a file outside ``path``
    (an absolute name or one with ``..``) are all left out, returned in
    ``skipped`` and listed in one :class:`SkippedImagesWarning`. Hidden files
    and folders (names starting with ".") are ignored. A CSV naming one image
    twice (also as ``10_left`` and ``10_left.jpeg``) reads it once, and raises
    an error if the labels differ; a CSV that is not UTF-8 raises an error.

    Parameters
    ----------
    path : str or path-like
        The folder.
    image_size : int, (height, width) or None, default=None
        Output size. None requires all images to share one size (after EXIF
        rotation) and raises a ValueError naming two that differ otherwise.
    channels : {1, 3} or None, default=None
        Output channels. None gives 1 when every image is grayscale (grey
        modes, 16-bit grey, palettes of grey colours) and 3 otherwise, so that
        no colour is lost.
    labels_csv : str, path-like or None, default=None
        CSV file (UTF-8, a header row) of file names and labels; None reads
        the sub-folder layout.
    image_column, label_column : str, default="image", "level"
        Column names in ``labels_csv``.
    extensions : sequence of str, default=DEFAULT_EXTENSIONS
        File extensions read as images (case-insensitive, with the dot).
    return_X_y : bool, default=False
        If True, return ``(images, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: uint8 (n, H, W, C); ``target``: labels, int64 when every
        label is an integer (``"3"`` -> 3) and str otherwise; ``target_names``:
        the sorted distinct labels; ``filenames``: the path of each image;
        ``skipped``: list of ``(path or "file.csv:line", reason)``.
    (images, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from gansampler.datasets import load_image_folder, save_image_folder
    >>> folder = tempfile.mkdtemp()
    >>> X = np.zeros((4, 8, 8, 1), np.uint8); y = np.array([0, 0, 1, 1])
    >>> _ = save_image_folder(X, y, folder)
    >>> data = load_image_folder(folder)
    >>> data.images.shape, data.target.tolist()
    ((4, 8, 8, 1), [0, 0, 1, 1])
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise NotADirectoryError(f"Image folder not found: {path!r}.")
    size = None if image_size is None else check_size(image_size, "image_size")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None, got {channels!r}.")
    exts = {e.lower() if e.startswith(".") else "." + e.lower() for e in extensions}
    if not exts:
        raise ValueError("extensions is empty.")

    skipped = []
    if labels_csv is None:
        items = _items_from_subfolders(path, exts, skipped)
    else:
        items = _items_from_csv(
            path, os.fspath(labels_csv), image_column, label_column, exts, skipped
        )

    arrays, labels, filenames = [], [], []
    first = None
    for fpath, label in items:
        try:
            arr = read_image(fpath, channels, size)
        except Skip as skip:
            skipped.append((fpath, str(skip)))
            continue
        if size is None:
            if first is None:
                first = (fpath, arr.shape[:2])
            elif arr.shape[:2] != first[1]:
                raise ValueError(
                    "Images differ in size: "
                    f"{first[0]!r} is {first[1][0]}x{first[1][1]} (HxW), "
                    f"{fpath!r} is {arr.shape[0]}x{arr.shape[1]}; pass "
                    "image_size=(height, width) to resize them to one size."
                )
        arrays.append(arr)
        labels.append(label)
        filenames.append(fpath)

    if labels_csv is None:  # report class folders that gave no image
        loaded = set(labels)
        for name in sorted(os.listdir(path)):
            full = os.path.join(path, name)
            if not _is_hidden(name) and os.path.isdir(full) and name not in loaded:
                skipped.append((full, "class folder has no readable image"))

    if skipped:
        warnings.warn(
            f"load_image_folder skipped {len(skipped)} item(s) in {path!r}:\n"
            + "\n".join(f"  {p}: {reason}" for p, reason in skipped),
            SkippedImagesWarning,
            stacklevel=2,
        )
    if not arrays:
        raise ValueError(
            f"No readable image found in {path!r} ({len(skipped)} item(s) skipped)."
        )

    if channels is None and any(a.ndim == 3 for a in arrays):
        arrays = [
            np.repeat(a[..., np.newaxis], 3, axis=2) if a.ndim == 2 else a
            for a in arrays
        ]
    images = np.stack(arrays)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    target = _labels_array(labels)
    if return_X_y:
        return images, target
    return Bunch(
        images=images,
        target=target,
        target_names=np.unique(target),
        filenames=filenames,
        skipped=skipped,
    )


def _items_from_subfolders(path, exts, skipped):
    items = []
    entries = sorted(os.listdir(path))
    class_dirs = [
        n for n in entries if not _is_hidden(n) and os.path.isdir(os.path.join(path, n))
    ]
    if not class_dirs:
        raise ValueError(
            f"No class sub-folder in {path!r}: put the images in one sub-folder per "
            "class, or pass labels_csv for a folder of images plus a labels file."
        )
    for name in entries:
        full = os.path.join(path, name)
        if not _is_hidden(name) and not os.path.isdir(full):
            skipped.append((full, "file outside the class sub-folders"))
    for label in class_dirs:
        class_dir = os.path.join(path, label)
        for name in sorted(os.listdir(class_dir)):
            full = os.path.join(class_dir, name)
            if _is_hidden(name):
                continue
            if os.path.isdir(full):
                skipped.append((full, "folder inside a class folder (not read)"))
            elif os.path.splitext(name)[1].lower() not in exts:
                skipped.append((full, "extension not in extensions"))
            else:
                items.append((full, label))
    return items


def _items_from_csv(path, labels_csv, image_column, label_column, exts, skipped):
    try:
        return _read_csv_items(
            path, labels_csv, image_column, label_column, exts, skipped
        )
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{labels_csv!r} is not UTF-8 text ({exc}); save it as UTF-8."
        ) from exc
    except csv.Error as exc:
        raise ValueError(f"{labels_csv!r} is not a readable CSV file: {exc}.") from exc


def _outside(path, name):
    """Whether the CSV name ``name`` points outside the folder ``path``."""
    if os.path.isabs(name) or (os.altsep and name.startswith(os.altsep)):
        return True
    rel = os.path.relpath(os.path.normpath(os.path.join(path, name)), path)
    return rel == os.pardir or rel.startswith(os.pardir + os.sep)


def _read_csv_items(path, labels_csv, image_column, label_column, exts, skipped):
    with open(labels_csv, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        missing = [c for c in (image_column, label_column) if c not in columns]
        if missing:
            raise ValueError(
                f"{labels_csv!r} has no column(s) {missing}; its columns are "
                f"{columns}. Set image_column= / label_column=."
            )
        rows = {}  # name -> (label, line)
        conflicts = []
        for line, row in enumerate(reader, start=2):
            name = (row.get(image_column) or "").strip()
            label = (row.get(label_column) or "").strip()
            where = f"{labels_csv}:{line}"
            if not name:
                skipped.append((where, "empty image name"))
                continue
            if not label:
                skipped.append((where, f"empty label for {name!r}"))
                continue
            if name in rows:
                if rows[name][0] != label:
                    conflicts.append(
                        f"{name!r}: {rows[name][0]!r} (line {rows[name][1]}) vs "
                        f"{label!r} (line {line})"
                    )
                continue
            rows[name] = (label, line)
    if conflicts:
        raise ValueError(
            f"{labels_csv!r} gives different labels to the same image: "
            + "; ".join(conflicts)
        )

    csv_real = os.path.realpath(labels_csv)
    top_files = sorted(
        n
        for n in os.listdir(path)
        if not _is_hidden(n)
        and os.path.isfile(os.path.join(path, n))
        and os.path.realpath(os.path.join(path, n)) != csv_real
    )
    by_stem = {}
    for n in top_files:
        stem, ext = os.path.splitext(n)
        if ext.lower() in exts:
            by_stem.setdefault(stem, []).append(n)
    top_set = set(top_files)

    items, used = [], set()
    claimed = {}  # file -> (label, line): one file named two ways counts once
    for name, (label, line) in rows.items():
        where = f"{labels_csv}:{line}"
        if _outside(path, name):
            skipped.append((where, f"{name!r} points outside the folder (not read)"))
            continue
        if "/" in name or os.sep in name:
            full = os.path.join(path, name)
            if os.path.isfile(full):
                candidates = [full]
            else:
                candidates = [
                    full + ext
                    for ext in sorted(exts | {e.upper() for e in exts})
                    if os.path.isfile(full + ext)
                ]
        elif name in top_set:
            candidates = [os.path.join(path, name)]
        else:
            candidates = [os.path.join(path, n) for n in by_stem.get(name, [])]
        if not candidates:
            skipped.append((where, f"no file for {name!r} in the folder"))
            continue
        if len(candidates) > 1:
            skipped.append(
                (
                    where,
                    f"several files match {name!r}: "
                    + ", ".join(os.path.basename(c) for c in candidates),
                )
            )
            used.update(os.path.basename(c) for c in candidates)
            continue
        fpath = candidates[0]
        key = os.path.normcase(os.path.normpath(fpath))
        if key in claimed:
            first_label, first_line = claimed[key]
            if first_label != label:
                conflicts.append(
                    f"{os.path.relpath(fpath, path)!r}: {first_label!r} (line "
                    f"{first_line}) vs {label!r} (line {line})"
                )
            continue
        claimed[key] = (label, line)
        used.add(os.path.relpath(fpath, path))
        items.append((fpath, label))
    if conflicts:
        raise ValueError(
            f"{labels_csv!r} gives different labels to the same image: "
            + "; ".join(conflicts)
        )
    for n in top_files:
        if n not in used:
            full = os.path.join(path, n)
            if os.path.splitext(n)[1].lower() not in exts:
                skipped.append((full, "extension not in extensions"))
            else:
                skipped.append((full, "not listed in the labels CSV"))
    return items


def _to_uint8_images(X, image_shape):
    X = np.asarray(X)
    if X.dtype == object or not (
        np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_
    ):
        raise ValueError(f"X must be numeric, got dtype {X.dtype}.")
    X = to_nhwc(X, image_shape)
    if X.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"PNG images need 1, 3 or 4 channels; X has {X.shape[-1]} "
            f"(shape {X.shape})."
        )
    if X.dtype == np.uint8:
        return X
    if X.dtype == np.bool_:
        return X.astype(np.uint8) * 255
    if X.size and not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values.")
    lo = X.min() if X.size else 0
    hi = X.max() if X.size else 0
    if np.issubdtype(X.dtype, np.integer) and lo >= 0 and hi <= 255:
        return X.astype(np.uint8)
    Xf = X.astype(np.float64)
    if np.issubdtype(X.dtype, np.floating) and lo >= 0 and hi <= 1:
        Xf = Xf * 255.0
    elif hi > lo:
        Xf = (Xf - lo) * (255.0 / (hi - lo))
    else:
        Xf = np.zeros_like(Xf)
    return np.clip(np.rint(Xf), 0, 255).astype(np.uint8)


def class_folders(y):
    """The sub-folder of each class of ``y``: ``str(label)``, a plain folder name.

    Used by :func:`save_image_folder`, and by the command line to refuse, before
    any training, labels that could not be written.

    Parameters
    ----------
    y : array-like of shape (n,)
        Class labels.

    Returns
    -------
    dict
        Maps each distinct label (a Python value, in order of first appearance)
        to its folder name.

    Raises
    ------
    ValueError
        For a missing label (None or NaN), a label whose ``str`` is not a plain
        folder name (``""``, ``"."``, ``".."``, ``"a/b"``) and labels that share
        one name (``1`` and ``"1"``).
    """
    import pandas as pd

    y = np.asarray(y).reshape(-1)
    missing = np.flatnonzero(pd.isna(y))
    if len(missing):
        shown = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        raise ValueError(
            f"y has {len(missing)} missing label(s) (None or NaN), at index {shown}; "
            "every image needs a class label to name its folder."
        )
    folders = {}
    for label in dict.fromkeys(y.tolist()):
        name = str(label)
        if not is_plain_name(name):
            raise ValueError(
                f"Label {label!r} cannot be used as a folder name (the images of a "
                "class go into a sub-folder named after it)."
            )
        folders[label] = name
    names = list(folders.values())
    if len(set(names)) != len(names):
        raise ValueError(f"Different labels map to the same folder name: {names}.")
    return folders


def save_image_folder(X, y, path, *, image_shape=None, prefix="image", overwrite=False):
    """Write images as PNG files, one sub-folder per class.

    File ``i`` goes to ``path/<str(y[i])>/<prefix>_<i>.png`` (``i`` zero-padded
    to at least five digits), the layout :func:`load_image_folder` reads back.
    Values become uint8 by the layout rules: uint8 as is; bool as 0 / 255;
    other integers in [0, 255] as is; floats in [0, 1] times 255; any other
    range min-max scaled over the whole array to [0, 255]. One channel gives a
    grey PNG, three RGB, four RGBA.

    Each file is written to a temporary name in its class folder and then
    renamed with :func:`os.replace`, so no half-written PNG is left behind.
    Before anything is written, every target name is checked: existing files
    raise :class:`FileExistsError` unless ``overwrite=True``. Only files inside
    ``path`` are ever written (labels that are not plain folder names, such as
    ``".."`` or ``"a/b"``, are refused, and so is an existing class folder that
    is a link leading outside ``path``).

    Parameters
    ----------
    X : array-like of shape (n, H, W, C), (n, H, W) or (n, H * W * C)
        Images; flat rows need ``image_shape``.
    y : array-like of shape (n,)
        Labels; ``str(label)`` names the sub-folder. Missing labels (None,
        NaN) are refused before anything is written.
    path : str or path-like
        Output folder, created if needed.
    image_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(H, W, C)`` for flat ``X``.
    prefix : str, default="image"
        File name prefix.
    overwrite : bool, default=False
        Replace existing files of the same names.

    Returns
    -------
    paths : list of str
        The written files, in the order of ``X``.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from gansampler.datasets import save_image_folder
    >>> X = np.random.default_rng(0).random((3, 8, 8))
    >>> paths = save_image_folder(X, ["a", "b", "a"], tempfile.mkdtemp())
    >>> [p.split("/")[-2:] for p in paths]  # doctest: +NORMALIZE_WHITESPACE
    [['a', 'image_00000.png'], ['b', 'image_00001.png'], ['a', 'image_00002.png']]
    """
    from PIL import Image

    images = _to_uint8_images(X, image_shape)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(images):
        raise ValueError(
            f"y must be 1-D with one label per image: X has {len(images)} images, "
            f"y has shape {y.shape}."
        )
    if not isinstance(prefix, str) or not is_plain_name(prefix):
        raise ValueError(f"prefix must be a plain file-name prefix, got {prefix!r}.")
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f"{path!r} exists and is not a folder.")

    folder_of = class_folders(y)
    names = list(folder_of.values())

    root = os.path.realpath(path)
    for name in names:
        folder = os.path.join(path, name)
        if not os.path.lexists(folder):
            continue
        if not os.path.isdir(folder):
            raise NotADirectoryError(f"{folder!r} exists and is not a folder.")
        real = os.path.realpath(folder)
        if os.path.commonpath([root, real]) != root:
            raise ValueError(
                f"{folder!r} leads outside {path!r} (to {real!r}); refusing to "
                "write there."
            )

    width = max(5, len(str(len(images) - 1)))
    targets = [
        os.path.join(path, folder_of[label], f"{prefix}_{i:0{width}d}.png")
        for i, label in enumerate(y.tolist())
    ]
    if not overwrite:
        existing = [t for t in targets if os.path.lexists(t)]
        if existing:
            raise FileExistsError(
                f"{len(existing)} file(s) already exist, e.g. {existing[0]!r}; pass "
                "overwrite=True or choose another folder or prefix."
            )
    for name in set(names):
        os.makedirs(os.path.join(path, name), exist_ok=True)

    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    written = []
    for img, target in zip(images, targets, strict=True):
        channels = img.shape[-1]
        pil = Image.fromarray(img[..., 0] if channels == 1 else img, modes[channels])
        write_atomically(target, partial(_write_png, pil, target, overwrite))
        written.append(target)
    return written


def _write_png(picture, target, overwrite, file):
    """Write ``picture`` as PNG to ``file``, the temporary file of ``target``."""
    picture.save(file, format="PNG")
    if not overwrite and os.path.lexists(target):
        raise FileExistsError(f"{target!r} appeared while writing.")
