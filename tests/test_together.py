"""``train_classes_together``: the GANs of all classes in one compiled JAX program.

The JAX checks run in one JAX subprocess (the backend is fixed when Keras is
imported, and the default suite runs under TensorFlow); the check that other
backends refuse the option runs here.
"""

import numpy as np
import pytest

from gansampler import DCGANOverSampler
from gansampler.training import METRICS
from gansampler.training._loop import checkpoint_epochs

SCRIPT = r"""
import json, warnings
import numpy as np
import jax, jax.numpy as jnp
import keras
import gansampler._sampler as sampler_module
from gansampler import DCGANOverSampler
from gansampler._seeding import python_random_seeded
from gansampler.architectures import build_gan
from gansampler.training import GANTrainingWarning, train_gans_together
from gansampler.training import _jax

assert keras.config.backend() == "jax", keras.config.backend()
out = {}

# -- the sampler: 'auto' epochs (shortened), two fits with one random_state --
sampler_module.AUTO_UPDATES = 24
rng = np.random.default_rng(0)
X = rng.integers(0, 256, size=(84, 8, 8, 1), dtype=np.uint8)
y = np.array([0] * 48 + [1] * 24 + [2] * 12)

def fit():
    sampler = DCGANOverSampler(
        epochs="auto", batch_size=8, latent_dim=16, generator_filters=8,
        discriminator_filters=8, random_state=3, train_classes_together=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GANTrainingWarning)
        X_res, y_res = sampler.fit_resample(X, y)
    return sampler, X_res, y_res

sampler, X_res, y_res = fit()
_, X_again, y_again = fit()
new = X_res[len(X):]
out["sampler"] = {
    "shape": list(X_res.shape), "dtype": str(X_res.dtype),
    "counts": np.bincount(y_res).tolist(),
    "new_labels": y_res[len(y):].tolist(),
    "originals_kept": bool(np.array_equal(X_res[:len(X)], X)
                           and np.array_equal(y_res[:len(y)], y)),
    "min": int(new.min()), "max": int(new.max()), "std": float(new.std()),
    "history": {str(k): v for k, v in sampler.history_.items()},
    "quality": {str(k): {"chosen_epoch": v["chosen_epoch"],
                         "kernel_distance": v["kernel_distance"],
                         "n_scores": len(v["scores"])}
                for k, v in sampler.quality_.items()},
    "generators": sorted(int(k) for k in sampler.generators_),
    "deterministic": bool(np.array_equal(X_res, X_again)
                          and np.array_equal(y_res, y_again)),
}

# -- train_gans_together directly ------------------------------------------
def pairs():
    built = []
    for seed in (11, 12):
        with python_random_seeded(seed):
            built.append(build_gan(
                "conv", (8, 8, 1), latent_dim=16, generator_filters=8,
                discriminator_filters=8, batch_norm=True, generator_dropout=0.0,
                dtype="float32"))
    return built

def images(nan_class=None):
    r = np.random.default_rng(5)
    data = [r.uniform(-1, 1, (n, 8, 8, 1)).astype(np.float32) for n in (16, 9)]
    if nan_class is not None:
        data[nan_class][:] = np.nan
    return data

def weights(model):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model.weights]

def train(epochs, nan_class=None, stop_b_at=None):
    seen = {0: {}, 1: {}}
    def callback(k):
        def on_checkpoint(epoch, generator, history):
            seen[k][epoch] = (weights(generator), len(history["g_loss"]))
            return stop_b_at is not None and k == 1 and epoch >= stop_b_at
        return on_checkpoint
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        histories = train_gans_together(
            pairs(), images(nan_class),
            d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
            epochs=epochs, batch_size=8,
            rngs=[np.random.default_rng(s) for s in (21, 22)], labels=["a", "b"],
            checkpoint_every=2, on_checkpoint=[callback(0), callback(1)],
        )
    messages = [str(w.message) for w in caught if w.category is GANTrainingWarning]
    return histories, seen, messages

full, full_seen, full_warnings = train([4, 6], stop_b_at=4)
nan, nan_seen, nan_warnings = train([4, 6], nan_class=1)
short, short_seen, _ = train([2, 2])
a_at_2 = full_seen[0][2][0]
a_short = short_seen[0][2][0]
out["direct"] = {
    "full_epochs": [len(h["g_loss"]) for h in full],
    "full_checkpoints": [sorted(full_seen[k]) for k in (0, 1)],
    "full_history_at_checkpoint": [[full_seen[k][e][1] for e in sorted(full_seen[k])]
                                   for k in (0, 1)],
    "full_warnings": full_warnings,
    "nan_epochs": [len(h["g_loss"]) for h in nan],
    "nan_checkpoints": [sorted(nan_seen[k]) for k in (0, 1)],
    "nan_warnings": nan_warnings,
    "nan_a_history_matches": bool(all(
        np.allclose(nan[0][m], full[0][m], rtol=1e-5, atol=1e-6) for m in full[0])),
    "nan_a_weights_match": bool(all(
        np.allclose(a, b, rtol=1e-5, atol=1e-6)
        for a, b in zip(nan_seen[0][4][0], full_seen[0][4][0]))),
    "checkpoint_exact": bool(all(
        np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(a_at_2, a_short))),
    "checkpoint_differs_from_final": bool(any(
        not np.allclose(a, b) for a, b in zip(a_at_2, full_seen[0][4][0]))),
    "short_history_is_prefix": bool(all(
        np.allclose(short[0][m], full[0][m][:2], rtol=1e-5, atol=1e-6)
        for m in full[0])),
}

# -- the runner's compiled chunk: each class's lane is its single-class step --
from gansampler.training._jax_together import _Runner
built = pairs()
runner = _Runner(
    built, images(), 8,
    d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
    jit_compile=True, label_smoothing=0.1,
)
before = jax.tree.map(np.array, runner.state)
seeds = [7, 8]
runner.set_seeds(seeds)
r = np.random.default_rng(9)
indices = np.stack([r.permutation(n)[:8] for n in (16, 9)])[:, None]
# Lane 0 runs step 3 (and captures its generator there); lane 1 is idle.
metrics = runner.run(indices, [3, 5], [4, 5], [4, 0])
single = _jax.Trainer(
    *built[0],
    d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
    batch_size=8, jit_compile=True, label_smoothing=0.1,
)
key_d, key_g = jax.random.split(jax.random.fold_in(jax.random.key(seeds[0]), 3))
lane_state = jax.tree.map(lambda leaf: jnp.asarray(leaf[0]), before)
expected_state, expected_metrics = jax.jit(single._step)(
    lane_state,
    jnp.asarray(images()[0][indices[0, 0]]),
    jax.random.normal(key_d, (8, 16), jnp.float32),
    jax.random.normal(key_g, (8, 16), jnp.float32),
)
# Adam moves a weight by about its learning rate whatever the gradient's size,
# so a gradient that is 0 up to rounding (a convolution's bias ahead of
# BatchNorm) may step either way: weights agree to twice the learning rate,
# everything else (metrics, moments, BatchNorm statistics) closely.
close = bool(np.allclose(metrics[0, 0], expected_metrics, rtol=1e-4, atol=1e-5))
for part in before:
    tolerance = 2e-3 if part in ("g_trainable", "d_trainable") else 1e-5
    for a, b in zip(runner.state[part], expected_state[part]):
        close &= bool(np.allclose(a[0], b, rtol=1e-4, atol=tolerance))
captured_close = all(
    np.array_equal(c[0], s[0])
    for part in ("g_trainable", "g_non_trainable")
    for c, s in zip(runner.captured[part], runner.state[part])
)
out["lane_equals_single"] = close
out["lane_changed"] = bool(any(
    not np.array_equal(a[0], b[0])
    for a, b in zip(runner.state["g_trainable"], before["g_trainable"])))
out["idle_lane_unchanged"] = bool(all(
    np.array_equal(np.asarray(a)[1], b[1])
    for part in before for a, b in zip(runner.state[part], before[part])))
out["idle_lane_metrics_zero"] = bool(not np.any(metrics[1]))
out["capture_is_step_state"] = bool(captured_close)
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def jax_results(tmp_path_factory, run_in_backend):
    # The fits of one shape compile the same programs: JAX's persistent cache
    # compiles each once (a third of this module's time on a CPU).
    cache = {
        "JAX_COMPILATION_CACHE_DIR": str(tmp_path_factory.mktemp("jax_cache")),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
    }
    return run_in_backend(SCRIPT, "jax", env=cache)


def test_output_shapes_counts_and_range(jax_results):
    r = jax_results["sampler"]
    assert r["shape"] == [144, 8, 8, 1]
    assert r["dtype"] == "uint8"
    assert r["counts"] == [48, 48, 48]
    # New rows class by class in sampling_strategy_ order, after the originals.
    assert r["new_labels"] == [1] * 24 + [2] * 36
    assert r["originals_kept"]
    assert 0 <= r["min"] <= r["max"] <= 255
    assert r["std"] > 0, "the generators produced constant images"
    assert r["generators"] == [1, 2]


def test_each_class_trains_its_own_planned_epochs(jax_results):
    # Class 1: 24 images, 5 held back, 19 trained on; class 2: 12, 2 held
    # back, 10. One batch size for both: min(8, 10) = 8, so 2 and 1 batches
    # an epoch and, with AUTO_UPDATES=24, 12 and 24 epochs.
    history = jax_results["sampler"]["history"]
    assert {k: len(v["g_loss"]) for k, v in history.items()} == {"1": 12, "2": 24}
    for h in history.values():
        assert set(h) == set(METRICS)
        for name, values in h.items():
            assert np.all(np.isfinite(values)), name
            if name.startswith("d_acc"):
                assert np.all((np.array(values) >= 0) & (np.array(values) <= 1))


def test_quality_per_class(jax_results):
    quality = jax_results["sampler"]["quality"]
    history = jax_results["sampler"]["history"]
    assert set(quality) == {"1", "2"}
    for label, q in quality.items():
        epochs = len(history[label]["g_loss"])
        assert q["n_scores"] == len(checkpoint_epochs(epochs))  # 6 and 8
        assert q["chosen_epoch"] in checkpoint_epochs(epochs)
        assert q["kernel_distance"] is not None


def test_deterministic_for_int_random_state(jax_results):
    assert jax_results["sampler"]["deterministic"]


def test_checkpoints_per_class(jax_results):
    r = jax_results["direct"]
    # Class b is stopped by its checkpoint callback at epoch 4 (of 6).
    assert r["full_epochs"] == [4, 4]
    assert r["full_checkpoints"] == [[2, 4], [2, 4]]
    assert r["full_history_at_checkpoint"] == [[2, 4], [2, 4]]
    assert r["full_warnings"] == []


def test_checkpoint_sees_the_weights_of_its_epoch(jax_results):
    r = jax_results["direct"]
    assert r["checkpoint_exact"]
    assert r["checkpoint_differs_from_final"]
    assert r["short_history_is_prefix"]


def test_a_failing_class_stops_alone(jax_results):
    r = jax_results["direct"]
    # Class b's images are NaN: its first epoch fails and it stops there.
    assert r["nan_epochs"] == [4, 0]
    assert r["nan_checkpoints"] == [[2, 4], []]
    assert len(r["nan_warnings"]) == 1
    assert "GAN of class 'b', epoch 1: NaN or infinite loss" in r["nan_warnings"][0]
    # The other class trains on, exactly as when class b is healthy.
    assert r["nan_a_history_matches"]
    assert r["nan_a_weights_match"]


def test_each_lane_runs_the_single_class_step(jax_results):
    assert jax_results["lane_changed"]
    assert jax_results["lane_equals_single"]
    assert jax_results["capture_is_step_state"]


def test_an_idle_lane_is_left_exactly_as_it_was(jax_results):
    assert jax_results["idle_lane_unchanged"]
    assert jax_results["idle_lane_metrics_zero"]


def _tiny_data():
    X = np.zeros((30, 8, 8, 1), np.uint8)
    return X, np.array([0] * 20 + [1] * 10)


def test_other_backends_refuse_the_option(monkeypatch):
    import gansampler.training as training

    monkeypatch.setattr(training, "backend", lambda: "tensorflow")
    sampler = DCGANOverSampler(epochs=1, train_classes_together=True)
    with pytest.raises(ValueError, match="KERAS_BACKEND=jax") as error:
        sampler.fit_resample(*_tiny_data())
    assert "'tensorflow'" in str(error.value)
    assert not hasattr(sampler, "generators_")


def test_running_backend_refuses_unless_jax():
    import keras

    sampler = DCGANOverSampler(epochs=1, train_classes_together=True)
    if keras.config.backend() == "jax":  # the subprocess checks cover it
        return
    with pytest.raises(ValueError, match=keras.config.backend()):
        sampler.fit_resample(*_tiny_data())


def test_parameter_is_validated():
    with pytest.raises(ValueError, match="train_classes_together"):
        DCGANOverSampler(train_classes_together="yes").fit_resample(*_tiny_data())
    assert DCGANOverSampler().get_params()["train_classes_together"] is False
