"""The GAN train step on JAX: one jitted loop over the batches of a call.

The networks run through ``stateless_call`` and the optimizers through
``stateless_apply``; the trainer keeps all state (trainable and non-trainable
variables of both networks, which include BatchNorm statistics and the Dropout
seed-generator state, both optimizers' variables, the generator's moving
average and the discriminator's gradient mask) as JAX arrays between calls,
donated to each call, and writes it back into Keras models only in ``save``.

A first fit in a fresh process is mostly compilation, so the trainer compiles
two programs and nothing else: the training call and the generation of a
chunk of images (which the checkpoints and the final sampling share). State
moves between Keras variables and the trainer through host arrays, which
needs no compiled program (``jnp.array`` copies would compile one per shape).

JAX compiles a program for every new shape of its arguments. So that the two
programs serve every class and every call of a fit (and of later fits), the
arguments keep their shapes: a class's images are padded to at least
``MIN_ROWS`` rows (fewer for large images, see ``_rows``) rounded up to a
power of two, the batch indices of a call to a power of two of at least
``MIN_STEPS`` rows, and the noise of a generation call to ``GENERATION_CHUNK``
rows; the loop runs only the call's real steps (a ``fori_loop`` with the step
count as an argument).
"""

import os

import jax
import jax.numpy as jnp
import keras
import numpy as np

from .._history import HISTORY_KEYS
from ._base import GENERATION_CHUNK, BaseTrainer
from ._losses import accuracy, discriminator_loss, generator_loss

__all__ = ["Trainer"]

# Set to "off" (or "0", "false", "no") for no persistent compilation cache.
CACHE_VARIABLE = "GANSAMPLER_JAX_CACHE"
CACHE_OFF = {"off", "0", "false", "no"}


def compilation_cache_folder():
    """The folder of JAX's persistent compilation cache this process should use.

    JAX's own setting (``JAX_COMPILATION_CACHE_DIR`` or
    ``jax.config.update("jax_compilation_cache_dir", ...)``) wins; otherwise
    ``gansampler/jax`` in the user's cache folder (``XDG_CACHE_HOME``, or
    ``~/.cache``), unless ``GANSAMPLER_JAX_CACHE=off``.

    Returns
    -------
    str or None
        The folder; None for no cache.
    """
    own = jax.config.jax_compilation_cache_dir
    if own:
        return own
    if os.environ.get(CACHE_VARIABLE, "").strip().lower() in CACHE_OFF:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "gansampler", "jax")


def use_compilation_cache():
    """Let the programs this process compiles be stored and read back.

    A process that follows another with the same networks then loads the
    compiled training and generation programs instead of compiling them (JAX
    stores only programs that took at least a second to compile).
    """
    folder = compilation_cache_folder()
    if folder and folder != jax.config.jax_compilation_cache_dir:
        jax.config.update("jax_compilation_cache_dir", folder)


# The batch indices of a call are padded to at least this many rows.
MIN_STEPS = 64
# A class's images are padded to at least this many rows ...
MIN_ROWS = 1024
# ... unless that would take more than this many bytes on the device.
MAX_PADDED_BYTES = 2**28


def _to_device(values):
    # Fresh device buffers from host copies: the trainer donates its state to
    # every call, which must never delete an array a Keras variable holds.
    return [jnp.asarray(np.asarray(value)) for value in values]


class Trainer(BaseTrainer):
    """Trains a generator / discriminator pair; see ``gansampler.training``."""

    def __init__(self, settings):
        use_compilation_cache()
        super().__init__(settings)
        # jit_compile=False runs eagerly (op by op): only useful for
        # debugging, so every other value compiles.
        epoch, sample = self._epoch, self._sample
        if settings.jit_compile is not False:
            epoch = jax.jit(epoch, donate_argnums=(0,))
            sample = jax.jit(sample)
        self._run_epoch = epoch
        self._run_sample = sample
        self._state = None
        self.load(self.generator, self.discriminator)

    # -- state ------------------------------------------------------------
    def load(self, generator, discriminator, frozen_blocks=0):
        d_fresh, g_fresh = self._fresh_optimizer_state
        g_trainable = [v.value for v in generator.trainable_variables]
        self._state = {
            "g_trainable": _to_device(g_trainable),
            "g_non_trainable": _to_device(
                v.value for v in generator.non_trainable_variables
            ),
            "d_trainable": _to_device(
                v.value for v in discriminator.trainable_variables
            ),
            "d_non_trainable": _to_device(
                v.value for v in discriminator.non_trainable_variables
            ),
            "g_optimizer": _to_device(g_fresh),
            "d_optimizer": _to_device(d_fresh),
            "g_average": _to_device(g_trainable if self.ema else ()),
            "d_mask": _to_device(self.trainable_mask(frozen_blocks)),
        }

    def save(self, generator, discriminator=None, average=True):
        state = self._state
        pairs = []
        if generator is not None:
            g_trainable = state["g_average"] if self.ema and average else None
            pairs += [
                (generator.trainable_variables, g_trainable or state["g_trainable"]),
                (generator.non_trainable_variables, state["g_non_trainable"]),
            ]
        if discriminator is not None:
            pairs += [
                (discriminator.trainable_variables, state["d_trainable"]),
                (discriminator.non_trainable_variables, state["d_non_trainable"]),
            ]
        for variables, values in pairs:
            for variable, value in zip(variables, values, strict=True):
                variable.assign(np.asarray(value))

    def to_device(self, images):
        rows = _rows(len(images), np.prod(np.shape(images)[1:]) * 4)
        padded = np.zeros((rows, *np.shape(images)[1:]), np.float32)
        padded[: len(images)] = images
        return jnp.asarray(padded)

    def run_epoch(self, images, indices, seed, first_batch=0):
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
            jnp.asarray(first_batch, jnp.int32),
        )
        return np.asarray(metrics)[:n_steps]

    def _generate_chunk(self, generator, noise):
        # Padded to GENERATION_CHUNK rows: one compiled program for every call.
        trainable = [v.value for v in generator.trainable_variables]
        non_trainable = [v.value for v in generator.non_trainable_variables]
        padded = np.zeros((GENERATION_CHUNK, noise.shape[1]), np.float32)
        padded[: len(noise)] = noise
        images = self._run_sample(trainable, non_trainable, padded)
        return np.asarray(images, np.float32)[: len(noise)]

    # -- the traced programs ----------------------------------------------
    def _sample(self, trainable, non_trainable, noise):
        images, _ = self.generator.stateless_call(
            trainable, non_trainable, noise, training=False
        )
        return images

    def _scaled(self, optimizer, optimizer_state, loss):
        mapping = list(zip(optimizer.variables, optimizer_state, strict=True))
        with keras.StatelessScope(state_mapping=mapping):
            return optimizer.scale_loss(loss)

    def _d_loss(self, d_trainable, d_non_trainable, d_opt, images, real):
        score, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, images, training=True
        )
        loss = discriminator_loss(self.loss, score, real, self.real_target)
        scaled = self._scaled(self.d_optimizer, d_opt, loss)
        return scaled, (loss, score, d_non_trainable)

    def _fake_loss(self, fake, d_state, g_opt, u):
        """The generator's loss as a function of its images."""
        d_trainable, d_non_trainable = d_state
        if self.augment:
            fake = self.augment(fake, u)
        score, d_non_trainable = self.discriminator.stateless_call(
            d_trainable, d_non_trainable, fake, training=True
        )
        loss = generator_loss(self.loss, score)
        scaled = self._scaled(self.g_optimizer, g_opt, loss)
        return scaled, (loss, d_non_trainable)

    def _g_loss(self, g_trainable, g_non_trainable, d_state, g_opt, noise, u):
        fake, g_non_trainable = self.generator.stateless_call(
            g_trainable, g_non_trainable, noise, training=True
        )
        scaled, (loss, d_non_trainable) = self._fake_loss(fake, d_state, g_opt, u)
        return scaled, (loss, g_non_trainable, d_non_trainable)

    def _d_update(self, state, images, real):
        d_grad = jax.value_and_grad(self._d_loss, has_aux=True)
        (_, (loss, score, d_ntv)), grads = d_grad(
            state["d_trainable"],
            state["d_non_trainable"],
            state["d_optimizer"],
            images,
            real,
        )
        grads = [g * m for g, m in zip(grads, state["d_mask"], strict=True)]
        d_tv, d_opt = self.d_optimizer.stateless_apply(
            state["d_optimizer"], grads, state["d_trainable"]
        )
        state = {
            **state,
            "d_trainable": d_tv,
            "d_non_trainable": d_ntv,
            "d_optimizer": d_opt,
        }
        return state, loss, score

    def _step(self, state, real, noise_d, noise_g, u):
        if self.augment:
            real = self.augment(real, u[0])

        # Discriminator on the real batch.
        state, d_loss_real, score_real = self._d_update(state, real, True)

        # Discriminator on a batch of fakes (no gradient into the generator).
        g_tv = state["g_trainable"]
        if self.settings.reuse_fakes:
            # The same fakes serve the generator's update below: keep the
            # generator's backward pass (its weights do not change in between).
            fake, g_backward, g_ntv = jax.vjp(
                lambda tv: self.generator.stateless_call(
                    tv, state["g_non_trainable"], noise_d, training=True
                ),
                g_tv,
                has_aux=True,
            )
        else:
            fake, g_ntv = self.generator.stateless_call(
                g_tv, state["g_non_trainable"], noise_d, training=True
            )
        state = {**state, "g_non_trainable": g_ntv}
        seen = jax.lax.stop_gradient(fake)
        if self.augment:
            seen = self.augment(seen, u[1])
        state, d_loss_fake, score_fake = self._d_update(state, seen, False)

        # Generator through the discriminator, target "real".
        u_g = None if u is None else u[2]
        d_state = (state["d_trainable"], state["d_non_trainable"])
        if self.settings.reuse_fakes:
            fake_grad = jax.value_and_grad(self._fake_loss, has_aux=True)
            (_, (g_loss, d_ntv)), grad_fake = fake_grad(
                fake, d_state, state["g_optimizer"], u_g
            )
            (grads,) = g_backward(grad_fake)
        else:
            g_grad = jax.value_and_grad(self._g_loss, has_aux=True)
            (_, (g_loss, g_ntv, d_ntv)), grads = g_grad(
                g_tv, g_ntv, d_state, state["g_optimizer"], noise_g, u_g
            )
        g_tv, g_opt = self.g_optimizer.stateless_apply(
            state["g_optimizer"], grads, g_tv
        )
        average = state["g_average"]
        if self.ema:
            decay = self.ema
            average = [
                decay * a + (1 - decay) * w for a, w in zip(average, g_tv, strict=True)
            ]

        metrics = jnp.stack(
            [
                d_loss_real.astype(jnp.float32),
                d_loss_fake.astype(jnp.float32),
                g_loss.astype(jnp.float32),
                accuracy(score_real, True),
                accuracy(score_fake, False),
            ]
        )
        state = {
            **state,
            "g_trainable": g_tv,
            "g_non_trainable": g_ntv,
            "d_non_trainable": d_ntv,
            "g_optimizer": g_opt,
            "g_average": average,
        }
        return state, metrics

    def _keyed_step(self, state, images, batch_indices, key):
        """``_step`` on ``images[batch_indices]``, its randomness from ``key``."""
        key_d, key_g, key_u = jax.random.split(key, 3)
        shape = (batch_indices.shape[0], self.latent_dim)
        noise_d = jax.random.normal(key_d, shape, jnp.float32)
        noise_g = jax.random.normal(key_g, shape, jnp.float32)
        u = None
        if self.augment:
            u = jax.random.uniform(
                key_u, (3, shape[0], self.augment.n_random), jnp.float32
            )
        real = jnp.take(images, batch_indices, axis=0)
        return self._step(state, real, noise_d, noise_g, u)

    def _epoch(self, state, images, indices, n_steps, seed, first_batch):
        key = jax.random.key(seed)

        def body(b, carry):
            state, metrics = carry
            # The noise depends on the batch's place in the whole call, so
            # that a call cut into parts trains as the whole call does.
            batch_key = jax.random.fold_in(key, first_batch + b)
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
