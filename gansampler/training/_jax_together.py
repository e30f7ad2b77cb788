"""The GANs of several classes in one compiled program on JAX.

Each class keeps its own networks, optimizer state, images, shuffled epochs,
noise, number of epochs, checkpoints and failure checks, as with
:func:`train_gan`; only the compiled program is shared. Every class uses one
batch shape, ``batch_size`` capped at the smallest class. The batch order and
noise are drawn differently from :func:`train_gan` (per class: a noise seed,
then all its shuffled epochs), so the same seeds give reproducible but not
identical results. Every class's state is built as ``_jax.Trainer.load``
builds it, then every state leaf is stacked along a new leading class axis.
One compiled call runs ``steps_per_call`` steps of every class in a
``lax.scan``; each step loops over the classes with ``lax.map`` and runs the
single-class train step (``_jax.Trainer._step``) on each class's slice of the
stacked state. A class that has finished, diverged or been stopped by its
checkpoint callback is masked (its state is kept unchanged) while the others
run on; its lane still computes, so classes of about the same number of
updates (``epochs='auto'``) suit the mode best.

Why a loop over the classes and not ``jax.vmap``: vmapping a convolution over
its weights turns it into a grouped convolution, and on an H100 the vmapped
step of three classes took 3.6 times as long as three single-class steps
(128x128, bfloat16, batch 32: 53.6 ms against 14.7 ms;
``benchmarks/profile_together.py``, docs/scaling.md). The loop keeps plain
convolutions and traces the step once, whatever the number of classes.

Checkpoints are exact: a class's generator state is captured on the device
right after the step that ends its checkpoint epoch, and a class never runs
past its second checkpoint in one call, so each checkpoint sees the weights of
exactly that epoch. Failures (NaN losses, a collapsed discriminator) are
found from the epoch means after each call, as :func:`train_gan` finds them.

The images of all classes are padded to the largest class and kept on the
device, ``(K, N_max, H, W, C)`` float32: the mode is meant for classes of few
images.
"""

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax
from ._loop import (
    STEPS_PER_CALL,
    EpochRecord,
    _batch_indices,
    checkpoint_epochs,
    common_batch_size,
)

__all__ = ["train_gans_together"]

_GENERATOR_KEYS = ("g_trainable", "g_non_trainable")


def train_gans_together(
    pairs,
    images,
    *,
    d_optimizer,
    g_optimizer,
    epochs,
    batch_size,
    rngs,
    labels,
    jit_compile=True,
    label_smoothing=0.0,
    verbose=0,
    checkpoint_every=None,
    on_checkpoint=None,
    steps_per_call=STEPS_PER_CALL,
):
    """Train the GANs of several classes at once; see the module docstring.

    Parameters
    ----------
    pairs : list of (keras.Model, keras.Model)
        Per class, its freshly built ``(generator, discriminator)``, all of one
        architecture. Each generator receives its class's weights at each of
        the class's checkpoints (after a divergence it keeps those of the last
        checkpoint before it, as with :func:`train_gan`).
    images : list of ndarray
        Per class, its training samples, float32 in ``[-1, 1]``, all of one
        sample shape. They are padded to the largest class and stay on the
        device for the whole run.
    d_optimizer, g_optimizer : keras.optimizers.Optimizer
        Unbuilt optimizers; every class starts from their fresh state.
    epochs : list of int
        Per class, its number of epochs.
    batch_size : int
        Capped at the smallest class (:func:`common_batch_size`), for every
        class.
    rngs : list of numpy.random.Generator
        Per class, draws its noise seed and then its batch order.
    labels : list
        The classes, for progress lines and warnings.
    jit_compile : bool or 'auto', default=True
        False runs eagerly (debugging only); anything else compiles.
    label_smoothing : float, default=0.0
        One-sided label smoothing of the discriminator's real target.
    verbose : int, default=0
        As for :func:`train_gan`.
    checkpoint_every : int, default=None
        Epochs between checkpoints; None: about ten per class.
    on_checkpoint : list of callable or None, default=None
        Per class, called as ``on_checkpoint(epoch, generator, history)``; a
        true return value stops that class.
    steps_per_call : int, default=STEPS_PER_CALL
        Steps of every class per compiled call.

    Returns
    -------
    list of dict
        Per class, its history: per metric name in ``METRICS``, a list with one
        mean per epoch trained.
    """
    n_classes = len(pairs)
    if not (len(images) == len(epochs) == len(rngs) == len(labels) == n_classes):
        raise ValueError("pairs, images, epochs, rngs and labels differ in length.")
    if n_classes == 0:
        return []
    callbacks = list(on_checkpoint) if on_checkpoint is not None else [None] * n_classes
    batch = common_batch_size(batch_size, [len(x) for x in images])
    runner = _Runner(
        pairs,
        images,
        batch,
        d_optimizer=d_optimizer,
        g_optimizer=g_optimizer,
        jit_compile=jit_compile,
        label_smoothing=label_smoothing,
    )
    classes = [
        _Class(
            k,
            label,
            generator,
            len(x),
            n_epochs,
            batch,
            rng,
            checkpoint_every=checkpoint_every,
            callback=callback,
            real_target=runner.real_target,
            verbose=verbose,
        )
        for k, (label, (generator, _), x, n_epochs, rng, callback) in enumerate(
            zip(labels, pairs, images, epochs, rngs, callbacks, strict=True)
        )
    ]
    runner.set_seeds([c.seed for c in classes])
    # A short run needs no longer calls than its longest class.
    steps_per_call = max(1, min(steps_per_call, max(c.total for c in classes)))
    while not all(c.finished for c in classes):
        plans = [c.plan(steps_per_call) for c in classes]
        indices = np.zeros((n_classes, steps_per_call, batch), np.int32)
        for k, (c, (start, stop, _)) in enumerate(zip(classes, plans, strict=True)):
            indices[k, : stop - start] = c.indices[start:stop]
        metrics = runner.run(indices, *zip(*plans, strict=True))
        for k, (c, (start, stop, capture)) in enumerate(
            zip(classes, plans, strict=True)
        ):
            if stop > start:
                c.consume(metrics[k, : stop - start], stop, capture, runner)
    return [c.history for c in classes]


class _Class:
    """One class's schedule and host-side bookkeeping (``k``: its lane)."""

    def __init__(
        self,
        k,
        label,
        generator,
        n_images,
        epochs,
        batch,
        rng,
        *,
        checkpoint_every,
        callback,
        real_target,
        verbose,
    ):
        self.k = k
        self.generator = generator
        self.epochs = epochs
        self.callback = callback
        self.n_batches = max(1, n_images // batch)
        self.total = epochs * self.n_batches
        self.checkpoints = checkpoint_epochs(epochs, checkpoint_every)
        self.record = EpochRecord(
            label, epochs, self.n_batches, self.checkpoints, real_target, verbose
        )
        self.history = self.record.history
        self.checkpoint_steps = [c * self.n_batches for c in self.checkpoints]
        # The noise seed first, then the batch order: the first e epochs of a
        # longer run are then exactly those of a run of e epochs.
        self.seed = int(rng.integers(np.iinfo(np.int32).max))
        self.indices = _batch_indices(rng, n_images, batch, epochs)
        self.done = 0  # steps run
        self.epoch = 0  # epochs accounted for
        self.pending = []  # metric rows of the epoch in progress
        self.finished = False

    def plan(self, length):
        """(start, stop, capture) steps of the next call; stop == start: idle.

        ``capture`` is the first checkpoint step in the call (0: none), whose
        generator state is kept; the class stops at the second one, if any, so
        that both checkpoints are seen exactly.
        """
        start = self.done
        if self.finished:
            return start, start, 0
        ahead = [s for s in self.checkpoint_steps if start < s <= start + length]
        capture = ahead[0] if ahead else 0
        stop = ahead[1] if len(ahead) > 1 else min(self.total, start + length)
        return start, stop, capture

    def consume(self, rows, stop, capture, runner):
        """Account for the steps of one call: epochs, failures and checkpoints."""
        self.done = stop
        self.pending.extend(np.asarray(rows, np.float64))
        while len(self.pending) >= self.n_batches and not self.finished:
            row = np.mean(self.pending[: self.n_batches], axis=0)
            del self.pending[: self.n_batches]
            self.epoch += 1
            self._epoch_done(row, stop, capture, runner)
        if self.done >= self.total:
            self.finished = True

    def _epoch_done(self, row, stop, capture, runner):
        epoch = self.epoch
        if not self.record.add(epoch, row):
            self.finished = True
            return
        if epoch not in self.checkpoints:
            return
        step = epoch * self.n_batches
        if step == capture:
            runner.save_captured(self.k, self.generator)
        elif step == stop:
            runner.save_live(self.k, self.generator)
        else:  # pragma: no cover - plan() makes every checkpoint one of the two
            raise RuntimeError(f"checkpoint step {step} was not kept")
        if epoch == self.epochs:
            self.finished = True
        if self.callback is not None and self.callback(
            epoch, self.generator, self.history
        ):
            self.finished = True


class _Runner:
    """The device side: stacked states, padded images, the compiled chunk."""

    def __init__(
        self,
        pairs,
        images,
        batch,
        *,
        d_optimizer,
        g_optimizer,
        jit_compile,
        label_smoothing,
    ):
        generator, discriminator = pairs[0]
        # The template's networks and optimizers only give the traced step its
        # structure: every value it computes with comes from the stacked state.
        template = _jax.Trainer(
            generator,
            discriminator,
            d_optimizer=d_optimizer,
            g_optimizer=g_optimizer,
            batch_size=batch,
            jit_compile=False,
            label_smoothing=label_smoothing,
        )
        self.template = template
        self.real_target = template.real_target
        states = []
        for g, d in pairs:
            template.load(g, d)
            states.append(template._state)
        template._state = None
        self.state = jax.tree.map(lambda *leaves: jnp.stack(leaves), *states)
        self.captured = {
            key: [jnp.array(v, copy=True) for v in self.state[key]]
            for key in _GENERATOR_KEYS
        }
        n_max = max(len(x) for x in images)
        padded = np.zeros((len(images), n_max, *images[0].shape[1:]), np.float32)
        for k, x in enumerate(images):
            padded[k, : len(x)] = x
        self.images = jnp.asarray(padded)
        self.seeds = None
        chunk = self._chunk
        if jit_compile is not False:
            chunk = jax.jit(chunk, donate_argnums=(0, 1))
        self._run_chunk = chunk

    def set_seeds(self, seeds):
        """Per class, the seed of its noise."""
        self.seeds = jnp.asarray(seeds, jnp.uint32)

    def run(self, indices, starts, stops, captures):
        """One call: ``steps_per_call`` steps of every class; (K, L, 5) metrics."""
        self.state, self.captured, metrics = self._run_chunk(
            self.state,
            self.captured,
            self.images,
            jnp.asarray(indices, jnp.int32),
            self.seeds,
            jnp.asarray(starts, jnp.int32),
            jnp.asarray(stops, jnp.int32),
            jnp.asarray(captures, jnp.int32),
        )
        return np.asarray(metrics, np.float64)

    def save_live(self, k, generator):
        """Copy class ``k``'s current generator state into ``generator``."""
        _assign(generator, self.state, k)

    def save_captured(self, k, generator):
        """Copy class ``k``'s generator state kept at its capture step."""
        _assign(generator, self.captured, k)

    # -- traced ------------------------------------------------------------
    def _lane(self, lane):
        """One step of one class (``lax.map``-ped over classes)."""
        state, captured, images, indices, seed, step, stop, capture = lane
        key = jax.random.fold_in(jax.random.key(seed), step)
        new, metrics = self.template._keyed_step(state, images, indices, key)
        # Masks, not lax.cond: a conditional makes the GPU wait for the host
        # to read its predicate, every class and step.
        active = step < stop
        new = jax.tree.map(lambda n, o: jnp.where(active, n, o), new, state)
        metrics = jnp.where(active, metrics, 0.0)
        keep = active & (step + 1 == capture)
        captured = {
            part: jax.tree.map(
                lambda n, o: jnp.where(keep, n, o), new[part], captured[part]
            )
            for part in _GENERATOR_KEYS
        }
        return new, captured, metrics

    def _chunk(self, state, captured, images, indices, seeds, starts, stops, captures):
        def body(carry, xs):
            state, captured = carry
            step_indices, i = xs
            lanes = (state, captured, images, step_indices, seeds)
            lanes += (starts + i, stops, captures)
            state, captured, metrics = jax.lax.map(self._lane, lanes)
            return (state, captured), metrics

        length = indices.shape[1]
        (state, captured), metrics = jax.lax.scan(
            body,
            (state, captured),
            (jnp.swapaxes(indices, 0, 1), jnp.arange(length, dtype=jnp.int32)),
        )
        return state, captured, jnp.swapaxes(metrics, 0, 1)


def _assign(generator, stacked, k):
    for variables, values in (
        (generator.trainable_variables, stacked["g_trainable"]),
        (generator.non_trainable_variables, stacked["g_non_trainable"]),
    ):
        for variable, value in zip(variables, values, strict=True):
            variable.assign(value[k])
