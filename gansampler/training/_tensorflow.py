"""The GAN train step on TensorFlow: GradientTape inside one tf.function per call."""

import tensorflow as tf

from ._base import BaseTrainer
from ._losses import accuracy, discriminator_loss, generator_loss

__all__ = ["Trainer"]


class Trainer(BaseTrainer):
    """Trains a generator / discriminator pair; see ``gansampler.training``."""

    def __init__(self, settings):
        super().__init__(settings)
        jit_compile = settings.jit_compile
        if jit_compile == "auto":
            jit_compile = bool(tf.config.list_logical_devices("GPU"))
        discriminator = self.discriminator
        # The generator's moving average and the discriminator's gradient mask
        # live in variables, so that the traced step reads their current values.
        self._average = [
            tf.Variable(v.value, trainable=False)
            for v in (self.generator.trainable_variables if self.ema else ())
        ]
        self._mask = [
            tf.Variable(1.0, trainable=False) for _ in discriminator.trainable_variables
        ]
        # One trace for every class and chunk of epochs: the number of batches,
        # the batch size and the number of images are left dynamic, so the
        # same graph (and the same arithmetic) runs whatever the class.
        signature = [
            tf.TensorSpec([None, *discriminator.input_shape[1:]], tf.float32),
            tf.TensorSpec([None, None], tf.int32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([], tf.int32),
        ]
        self._run_epoch = tf.function(
            self._epoch, jit_compile=jit_compile, input_signature=signature
        )
        # XLA compiles a program for every number of batches: calls keep theirs.
        self.split_calls = not jit_compile

    def _reset(self, mask):
        for average, variable in zip(
            self._average, self.generator.trainable_variables, strict=False
        ):
            average.assign(variable.value)
        for variable, value in zip(self._mask, mask, strict=True):
            variable.assign(value)

    def to_device(self, images):
        return tf.convert_to_tensor(images, dtype=tf.float32)

    def run_epoch(self, images, indices, seed, first_batch=0):
        return self._run_epoch(
            images,
            tf.constant(indices, tf.int32),
            tf.constant(seed, tf.int32),
            tf.constant(first_batch, tf.int32),
        )

    def _d_update(self, images, real):
        discriminator = self.discriminator
        with tf.GradientTape() as tape:
            score = discriminator(images, training=True)
            loss = discriminator_loss(self.loss, score, real, self.real_target)
            scaled = self.d_optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, discriminator.trainable_variables)
        grads = [g * m for g, m in zip(grads, self._mask, strict=True)]
        self.d_optimizer.apply(grads, discriminator.trainable_variables)
        return loss, score

    def _step(self, real, noise_d, noise_g, u):
        generator, discriminator = self.generator, self.discriminator
        augment = self.augment
        if augment:
            real = augment(real, u[0])
        d_loss_real, score_real = self._d_update(real, True)

        reuse = self.settings.reuse_fakes
        if reuse:
            with tf.GradientTape() as g_tape:
                fake = generator(noise_d, training=True)
        else:
            fake = generator(noise_d, training=True)
        seen = tf.stop_gradient(fake)
        if augment:
            seen = augment(seen, u[1])
        d_loss_fake, score_fake = self._d_update(seen, False)

        with tf.GradientTape() as tape:
            if reuse:
                # The same fakes: back-propagate through the forward pass above
                # (the generator's weights have not changed since).
                tape.watch(fake)
            else:
                fake = generator(noise_g, training=True)
            shown = augment(fake, u[2]) if augment else fake
            g_loss = generator_loss(self.loss, discriminator(shown, training=True))
            scaled = self.g_optimizer.scale_loss(g_loss)
        variables = generator.trainable_variables
        if reuse:
            grad_fake = tape.gradient(scaled, fake)
            grads = g_tape.gradient(fake, variables, output_gradients=grad_fake)
        else:
            grads = tape.gradient(scaled, variables)
        self.g_optimizer.apply(grads, variables)
        if self.ema:
            for average, variable in zip(
                self._average, generator.trainable_variables, strict=True
            ):
                average.assign(self.ema * average + (1 - self.ema) * variable.value)

        return tf.stack(
            [
                d_loss_real,
                d_loss_fake,
                g_loss,
                accuracy(score_real, True),
                accuracy(score_fake, False),
            ]
        )

    def _epoch(self, images, indices, seed, first_batch):
        n_batches = tf.shape(indices)[0]
        batch = tf.shape(indices)[1]
        metrics = tf.TensorArray(tf.float32, size=n_batches)
        for i in tf.range(n_batches):
            real = tf.gather(images, indices[i])
            # The noise depends on the batch's place in the whole call, so that
            # a call cut into parts trains as the whole call does.
            b = first_batch + i
            noise_d = tf.random.stateless_normal(
                (batch, self.latent_dim), seed=tf.stack([seed, 2 * b])
            )
            noise_g = tf.random.stateless_normal(
                (batch, self.latent_dim), seed=tf.stack([seed, 2 * b + 1])
            )
            u = None
            if self.augment:
                u = tf.random.stateless_uniform(
                    (3, batch, self.augment.n_random), seed=tf.stack([seed, -b - 1])
                )
            metrics = metrics.write(i, self._step(real, noise_d, noise_g, u))
        return metrics.stack()
