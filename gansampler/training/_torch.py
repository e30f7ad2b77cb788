"""The GAN train step on PyTorch: autograd, Adam with ``torch._foreach`` ops.

Keras places the networks' variables on the GPU when PyTorch sees one; the
images, the noise and the metrics stay there too, so a call reads back to the
host only once, at its end.

A step makes no host round trip: Keras' optimizers turn Python numbers into
new device tensors at every update (``iterations + 1``, ``beta_1``, ...),
each a synchronising copy from the host, so the trainer applies Adam itself,
with the same arithmetic as ``keras.optimizers.Adam`` and its constants kept
on the device. On a GPU (``jit_compile="auto"``) the whole step is then
captured once in a CUDA graph and replayed: a step costs a replay, not the
Python of a dozen Keras layer calls. ``jit_compile=True`` uses
``torch.compile`` instead; ``False`` runs eagerly. ``precision="float16"``
(loss scaling) uses Keras' optimizers, eagerly.
"""

import warnings

import keras
import numpy as np
import torch

from .._history import HISTORY_KEYS
from ._base import BaseTrainer
from ._losses import accuracy, discriminator_loss, generator_loss

__all__ = ["Trainer"]

# Eager steps (on a side stream) before a step is captured in a CUDA graph.
WARMUP_STEPS = 3


def _device():
    return keras.ops.convert_to_tensor(np.zeros(())).device


class _Adam:
    """``keras.optimizers.Adam``'s update on a list of variables, on the device.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, ``w -= lr
    sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)``, as Keras computes it.
    """

    def __init__(self, optimizer, variables, device):
        self.values = [variable.value for variable in variables]
        self.beta_1 = float(optimizer.beta_1)
        self.beta_2 = float(optimizer.beta_2)
        self.epsilon = float(optimizer.epsilon)
        self.learning_rate = torch.tensor(
            float(keras.ops.convert_to_numpy(optimizer.learning_rate)),
            device=device,
        )
        self.m = [torch.zeros_like(v) for v in self.values]
        self.v = [torch.zeros_like(v) for v in self.values]
        self.t = torch.zeros((), device=device)

    def reset(self):
        torch._foreach_zero_(self.m)
        torch._foreach_zero_(self.v)
        self.t.zero_()

    @torch.no_grad()
    def apply(self, grads):
        self.t.add_(1.0)
        alpha = (
            self.learning_rate
            * torch.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        torch._foreach_mul_(self.m, self.beta_1)
        torch._foreach_add_(self.m, grads, alpha=1 - self.beta_1)
        torch._foreach_mul_(self.v, self.beta_2)
        torch._foreach_add_(
            self.v, torch._foreach_mul(grads, grads), alpha=1 - self.beta_2
        )
        denominator = torch._foreach_add(torch._foreach_sqrt(self.v), self.epsilon)
        torch._foreach_sub_(
            self.values,
            torch._foreach_div(torch._foreach_mul(self.m, alpha), denominator),
        )


class Trainer(BaseTrainer):
    """Trains a generator / discriminator pair; see ``gansampler.training``."""

    # run_epoch loops over the batches in Python: Ctrl-C stops it after the
    # batch in progress, and its noise is drawn in sequence through the call.
    split_calls = False

    def __init__(self, settings):
        super().__init__(settings)
        self.device = _device()
        self._adam = None
        if settings.precision != "float16":
            self._adam = {
                "d": _Adam(
                    self.d_optimizer,
                    self.discriminator.trainable_variables,
                    self.device,
                ),
                "g": _Adam(
                    self.g_optimizer, self.generator.trainable_variables, self.device
                ),
            }
        step = self._step
        if settings.jit_compile is True:
            step = torch.compile(step)
        self._compiled_step = step
        self._graphs = None  # batch size -> captured step, on a GPU
        if (
            settings.jit_compile == "auto"
            and self.device.type == "cuda"
            and self._adam is not None
        ):
            self._graphs = {}
        self._eager_steps = {}
        self._average = [
            torch.zeros_like(v.value)
            for v in (self.generator.trainable_variables if self.ema else ())
        ]
        self._mask = []

    def load(self, generator, discriminator, frozen_blocks=0):
        with torch.no_grad():
            super().load(generator, discriminator, frozen_blocks)

    def _reset(self, mask):
        if self._adam is not None:
            for adam in self._adam.values():
                adam.reset()
        for average, variable in zip(
            self._average, self.generator.trainable_variables, strict=False
        ):
            average.copy_(variable.value)
        # Python numbers: a captured step reads them as constants, so they
        # are the same for every class (1.0) unless blocks are frozen, which
        # the trainer then runs without a graph.
        self._mask = [float(m) for m in mask]

    def save(self, generator, discriminator=None, average=True):
        with torch.no_grad():
            super().save(generator, discriminator, average)

    def to_device(self, images):
        return torch.as_tensor(np.asarray(images, dtype=np.float32), device=self.device)

    def run_epoch(self, images, indices, seed):
        indices = torch.as_tensor(
            np.asarray(indices, dtype=np.int64), device=self.device
        )
        n_batches, batch = indices.shape
        noise_source = torch.Generator(device=self.device)
        noise_source.manual_seed(int(seed))
        metrics = torch.empty((n_batches, len(HISTORY_KEYS)), device=self.device)
        # Keras' unseeded Dropout draws from PyTorch's global generator on this
        # backend: seed it from the call's seed for reproducible fits, and
        # restore the caller's global random state afterwards.
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices, device_type=self.device.type):
            torch.manual_seed(int(seed))
            for b in range(n_batches):
                noise = torch.randn(
                    (2, batch, self.latent_dim),
                    generator=noise_source,
                    device=self.device,
                )
                u = None
                if self.augment:
                    u = torch.rand(
                        (3, batch, self.augment.n_random),
                        generator=noise_source,
                        device=self.device,
                    )
                real = images.index_select(0, indices[b])
                metrics[b] = self._run_step(real, noise, u)
        return metrics

    def _run_step(self, real, noise, u):
        if self._graphs is None or any(m != 1.0 for m in self._mask):
            return self._compiled_step(real, noise[0], noise[1], u)
        batch = real.shape[0]
        captured = self._graphs.get(batch)
        if captured is None:
            done = self._eager_steps.get(batch, 0)
            if done < WARMUP_STEPS:
                self._eager_steps[batch] = done + 1
                return self._side_stream_step(real, noise, u)
            captured = self._graphs[batch] = self._capture(real, noise, u)
        if captured is False:  # capture failed: eager
            return self._compiled_step(real, noise[0], noise[1], u)
        graph, inputs, output = captured
        inputs[0].copy_(real)
        inputs[1].copy_(noise)
        if u is not None:
            inputs[2].copy_(u)
        graph.replay()
        return output

    def _side_stream_step(self, real, noise, u):
        # PyTorch asks for the steps before a capture on a side stream.
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            output = self._step(real, noise[0], noise[1], u)
        torch.cuda.current_stream().wait_stream(stream)
        return output

    def _capture(self, real, noise, u):
        """The step captured in a CUDA graph, or False if it cannot be."""
        inputs = [real.clone(), noise.clone(), None if u is None else u.clone()]
        graph = torch.cuda.CUDAGraph()
        torch.cuda.synchronize()
        try:
            with torch.cuda.graph(graph):
                output = self._step(inputs[0], inputs[1][0], inputs[1][1], inputs[2])
        except RuntimeError as error:
            warnings.warn(
                f"The GAN train step could not be captured in a CUDA graph "
                f"({' '.join(str(error).split())[:200]}); it runs eagerly.",
                RuntimeWarning,
                stacklevel=4,
            )
            torch.cuda.synchronize()
            return False
        return graph, inputs, output

    def _generate_chunk(self, generator, noise):
        noise = torch.as_tensor(noise, device=self.device)
        with torch.no_grad():
            return keras.ops.convert_to_numpy(generator(noise, training=False))

    def _update(self, name, loss, variables, mask=None):
        optimizer = self.d_optimizer if name == "d" else self.g_optimizer
        values = [variable.value for variable in variables]
        grads = list(torch.autograd.grad(optimizer.scale_loss(loss), values))
        if mask is not None and any(m != 1.0 for m in mask):
            grads = [g * m for g, m in zip(grads, mask, strict=True)]
        if self._adam is not None:
            self._adam[name].apply(grads)
        else:
            with torch.no_grad():
                optimizer.apply(grads, variables)

    def _d_update(self, images, real):
        discriminator = self.discriminator
        score = discriminator(images, training=True)
        loss = discriminator_loss(self.loss, score, real, self.real_target)
        self._update("d", loss, discriminator.trainable_variables, self._mask)
        return loss, score

    def _step(self, real, noise_d, noise_g, u):
        generator, discriminator = self.generator, self.discriminator
        augment = self.augment
        if augment:
            real = augment(real, u[0])
        d_loss_real, score_real = self._d_update(real, True)

        reuse = self.settings.reuse_fakes
        with torch.set_grad_enabled(reuse):
            fake = generator(noise_d, training=True)
        seen = fake.detach()
        if augment:
            seen = augment(seen, u[1])
        d_loss_fake, score_fake = self._d_update(seen, False)

        if not reuse:
            # The same fakes, when reused, back-propagate through the forward
            # pass above (the generator's weights have not changed since).
            fake = generator(noise_g, training=True)
        if augment:
            fake = augment(fake, u[2])
        g_loss = generator_loss(self.loss, discriminator(fake, training=True))
        self._update("g", g_loss, generator.trainable_variables)

        with torch.no_grad():
            if self.ema:
                values = [v.value for v in generator.trainable_variables]
                torch._foreach_lerp_(self._average, values, 1.0 - self.ema)
            return torch.stack(
                [
                    d_loss_real.detach().float(),
                    d_loss_fake.detach().float(),
                    g_loss.detach().float(),
                    accuracy(score_real, True),
                    accuracy(score_fake, False),
                ]
            )
