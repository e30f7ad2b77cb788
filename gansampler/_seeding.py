"""Seeds: the bound of every seed drawn, and Keras' layer seeds drawn without
touching the caller's random state."""

import contextlib
import random
import threading

try:  # where Keras 3 draws default seeds: `python_random.randint(1, 10**9)`
    from keras.src.random import seed_generator as _keras_seed_generator
except ImportError:  # pragma: no cover - a Keras that moved it
    _keras_seed_generator = None

__all__ = ["MAX_SEED", "python_random_seeded"]

#: Seeds drawn from a random state lie in ``[0, MAX_SEED)``: the largest int32,
#: which every backend and NumPy's legacy ``RandomState`` accept as a seed.
MAX_SEED = 2**31 - 1

_KERAS_DRAWS_FROM_RANDOM = (
    getattr(_keras_seed_generator, "python_random", None) is random
)
_lock = threading.RLock()


@contextlib.contextmanager
def python_random_seeded(seed=None):
    """Run a block with Keras' default seeds drawn from ``random.seed(seed)``.

    Keras 3 draws the seeds of unseeded initializers and dropout layers from
    Python's :mod:`random`; seeding it only while networks are built makes those
    seeds reproducible without a global side effect. ``seed=None`` only keeps
    the caller's state unchanged by the block.

    With an int ``seed``, Keras draws from a private ``random.Random(seed)``
    (the same numbers as after ``random.seed(seed)``) rather than from the
    shared module: other threads that draw from it meanwhile, such as a
    dask.distributed worker's event loop (a few draws a second), would
    otherwise change the seeds and make the networks depend on timing.

    Parameters
    ----------
    seed : int or None, default=None
        Seed of the draws inside the block; None draws as usual but restores
        the caller's state of :mod:`random` afterwards.

    Returns
    -------
    contextmanager
        Use it in a ``with`` statement; it yields nothing.

    Examples
    --------
    >>> import random
    >>> import keras
    >>> from gansampler._seeding import python_random_seeded
    >>> def kernel():
    ...     with python_random_seeded(0):
    ...         layer = keras.layers.Dense(2)
    ...         layer.build((None, 3))
    ...     return keras.ops.convert_to_numpy(layer.kernel)
    >>> bool((kernel() == kernel()).all())
    True
    >>> state = random.getstate()
    >>> with python_random_seeded(0):
    ...     layer = keras.layers.Dense(2)
    ...     layer.build((None, 3))
    >>> random.getstate() == state  # the caller's random is left as it was
    True
    """
    with _lock:
        if seed is not None and _KERAS_DRAWS_FROM_RANDOM:
            _keras_seed_generator.python_random = random.Random(seed)
            try:
                yield
            finally:
                _keras_seed_generator.python_random = random
            return
        state = random.getstate()
        if seed is not None:
            random.seed(seed)
        try:
            yield
        finally:
            random.setstate(state)
