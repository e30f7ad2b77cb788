"""The GAN train step on PyTorch: autograd, then ``optimizer.apply`` without grad.

Keras places the networks' variables on the GPU when PyTorch sees one; the
images, the noise and the metrics stay there too, so an epoch reads back to the
host only once, at its end.
"""

import keras
import numpy as np
import torch

from ._base import BaseTrainer

__all__ = ["Trainer"]


def _bce(target, probabilities):
    # Keras' binary cross-entropy on torch raises on a NaN probability ("all
    # elements of input should be between 0 and 1"); written out, with the same
    # clipping, a diverged run gives a NaN loss that the epoch loop reports.
    eps = keras.config.epsilon()
    p = torch.clamp(probabilities.float(), eps, 1 - eps)
    return torch.mean(-(target * torch.log(p) + (1 - target) * torch.log(1 - p)))


def _device():
    return keras.ops.convert_to_tensor(np.zeros(())).device


class Trainer(BaseTrainer):
    """Trains a generator / discriminator pair; see ``gansampler.training``."""

    def __init__(self, settings):
        super().__init__(settings)
        jit_compile = settings.jit_compile
        self.device = _device()
        # torch.compile pays off only on a GPU, and only for long runs: "auto"
        # leaves it off (see docs/benchmarks.md); True asks for it.
        step = self._step
        if jit_compile is True:
            step = torch.compile(step)
        self._compiled_step = step

    def load(self, generator, discriminator):
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

    def save(self, generator):
        with torch.no_grad():
            for variable, value in zip(
                generator.variables, self.generator.variables, strict=True
            ):
                variable.assign(value.value)

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
                real = images.index_select(0, indices[b])
                metrics.append(self._compiled_step(real, noise[0], noise[1]))
        return torch.stack(metrics)

    def _update(self, optimizer, loss, variables):
        values = [variable.value for variable in variables]
        grads = torch.autograd.grad(optimizer.scale_loss(loss), values)
        with torch.no_grad():
            optimizer.apply(list(grads), variables)

    def _step(self, real, noise_d, noise_g):
        generator, discriminator = self.generator, self.discriminator
        d_variables = discriminator.trainable_variables
        ones = torch.ones((real.shape[0], 1), device=real.device)
        zeros = torch.zeros_like(ones)

        p_real = discriminator(real, training=True)
        d_loss_real = _bce(ones * self.real_target, p_real)
        self._update(self.d_optimizer, d_loss_real, d_variables)

        with torch.no_grad():
            fake = generator(noise_d, training=True)
        p_fake = discriminator(fake, training=True)
        d_loss_fake = _bce(zeros, p_fake)
        self._update(self.d_optimizer, d_loss_fake, d_variables)

        p_gen = discriminator(generator(noise_g, training=True), training=True)
        g_loss = _bce(ones, p_gen)
        self._update(self.g_optimizer, g_loss, generator.trainable_variables)

        with torch.no_grad():
            acc_real = torch.mean((p_real > 0.5).float())
            acc_fake = torch.mean((p_fake < 0.5).float())
            return torch.stack(
                [
                    d_loss_real.detach().float(),
                    d_loss_fake.detach().float(),
                    g_loss.detach().float(),
                    acc_real,
                    acc_fake,
                ]
            )
