"""The sampler on each Keras backend: parity, determinism and mixed precision.

The backend is fixed when Keras is imported, so every backend runs in its own
Python process. A backend that cannot be imported fails these tests (CI
installs TensorFlow, JAX and PyTorch).
"""

import numpy as np
import pytest

BACKENDS = ("tensorflow", "jax", "torch")

# One process per backend runs every fit of this module: a float32 fit of the
# article's recipe twice with the same random_state, a float16 and a bfloat16
# fit, and the data-efficient techniques together (hinge loss, augmentation,
# EMA, resize upsampling) twice.
SCRIPT = r"""
import json, sys, warnings
import numpy as np
import keras
from gansampler import DCGANOverSampler
from gansampler.recipes import ARTICLE

assert keras.config.backend() == sys.argv[1], keras.config.backend()
rng = np.random.default_rng(0)
X = rng.integers(0, 256, size=(96, 8, 8, 1), dtype=np.uint8)
y = np.array([0] * 64 + [1] * 32)
out = {"backend": keras.config.backend()}
UPDATES = 15  # class 1 trains on 26 images in 3 batches: 5 epochs

TECHNIQUES = dict(loss="hinge", label_smoothing=0.0,
                  augmentation="translation,cutout", generator_ema=0.99,
                  upsampling="resize", discriminator_norm="none")

def fit(precision, updates=UPDATES, **techniques):
    sampler = DCGANOverSampler(
        **{**ARTICLE, **techniques}, updates=updates, batch_size=8,
        precision=precision, random_state=7,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_res, y_res = sampler.fit_resample(X, y)
    return sampler, X_res, y_res

sampler, X_res, y_res = fit("float32")
_, X_again, y_again = fit("float32")
new = X_res[len(X):]
out["float32"] = {
    "shape": list(X_res.shape), "dtype": str(X_res.dtype),
    "n_new": int((y_res[len(y):] == 1).sum()),
    "originals_kept": bool(np.array_equal(X_res[: len(X)], X)),
    "min": int(new.min()), "max": int(new.max()), "std": float(new.std()),
    "history": {k: v for k, v in sampler.history_[1].items()},
    "deterministic": bool(np.array_equal(X_res, X_again) and np.array_equal(y_res, y_again)),
}
for precision in ("float16", "bfloat16"):
    s, X_p, _ = fit(precision, updates=1)
    h = s.history_[1]
    out[precision] = {
        "shape": list(X_p.shape), "dtype": str(X_p.dtype),
        "epochs_trained": len(h["g_loss"]),
        "finite": bool(all(np.isfinite(v).all() for v in h.values())),
    }
s, X_d, _ = fit("float32", **TECHNIQUES)
_, X_d_again, _ = fit("float32", **TECHNIQUES)
out["default"] = {
    "settings": {k: v for k, v in s.settings_.items() if k in ("loss", "augmentation")},
    "history": {k: v for k, v in s.history_[1].items()},
    "deterministic": bool(np.array_equal(X_d, X_d_again)),
    "std": float(X_d[len(X):].std()),
}
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def results(run_in_backend):
    # The three processes run side by side: each is mostly single-threaded
    # compilation and small kernels.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(BACKENDS)) as pool:
        runs = pool.map(
            lambda backend: run_in_backend(SCRIPT, backend, backend, timeout=300),
            BACKENDS,
        )
        return dict(zip(BACKENDS, runs, strict=True))


@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_shapes_and_range(results, backend):
    r = results[backend]["float32"]
    assert results[backend]["backend"] == backend
    assert r["shape"] == [128, 8, 8, 1]
    assert r["dtype"] == "uint8"
    assert r["n_new"] == 32
    assert r["originals_kept"]
    assert r["std"] > 0, "the generator produced constant images"
    for name, values in r["history"].items():
        assert len(values) == 5, name
        assert np.all(np.isfinite(values)), name
        if name.startswith("d_acc"):
            assert np.all((np.array(values) >= 0) & (np.array(values) <= 1)), name


@pytest.mark.parametrize("backend", BACKENDS)
def test_deterministic_for_int_random_state(results, backend):
    assert results[backend]["float32"]["deterministic"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("precision", ["float16", "bfloat16"])
def test_mixed_precision_fit(results, backend, precision):
    r = results[backend][precision]
    assert r["shape"] == [128, 8, 8, 1]
    assert r["dtype"] == "uint8"
    assert r["epochs_trained"] == 1
    assert r["finite"]


def test_losses_agree_across_backends(results):
    """Same networks, same recipe: the losses must be of the same magnitude."""
    for name in ("d_loss_real", "d_loss_fake", "g_loss"):
        means = {
            b: float(np.mean(results[b]["float32"]["history"][name])) for b in BACKENDS
        }
        assert all(0 < m < 10 for m in means.values()), (name, means)
        assert max(means.values()) <= 3 * min(means.values()), (name, means)


@pytest.mark.parametrize("backend", BACKENDS)
def test_data_efficient_techniques_train_on_every_backend(results, backend):
    r = results[backend]["default"]
    assert r["settings"]["loss"] == "hinge" and r["settings"]["augmentation"]
    assert r["deterministic"]
    assert r["std"] > 0
    for name, values in r["history"].items():
        assert len(values) == 5 and np.all(np.isfinite(values)), name
    for name in ("d_loss_real", "d_loss_fake"):  # hinge losses are >= 0
        assert np.all(np.array(r["history"][name]) >= 0), name


def test_data_efficient_techniques_agree_across_backends(results):
    for name in ("d_loss_real", "d_loss_fake"):
        means = {
            b: float(np.mean(results[b]["default"]["history"][name])) for b in BACKENDS
        }
        assert all(0 < m < 10 for m in means.values()), (name, means)
        assert max(means.values()) <= 3 * min(means.values()), (name, means)
    g = [float(np.mean(results[b]["default"]["history"]["g_loss"])) for b in BACKENDS]
    assert max(g) - min(g) < 2.0, g
