"""Across processes, JAX's persistent compilation cache serves the trainer's programs.

On by default in the user's cache folder (docs/user_guide/backends.rst): the
first process that fits writes the compiled training and generation programs
there, the next one reads them instead of compiling. JAX's own
``JAX_COMPILATION_CACHE_DIR`` chooses another folder;
``GANSAMPLER_JAX_CACHE=off`` turns it off.
"""

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


# Cache even the quick compiles of these tiny networks.
EVERY_PROGRAM = {
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
}


def _home(tmp_path):
    """A home and cache folder of the test's own, without JAX's variable."""
    return {
        **EVERY_PROGRAM,
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "JAX_COMPILATION_CACHE_DIR": "",
        "GANSAMPLER_JAX_CACHE": "",
    }


def test_a_second_process_reads_the_programs_the_first_wrote(run_in_backend, tmp_path):
    first = run_in_backend(SCRIPT, "jax", env=_home(tmp_path))
    cache = tmp_path / "cache" / "gansampler" / "jax"  # the user's cache folder
    written = sorted(p.name for p in cache.iterdir())
    assert len(written) >= 2, written  # at least training and generation
    second = run_in_backend(SCRIPT, "jax", env=_home(tmp_path))
    assert first["hits"] == 0
    assert second["hits"] >= 2  # the programs are read back ...
    assert sorted(p.name for p in cache.iterdir()) == written  # ... none new


def test_jax_own_folder_wins_and_the_cache_can_be_turned_off(run_in_backend, tmp_path):
    default = tmp_path / "cache" / "gansampler"
    own = tmp_path / "own"
    run_in_backend(
        SCRIPT, "jax", env={**_home(tmp_path), "JAX_COMPILATION_CACHE_DIR": str(own)}
    )
    assert len(list(own.iterdir())) >= 2
    assert not default.exists()
    off = {**_home(tmp_path), "GANSAMPLER_JAX_CACHE": "off"}
    second = run_in_backend(SCRIPT, "jax", env=off)
    assert second["hits"] == 0
    assert not default.exists()
