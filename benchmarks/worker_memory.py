"""Memory of one worker process that trains one class (docs/scaling.md).

Each case runs in a fresh Python process, as a joblib or dask worker does: it
imports gansampler (and with it Keras and the backend), then fits
``DCGANOverSampler`` on one class that grows, with the default ``'conv'``
networks and default widths, on random grey images. Printed per case: the
resident memory after the imports, the peak resident memory of the whole
process (``ru_maxrss``), the peak use of GPU 0 by the backend's allocator
(with a GPU), and the generator's parameter count::

    KERAS_BACKEND=tensorflow python benchmarks/worker_memory.py
    KERAS_BACKEND=tensorflow python benchmarks/worker_memory.py \\
        --sizes 64 128 --channels 1 --n-images 200 --n-new 500 --updates 2 \\
        --batch-size 32

``--two-workers`` instead fits two such classes with ``n_jobs=2`` (two joblib
worker processes, on one GPU if there is one) and prints whether the fit
worked: with JAX's default preallocation it does not (docs/scaling.md)::

    KERAS_BACKEND=jax python benchmarks/worker_memory.py --two-workers --sizes 128
    KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false \\
        python benchmarks/worker_memory.py --two-workers --sizes 128

On a GPU the activations live in GPU memory instead; for a figure that is not
the preallocated pool, run JAX with ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` and
TensorFlow with ``TF_FORCE_GPU_ALLOW_GROWTH=true`` (docs/scaling.md).
Linux only (reads ``/proc/self/status``).
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _rss_mib():
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _device_peak_mib():
    """Peak memory the backend's allocator used on GPU 0; None without a GPU."""
    backend = os.environ["KERAS_BACKEND"]
    if backend == "jax":
        import jax

        device = jax.local_devices()[0]
        if device.platform != "gpu":
            return None
        return round(device.memory_stats()["peak_bytes_in_use"] / 2**20)
    if backend == "torch":
        import torch

        if not torch.cuda.is_available():
            return None
        return round(torch.cuda.max_memory_reserved() / 2**20)
    import tensorflow as tf

    if not tf.config.list_logical_devices("GPU"):
        return None
    return round(tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20)


def child(size, channels, n_images, n_new, updates, batch_size):
    """One case, in this process; prints one JSON line."""
    start_rss = _rss_mib()
    import keras
    import numpy as np

    from gansampler import DCGANOverSampler

    keras.ops.convert_to_numpy(keras.ops.ones(1))  # backend initialised
    import_rss = _rss_mib()
    import_peak = _peak_mib()

    rng = np.random.default_rng(0)
    n_other = 8
    X = rng.integers(
        0, 256, size=(n_other + n_images, size, size, channels), dtype=np.uint8
    )
    y = np.array([0] * n_other + [1] * n_images)
    sampler = DCGANOverSampler(
        sampling_strategy={1: n_images + n_new},
        updates=updates,
        batch_size=batch_size,
        random_state=0,
    )
    t0 = time.perf_counter()
    X_res, _ = sampler.fit_resample(X, y)
    fit_s = time.perf_counter() - t0
    generator = sampler.generators_[1]
    print(
        json.dumps(
            {
                "image": f"{size}x{size}x{channels}",
                "n_images": n_images,
                "n_new": n_new,
                "updates": updates,
                "batch_size": batch_size,
                "python_start_mib": round(start_rss),
                "after_import_mib": round(import_rss),
                "after_import_peak_mib": round(import_peak),
                "peak_mib": round(_peak_mib()),
                "after_fit_mib": round(_rss_mib()),
                "gpu_peak_mib": _device_peak_mib(),
                "data_mib": round((X.nbytes + X_res.nbytes) / 2**20, 1),
                "generator_params": generator.count_params(),
                "fit_s": round(fit_s, 1),
            }
        ),
        flush=True,
    )


def two_workers(size, n_images, n_new, updates):
    """Two classes, two joblib workers; prints one JSON line: ok or the error."""
    import numpy as np

    from gansampler import DCGANOverSampler

    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(8 + 2 * n_images, size, size, 1), dtype=np.uint8)
    y = np.array([0] * 8 + [1] * n_images + [2] * n_images)
    strategy = {1: n_images + n_new, 2: n_images + n_new}
    sampler = DCGANOverSampler(
        sampling_strategy=strategy, updates=updates, n_jobs=2, random_state=0
    )
    t0 = time.perf_counter()
    try:
        sampler.fit_resample(X, y)
        result = "ok"
    except Exception as error:  # reported, not raised: the failure is the finding
        result = f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
    print(
        json.dumps(
            {
                "two_workers": f"{size}x{size}x1",
                "backend": os.environ["KERAS_BACKEND"],
                "XLA_PYTHON_CLIENT_PREALLOCATE": os.environ.get(
                    "XLA_PYTHON_CLIENT_PREALLOCATE"
                ),
                "TF_FORCE_GPU_ALLOW_GROWTH": os.environ.get(
                    "TF_FORCE_GPU_ALLOW_GROWTH"
                ),
                "result": result,
                "s": round(time.perf_counter() - t0, 1),
            }
        ),
        flush=True,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--channels", type=int, nargs="+", default=[1])
    parser.add_argument("--n-images", type=int, default=200)
    parser.add_argument("--n-new", type=int, default=500)
    parser.add_argument("--updates", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--two-workers",
        action="store_true",
        help="fit two classes with n_jobs=2 instead (the first of --sizes)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.two_workers:
        two_workers(args.sizes[0], args.n_images, args.n_new, args.updates)
        return
    if args.child:
        child(
            args.sizes[0],
            args.channels[0],
            args.n_images,
            args.n_new,
            args.updates,
            args.batch_size,
        )
        return
    from importlib.metadata import version

    print(
        f"# {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Keras {version('keras')}, "
        f"backend {os.environ['KERAS_BACKEND']}",
        flush=True,
    )
    for channels in args.channels:
        for size in args.sizes:
            subprocess.run(
                [
                    sys.executable,
                    os.path.abspath(__file__),
                    "--child",
                    "--sizes",
                    str(size),
                    "--channels",
                    str(channels),
                    "--n-images",
                    str(args.n_images),
                    "--n-new",
                    str(args.n_new),
                    "--updates",
                    str(args.updates),
                    "--batch-size",
                    str(args.batch_size),
                ],
                check=True,
            )


if __name__ == "__main__":
    main()
