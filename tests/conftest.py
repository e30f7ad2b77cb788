import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Under pytest-xdist (.ci/run: two processes on two cores), one OpenMP thread
# per process, for it and the programs it starts: PyTorch's threads otherwise
# wait for each other by spinning, and its part of the suite took 163 s
# instead of 36 s.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
# JAX's compilation cache in the repository's ignored .pytest_cache, not in
# the user's own cache folder (the tests of the default folder set their own).
os.environ.setdefault(
    "JAX_COMPILATION_CACHE_DIR", str(REPO / ".pytest_cache" / "gansampler-jax")
)

import numpy as np  # noqa: E402  (after OMP_NUM_THREADS, which it reads)
import pytest  # noqa: E402


def _run_in_backend(script, backend, *args, env=None, timeout=600):
    """Run ``script`` in a fresh Python on ``backend``; its ``RESULT {json}`` line.

    The backend is fixed when Keras is imported, so a backend other than the
    suite's runs in its own process. The GPU is hidden: results must not
    depend on the machine the tests run on.
    """
    full_env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(REPO)}
    full_env["CUDA_VISIBLE_DEVICES"] = full_env.get("CUDA_VISIBLE_DEVICES", "")
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, (
        f"the {backend} process failed (exit {proc.returncode}):\n"
        f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    )
    return json.loads(lines[-1][len("RESULT ") :])


@pytest.fixture(scope="session")
def run_in_backend():
    """``run_in_backend(script, backend, *args, env=None, timeout=600) -> dict``."""
    return _run_in_backend


#: The networks of a small DC-GAN for the tests: a fit of a few epochs on
#: 8x8 images takes about a second. Tests add the budget (and batch size) they
#: need: ``DCGANOverSampler(**SMALL_GAN, updates=2)``. A class of ``n``
#: training images at batch size ``b`` trains ``ceil(updates / (n // b))``
#: epochs; ``updates=1`` is always one epoch.
SMALL_GAN = dict(latent_dim=16, generator_filters=8, discriminator_filters=8)

#: Smaller still, for tests that need a GAN to run, not to learn.
TINY_GAN = dict(latent_dim=8, generator_filters=4, discriminator_filters=4)

#: A whole sampler that trains one epoch of the smallest networks and scores
#: no checkpoint: for tests of what a fit does with its input and its state.
ONE_EPOCH_GAN = dict(
    updates=1,
    batch_size=8,
    latent_dim=4,
    generator_filters=4,
    discriminator_filters=4,
    validation_fraction=None,
    random_state=0,
)


def digits_subset(counts):
    """The first ``n`` 8x8 digits of each class ``c`` of ``counts`` ``{c: n}``.

    Returns ``(X, y)``: X of shape ``(sum(n), 8, 8, 1)`` with scikit-learn's
    values 0-16, class by class in the order of ``counts``.
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    keep = np.concatenate([np.flatnonzero(y == c)[:n] for c, n in counts.items()])
    return X[keep].reshape(-1, 8, 8, 1), y[keep]


def unit_digits():
    """All 1,797 8x8 digits as images ``(n, 8, 8, 1)``, float32 in ``[0, 1]``
    (scikit-learn's 0-16 divided by 16, exact), and their labels."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32).reshape(-1, 8, 8, 1), y
