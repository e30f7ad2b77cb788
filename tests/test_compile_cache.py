"""Across processes, JAX's persistent compilation cache serves the trainer's programs.

Opt-in with JAX's own environment variable, ``JAX_COMPILATION_CACHE_DIR``
(docs/user_guide/backends.rst): the first process that fits writes the
compiled training and generation programs there, the next one reads them
instead of compiling. Without the variable nothing is written.
"""

import os

SCRIPT = r"""
import json, warnings
import numpy as np
import jax

hits = []
jax.monitoring.register_event_listener(
    lambda event, **kw: hits.append(event) if event.endswith("cache_hits") else None
)
from gansampler import DCGANOverSampler

rng = np.random.default_rng(0)
X = rng.integers(0, 256, size=(40, 8, 8, 1), dtype=np.uint8)
y = np.array([0] * 30 + [1] * 10)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    DCGANOverSampler(updates=2, latent_dim=8, generator_filters=4,
                     discriminator_filters=4, random_state=0).fit_resample(X, y)
print("RESULT " + json.dumps({"hits": len(hits)}))
"""


def test_a_second_process_reads_the_programs_the_first_wrote(run_in_backend, tmp_path):
    cache = tmp_path / "jax-cache"
    env = {
        "JAX_COMPILATION_CACHE_DIR": str(cache),
        # Cache even the quick compiles of these tiny networks.
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
    }
    first = run_in_backend(SCRIPT, "jax", env=env)
    written = sorted(p.name for p in cache.iterdir())
    assert len(written) >= 2, written  # at least training and generation
    second = run_in_backend(SCRIPT, "jax", env=env)
    assert first["hits"] == 0
    assert second["hits"] >= 2  # the programs are read back ...
    assert sorted(p.name for p in cache.iterdir()) == written  # ... none new


def test_nothing_is_written_without_the_variable(run_in_backend, tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    before = set(os.listdir(tmp_path))
    run_in_backend(SCRIPT, "jax", env=env)
    assert not any("jax" in name for name in set(os.listdir(tmp_path)) - before)
