"""The GAN train step on JAX: one jitted loop over the batches of a call.

The networks run through ``stateless_call`` and the optimizers through
``stateless_apply``; the trainer keeps all state (trainable and non-trainable
variables of both networks, which include BatchNorm statistics and the Dropout
seed-generator state, and both optimizers' variables) as JAX arrays between
epochs, donated to each epoch call, and writes the generator's state back into
a Keras model only in ``save``.

JAX compiles a program for every new shape of its arguments, 15-25 s each for
128x128 images on an H100. So that one program serves every class and every
call of a fit (and of later fits), the arguments keep their shapes: a class's
images are padded to at least ``MIN_ROWS`` rows (fewer for large images, see
``_rows``) rounded up to a power of two, and the batch indices of a call to a
power of two of at least ``MIN_STEPS`` rows; the loop runs only the call's
real steps (a ``fori_loop`` with the step count as an argument).
"""

import jax
import jax.numpy as jnp
import keras
import numpy as np

from ._base import BaseTrainer
from ._loop import HISTORY_KEYS

__all__ = ["Trainer"]

# The batch indices of a call are padded to at least this many rows.
MIN_STEPS = 64
# A class's images are padded to at least this many rows ...
MIN_ROWS = 1024
# ... unless that would take more than this many bytes on the device.
MAX_PADDED_BYTES = 2**28


def _bce(target, probabilities):
    return jnp.mean(keras.losses.binary_crossentropy(target, probabilities))


def _copy(values):
    # A fresh buffer per value: the trainer donates its state to every epoch
    # call, which must never delete an array a Keras variable still holds.
    return [jnp.array(value, copy=True) for value in values]


class Trainer(BaseTrainer):
    """Trains a generator / discriminator pair; see ``gansampler.training``."""

    def __init__(self, settings):
        super().__init__(settings)
        jit_compile = settings.jit_compile
        generator, discriminator = self.generator, self.discriminator
        # jit_compile=False runs the epoch eagerly (op by op): only useful for
        # debugging, so every other value compiles.
        epoch = self._epoch
        if jit_compile is not False:
            epoch = jax.jit(epoch, donate_argnums=(0,))
        self._run_epoch = epoch
        self._state = None
        self.load(generator, discriminator)

    # -- state ------------------------------------------------------------
    def load(self, generator, discriminator):
        d_fresh, g_fresh = self._fresh_optimizer_state
        self._state = {
            "g_trainable": _copy(v.value for v in generator.trainable_variables),
            "g_non_trainable": _copy(
                v.value for v in generator.non_trainable_variables
            ),
            "d_trainable": _copy(v.value for v in discriminator.trainable_variables),
            "d_non_trainable": _copy(
                v.value for v in discriminator.non_trainable_variables
            ),
            "g_optimizer": _copy(g_fresh),
            "d_optimizer": _copy(d_fresh),
        }

    def save(self, generator):
        state = self._state
        for variables, values in (
            (generator.trainable_variables, state["g_trainable"]),
            (generator.non_trainable_variables, state["g_non_trainable"]),
        ):
            for variable, value in zip(variables, _copy(values), strict=True):
                variable.assign(value)

    def to_device(self, images):
        rows = _rows(len(images), np.prod(np.shape(images)[1:]) * 4)
        padded = np.zeros((rows, *np.shape(images)[1:]), np.float32)
        padded[: len(images)] = images
        return jnp.asarray(padded)

    def run_epoch(self, images, indices, seed):
        n_steps = len(indices)
        rows = _power_of_two(max(n_steps, MIN_STEPS))
        padded = np.zeros((rows, np.shape(indices)[1]), np.int32)
        padded[:n_steps] = indices
        self._state, metrics = self._run_epoch(
            self._state,
            images,
            jnp.asarray(padded, jnp.int32),
            jnp.asarray(n_steps, jnp.int32),
            jnp.asarray(seed, jnp.uint32),
        )
        return np.asarray(metrics)[:n_steps]

    # -- the traced step ----------------------------------------------------
    def _d_loss(self, d_trainable, d_non_trainable, d_opt_state, images, target):
        probabilities, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, images, training=True
        )
        loss = _bce(target, probabilities)
        mapping = list(zip(self.d_optimizer.variables, d_opt_state, strict=True))
        with keras.StatelessScope(state_mapping=mapping):
            scaled = self.d_optimizer.scale_loss(loss)
        return scaled, (loss, probabilities, d_non_trainable)

    def _g_loss(
        self,
        g_trainable,
        g_non_trainable,
        d_trainable,
        d_non_trainable,
        g_opt_state,
        noise,
        target,
    ):
        fake, g_non_trainable = self.generator.stateless_call(
            g_trainable, g_non_trainable, noise, training=True
        )
        probabilities, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, fake, training=True
        )
        loss = _bce(target, probabilities)
        mapping = list(zip(self.g_optimizer.variables, g_opt_state, strict=True))
        with keras.StatelessScope(state_mapping=mapping):
            scaled = self.g_optimizer.scale_loss(loss)
        return scaled, (loss, g_non_trainable, d_non_trainable)

    def _step(self, state, real, noise_d, noise_g):
        d_grad = jax.value_and_grad(self._d_loss, has_aux=True)
        g_grad = jax.value_and_grad(self._g_loss, has_aux=True)
        ones = jnp.ones((real.shape[0], 1), jnp.float32)
        zeros = jnp.zeros_like(ones)
        g_tv, g_ntv = state["g_trainable"], state["g_non_trainable"]
        d_tv, d_ntv = state["d_trainable"], state["d_non_trainable"]
        g_opt, d_opt = state["g_optimizer"], state["d_optimizer"]

        # Discriminator on the real batch.
        (_, (d_loss_real, p_real, d_ntv)), grads = d_grad(
            d_tv, d_ntv, d_opt, real, ones * self.real_target
        )
        d_tv, d_opt = self.d_optimizer.stateless_apply(d_opt, grads, d_tv)

        # Discriminator on a batch of fakes (no gradient into the generator).
        fake, g_ntv = self.generator.stateless_call(g_tv, g_ntv, noise_d, training=True)
        fake = jax.lax.stop_gradient(fake)
        (_, (d_loss_fake, p_fake, d_ntv)), grads = d_grad(
            d_tv, d_ntv, d_opt, fake, zeros
        )
        d_tv, d_opt = self.d_optimizer.stateless_apply(d_opt, grads, d_tv)

        # Generator through the discriminator, target "real".
        (_, (g_loss, g_ntv, d_ntv)), grads = g_grad(
            g_tv, g_ntv, d_tv, d_ntv, g_opt, noise_g, ones
        )
        g_tv, g_opt = self.g_optimizer.stateless_apply(g_opt, grads, g_tv)

        acc_real = jnp.mean((p_real > 0.5).astype(jnp.float32))
        acc_fake = jnp.mean((p_fake < 0.5).astype(jnp.float32))
        metrics = jnp.stack(
            [
                d_loss_real.astype(jnp.float32),
                d_loss_fake.astype(jnp.float32),
                g_loss.astype(jnp.float32),
                acc_real,
                acc_fake,
            ]
        )
        state = {
            "g_trainable": g_tv,
            "g_non_trainable": g_ntv,
            "d_trainable": d_tv,
            "d_non_trainable": d_ntv,
            "g_optimizer": g_opt,
            "d_optimizer": d_opt,
        }
        return state, metrics

    def _keyed_step(self, state, images, batch_indices, key):
        """``_step`` on ``images[batch_indices]``, its noise drawn from ``key``."""
        key_d, key_g = jax.random.split(key)
        shape = (batch_indices.shape[0], self.latent_dim)
        noise_d = jax.random.normal(key_d, shape, jnp.float32)
        noise_g = jax.random.normal(key_g, shape, jnp.float32)
        real = jnp.take(images, batch_indices, axis=0)
        return self._step(state, real, noise_d, noise_g)

    def _epoch(self, state, images, indices, n_steps, seed):
        key = jax.random.key(seed)

        def body(b, carry):
            state, metrics = carry
            batch_key = jax.random.fold_in(key, b)
            state, row = self._keyed_step(state, images, indices[b], batch_key)
            return state, metrics.at[b].set(row)

        metrics = jnp.zeros((indices.shape[0], len(HISTORY_KEYS)), jnp.float32)
        return jax.lax.fori_loop(0, n_steps, body, (state, metrics))


def _power_of_two(n):
    return 1 << max(0, int(n) - 1).bit_length()


def _rows(n_images, image_bytes):
    """Rows a class of ``n_images`` is padded to: a shape shared by most classes."""
    shared = max(1, min(MIN_ROWS, MAX_PADDED_BYTES // max(1, int(image_bytes))))
    return _power_of_two(max(n_images, shared))
