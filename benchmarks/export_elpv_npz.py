"""Write the ELPV solar-cell images as compressed .npz files for a machine without them.

The GPU machine has no network and no ``elpv-dataset`` package, so the images
travel as ``.gpudata/elpv_<size>.npz`` with two arrays: ``images`` (uint8,
``(n, size, size, 1)``, from :func:`gansampler.datasets.load_elpv`) and ``target``
(int64 labels 0..3 = defect probability 0, 1/3, 2/3, 1). ``gansampler compare
--dataset .gpudata/elpv_64.npz`` reads them. The images are licensed CC BY-NC-SA
4.0: ``.gpudata/`` is git-ignored and must never be committed.

    python benchmarks/export_elpv_npz.py              # 64 and 128 into .gpudata/
    python benchmarks/export_elpv_npz.py --sizes 32 --out /tmp/elpv
"""

import argparse
import os
from pathlib import Path

import numpy as np


def export_elpv_npz(size, out_dir=".gpudata"):
    """Write ``<out_dir>/elpv_<size>.npz`` from ``load_elpv(image_size=size)``.

    Parameters
    ----------
    size : int
        Side of the square images.
    out_dir : str or path-like, default=".gpudata"
        Folder, created if needed.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    from gansampler.datasets import load_elpv

    images, target = load_elpv(image_size=size, return_X_y=True)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"elpv_{size}.npz"
    tmp = out_dir / f".elpv_{size}.tmp.npz"
    np.savez_compressed(tmp, images=images.astype(np.uint8), target=target)
    os.replace(tmp, path)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--out", default=".gpudata")
    args = parser.parse_args(argv)
    for size in args.sizes:
        path = export_elpv_npz(size, args.out)
        with np.load(path) as data:
            images, target = data["images"], data["target"]
        print(
            f"{path}: images {images.shape} {images.dtype}, class counts "
            f"{np.bincount(target).tolist()}, {path.stat().st_size / 2**20:.1f} MiB"
        )


if __name__ == "__main__":
    main()
