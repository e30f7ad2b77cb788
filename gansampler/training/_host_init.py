"""Initial weights drawn on the host, for JAX.

On JAX, each of Keras' random initializers compiles a program for every new
weight shape (``jax.random.uniform`` is jitted per shape): a dozen programs,
seconds of a process's first fit, before any training. Building the networks
in a :class:`keras.StatelessScope` that does not initialize their variables,
then giving each variable a value drawn with numpy from the same distribution
(with the initializer's own seed), compiles nothing. Initializers it does not
know are called as Keras would call them.
"""

import math

import keras
import numpy as np
from keras import initializers

__all__ = ["host_initialized"]


def _fans(shape):
    # keras.src.initializers.random_initializers.compute_fans
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_normal(rng, stddev, shape, mean=0.0):
    """Normal values, redrawn until within two standard deviations."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


def _host_value(initializer, shape, dtype):
    """``initializer(shape, dtype)`` drawn with numpy, or None if unknown."""
    if isinstance(initializer, initializers.Zeros):
        return np.zeros(shape)
    if isinstance(initializer, initializers.Ones):
        return np.ones(shape)
    if isinstance(initializer, initializers.Constant):
        return np.full(shape, initializer.value)
    seed = getattr(initializer, "seed", None)
    if not isinstance(seed, int):
        return None
    rng = np.random.default_rng(seed)
    if isinstance(initializer, initializers.VarianceScaling):
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out}.get(
            initializer.mode, (fan_in + fan_out) / 2
        )
        scale = initializer.scale / max(1.0, fan)
        if initializer.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return rng.uniform(-limit, limit, shape)
        if initializer.distribution == "truncated_normal":
            # The standard deviation of a unit normal truncated at +-2.
            return _truncated_normal(rng, math.sqrt(scale) / 0.87962566103423978, shape)
        return math.sqrt(scale) * rng.standard_normal(shape)
    if isinstance(initializer, initializers.TruncatedNormal):
        return _truncated_normal(rng, initializer.stddev, shape, initializer.mean)
    if isinstance(initializer, initializers.RandomNormal):
        return initializer.mean + initializer.stddev * rng.standard_normal(shape)
    if isinstance(initializer, initializers.RandomUniform):
        return rng.uniform(initializer.minval, initializer.maxval, shape)
    return None


def host_initialized(build):
    """Call ``build()``, drawing the initial values of the variables it makes.

    On JAX the variables that ``build`` creates are initialized with values
    drawn on the host (see the module docstring); on the other backends,
    whose initializers compile nothing, ``build`` runs as it is.

    Parameters
    ----------
    build : callable
        Creates Keras layers, models or optimizer state.

    Returns
    -------
    object
        What ``build`` returned.
    """
    if keras.config.backend() != "jax":
        return build()
    from keras.src.backend.common import global_state

    before = list(global_state.get_global_attribute("uninitialized_variables") or [])
    known = {id(v) for v in before}
    with keras.StatelessScope(initialize_variables=False):
        result = build()
    pending = global_state.get_global_attribute("uninitialized_variables") or []
    for variable in [v for v in pending if id(v) not in known]:
        initializer = variable._initializer
        value = _host_value(initializer, variable.shape, variable.dtype)
        if value is None:
            value = initializer(variable.shape, dtype=variable.dtype)
        else:  # cast here: a cast on the device compiles a program per shape
            value = np.asarray(value, dtype=variable.dtype)
        variable._initialize(keras.ops.convert_to_tensor(value))
        variable._initializer = None
    global_state.set_global_attribute("uninitialized_variables", before)
    return result
