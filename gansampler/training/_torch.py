"""The GAN train step on PyTorch: autograd, then ``optimizer.apply`` without grad.

Keras places the networks' variables on the GPU when PyTorch sees one; the
images, the noise and the metrics stay there too, so a call reads back to the
host only once, at its end.
"""

import keras
import numpy as np
import torch

from ._base import SAMPLE_CHUNK, BaseTrainer
from ._losses import accuracy, discriminator_loss, generator_loss

__all__ = ["Trainer"]


def _device():
    return keras.ops.convert_to_tensor(np.zeros(())).device


class Trainer(BaseTrainer):
    """Trains a generator / discriminator pair; see ``gansampler.training``."""

    def __init__(self, settings):
        super().__init__(settings)
        self.device = _device()
        # torch.compile pays off only on a GPU, and only for long runs: "auto"
        # leaves it off (see docs/benchmarks.md); True asks for it.
        step = self._step
        if settings.jit_compile is True:
            step = torch.compile(step)
        self._compiled_step = step
        self._average = []
        self._mask = []

    def load(self, generator, discriminator, frozen_blocks=0):
        with torch.no_grad():
            for target, source in (
                (self.generator, generator),
                (self.discriminator, discriminator),
            ):
                for variable, value in zip(
                    target.variables, source.variables, strict=True
                ):
                    variable.assign(value.value)
            for optimizer, state in zip(
                (self.d_optimizer, self.g_optimizer),
                self._fresh_optimizer_state,
                strict=True,
            ):
                for variable, value in zip(optimizer.variables, state, strict=True):
                    variable.assign(value)
            self._average = [
                v.value.detach().clone()
                for v in (self.generator.trainable_variables if self.ema else ())
            ]
        self._mask = [float(m) for m in self.trainable_mask(frozen_blocks)]

    def save(self, generator, discriminator=None, average=True):
        pairs = [(generator.variables, self.generator.variables)]
        if discriminator is not None:
            pairs.append((discriminator.variables, self.discriminator.variables))
        with torch.no_grad():
            for targets, sources in pairs:
                for variable, value in zip(targets, sources, strict=True):
                    variable.assign(value.value)
            if self.ema and average:
                for variable, value in zip(
                    generator.trainable_variables, self._average, strict=True
                ):
                    variable.assign(value)

    def to_device(self, images):
        return torch.as_tensor(np.asarray(images, dtype=np.float32), device=self.device)

    def run_epoch(self, images, indices, seed):
        indices = torch.as_tensor(
            np.asarray(indices, dtype=np.int64), device=self.device
        )
        n_batches, batch = indices.shape
        noise_source = torch.Generator(device=self.device)
        noise_source.manual_seed(int(seed))
        metrics = []
        # Keras' unseeded Dropout draws from PyTorch's global generator on this
        # backend: seed it from the epoch's seed for reproducible fits, and
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
                metrics.append(self._compiled_step(real, noise[0], noise[1], u))
        return torch.stack(metrics)

    def generate(self, generator, noise):
        noise = torch.as_tensor(np.asarray(noise, np.float32), device=self.device)
        with torch.no_grad():
            chunks = [
                keras.ops.convert_to_numpy(
                    generator(noise[start : start + SAMPLE_CHUNK], training=False)
                )
                for start in range(0, len(noise), SAMPLE_CHUNK)
            ]
        if not chunks:
            return np.zeros((0, *generator.output_shape[1:]), np.float32)
        return np.concatenate(chunks).astype(np.float32)

    def _update(self, optimizer, loss, variables, mask=None):
        values = [variable.value for variable in variables]
        grads = list(torch.autograd.grad(optimizer.scale_loss(loss), values))
        if mask is not None:
            grads = [g * m for g, m in zip(grads, mask, strict=True)]
        with torch.no_grad():
            optimizer.apply(grads, variables)

    def _d_update(self, images, real):
        discriminator = self.discriminator
        score = discriminator(images, training=True)
        loss = discriminator_loss(self.loss, score, real, self.real_target)
        self._update(
            self.d_optimizer, loss, discriminator.trainable_variables, self._mask
        )
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
        self._update(self.g_optimizer, g_loss, generator.trainable_variables)

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
