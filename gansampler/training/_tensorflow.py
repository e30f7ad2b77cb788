"""The GAN train step on TensorFlow: GradientTape inside one tf.function per epoch."""

import keras
import tensorflow as tf

from ._base import BaseTrainer

__all__ = ["Trainer"]


def _bce(target, probabilities):
    return tf.reduce_mean(keras.losses.binary_crossentropy(target, probabilities))


class Trainer(BaseTrainer):
    """Trains a generator / discriminator pair; see ``gansampler.training``."""

    def __init__(self, settings):
        super().__init__(settings)
        jit_compile = settings.jit_compile
        discriminator = self.discriminator
        if jit_compile == "auto":
            jit_compile = bool(tf.config.list_logical_devices("GPU"))
        # One trace for every class and chunk of epochs: the number of batches,
        # the batch size and the number of images are left dynamic, so the
        # same graph (and the same arithmetic) runs whatever the class.
        signature = [
            tf.TensorSpec([None, *discriminator.input_shape[1:]], tf.float32),
            tf.TensorSpec([None, None], tf.int32),
            tf.TensorSpec([], tf.int32),
        ]
        self._run_epoch = tf.function(
            self._epoch, jit_compile=jit_compile, input_signature=signature
        )

    def load(self, generator, discriminator):
        for target, source in (
            (self.generator, generator),
            (self.discriminator, discriminator),
        ):
            for variable, value in zip(target.variables, source.variables, strict=True):
                variable.assign(value)
        for optimizer, state in zip(
            (self.d_optimizer, self.g_optimizer),
            self._fresh_optimizer_state,
            strict=True,
        ):
            for variable, value in zip(optimizer.variables, state, strict=True):
                variable.assign(value)

    def save(self, generator):
        for variable, value in zip(
            generator.variables, self.generator.variables, strict=True
        ):
            variable.assign(value)

    def to_device(self, images):
        return tf.convert_to_tensor(images, dtype=tf.float32)

    def run_epoch(self, images, indices, seed):
        return self._run_epoch(
            images, tf.constant(indices, tf.int32), tf.constant(seed, tf.int32)
        )

    def _step(self, real, noise_d, noise_g):
        generator, discriminator = self.generator, self.discriminator
        ones = tf.ones((tf.shape(real)[0], 1))
        zeros = tf.zeros_like(ones)

        with tf.GradientTape() as tape:
            p_real = discriminator(real, training=True)
            d_loss_real = _bce(ones * self.real_target, p_real)
            scaled = self.d_optimizer.scale_loss(d_loss_real)
        grads = tape.gradient(scaled, discriminator.trainable_variables)
        self.d_optimizer.apply(grads, discriminator.trainable_variables)

        fake = generator(noise_d, training=True)
        with tf.GradientTape() as tape:
            p_fake = discriminator(fake, training=True)
            d_loss_fake = _bce(zeros, p_fake)
            scaled = self.d_optimizer.scale_loss(d_loss_fake)
        grads = tape.gradient(scaled, discriminator.trainable_variables)
        self.d_optimizer.apply(grads, discriminator.trainable_variables)

        with tf.GradientTape() as tape:
            p_gen = discriminator(generator(noise_g, training=True), training=True)
            g_loss = _bce(ones, p_gen)
            scaled = self.g_optimizer.scale_loss(g_loss)
        grads = tape.gradient(scaled, generator.trainable_variables)
        self.g_optimizer.apply(grads, generator.trainable_variables)

        acc_real = tf.reduce_mean(tf.cast(p_real > 0.5, tf.float32))
        acc_fake = tf.reduce_mean(tf.cast(p_fake < 0.5, tf.float32))
        return tf.stack([d_loss_real, d_loss_fake, g_loss, acc_real, acc_fake])

    def _epoch(self, images, indices, seed):
        n_batches = tf.shape(indices)[0]
        batch = tf.shape(indices)[1]
        metrics = tf.TensorArray(tf.float32, size=n_batches)
        for b in tf.range(n_batches):
            real = tf.gather(images, indices[b])
            noise_d = tf.random.stateless_normal(
                (batch, self.latent_dim), seed=tf.stack([seed, 2 * b])
            )
            noise_g = tf.random.stateless_normal(
                (batch, self.latent_dim), seed=tf.stack([seed, 2 * b + 1])
            )
            metrics = metrics.write(b, self._step(real, noise_d, noise_g))
        return metrics.stack()
