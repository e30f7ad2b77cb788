"""Decoding one image file into an 8-bit array, as the folder loader reads it."""

import os

import numpy as np

from .._images import resize

__all__ = ["Skip", "read_image"]


class Skip(Exception):
    """An image that is reported and left out."""


def _flatten_alpha(arr):
    """Composite an (H, W, 2|4) uint8 array with alpha over black."""
    alpha = arr[..., -1:].astype(np.uint32)
    colour = arr[..., :-1].astype(np.uint32)
    return ((colour * alpha + 127) // 255).astype(np.uint8)


def _to_8bit_array(img):
    """Decoded PIL image -> uint8 array (H, W) grey or (H, W, 3) colour."""
    mode = img.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        a = np.asarray(img).astype(np.float64)
        if mode.startswith("I;16") or (
            mode == "I" and a.min() >= 0 and a.max() <= 65535
        ):
            a = a / 257.0  # 16-bit range -> 8-bit
        elif mode == "F" and a.min() >= 0 and a.max() <= 1:
            a = a * 255.0
        else:  # unknown range: min-max
            lo, hi = a.min(), a.max()
            a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
        return np.clip(np.rint(a), 0, 255).astype(np.uint8)
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        arr = np.asarray(img)
        if arr.shape[-1] == 4:
            arr = _flatten_alpha(arr)
        if (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all():
            return np.ascontiguousarray(arr[..., 0])  # grey palette
        return arr
    if mode in ("1", "L"):
        return np.asarray(img.convert("L"))
    if mode in ("LA", "La"):
        return _flatten_alpha(np.asarray(img.convert("LA")))[..., 0]
    if mode in ("RGBA", "RGBa", "PA"):
        return _flatten_alpha(np.asarray(img.convert("RGBA")))
    if mode == "RGB":
        return np.asarray(img)
    return np.asarray(img.convert("RGB"))  # CMYK, YCbCr, LAB, HSV, RGBX, ...


def read_image(fpath, channels, size):
    """Read one file into a uint8 array (H, W) or (H, W, 3), or raise Skip."""
    from PIL import Image, ImageOps

    try:
        n_bytes = os.path.getsize(fpath)
    except OSError as exc:
        raise Skip(f"cannot stat file ({exc})") from exc
    if n_bytes == 0:
        raise Skip("empty file (0 bytes)")
    try:
        with Image.open(fpath) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            arr = _to_8bit_array(img)
    except Exception as exc:  # Pillow raises many types for broken files
        raise Skip(f"unreadable image ({type(exc).__name__}: {exc})") from exc
    if channels == 1 and arr.ndim == 3:
        arr = np.asarray(Image.fromarray(arr, "RGB").convert("L"))
    elif channels == 3 and arr.ndim == 2:
        arr = np.repeat(arr[..., np.newaxis], 3, axis=2)
    if size is not None and arr.shape[:2] != size:
        arr = resize(arr[np.newaxis], size)[0]
    return arr
