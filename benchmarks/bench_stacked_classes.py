"""Would one step that trains several classes' GANs at once raise a GPU's throughput?

Processes sharing a GPU take turns on it (docs/benchmarks.md), so parallel
folds or classes give no more generator updates per second than one process
alone: at batch 32 and 64x64 the default networks' kernels are too small to
fill a GPU, and one update waits on many short kernels one after another. A
step that trains ``C`` classes together (their networks stacked, one batch of
each class, ``jax.vmap`` over the classes) launches about as many kernels as
a step of one class, each ``C`` times larger. This script measures what that
would give, before the sampler is changed for it.

It builds the sampler's default networks (``GANSettings(...).build_networks``)
and trains them with a plain DC-GAN step written here with Keras' stateless
calls (binary cross-entropy on the discriminator's logits, Adam 1e-3 / 1e-4,
``beta_1`` 0.5; no DiffAugment, generator average or label smoothing): for
each number of classes, ``--calls`` compiled calls of ``--steps`` updates of
every class on random images, after one call that compiles. It prints one
JSON line per number of classes: updates per second of one class, and of all
classes together.

    python benchmarks/bench_stacked_classes.py --classes 1 2 3 6 --size 64

It runs on JAX whatever ``KERAS_BACKEND`` says (``jax.vmap``).
"""

import argparse
import json
import os
import time

# jax.vmap over Keras' stateless calls: JAX whatever KERAS_BACKEND says.
os.environ["KERAS_BACKEND"] = "jax"


def make_step(generator, discriminator, g_optimizer, d_optimizer, latent_dim, batch):
    """One DC-GAN update of one class: the discriminator, then the generator."""
    import jax
    from keras import ops

    def bce(logits, target):
        # Binary cross-entropy on logits, the numerically stable form.
        return ops.mean(
            ops.maximum(logits, 0) - logits * target + ops.log1p(ops.exp(-abs(logits)))
        )

    def d_loss(d_vars, d_state, g_vars, g_state, real, noise):
        fake, _ = generator.stateless_call(g_vars, g_state, noise, training=True)
        logits_real, d_state = discriminator.stateless_call(
            d_vars, d_state, real, training=True
        )
        logits_fake, d_state = discriminator.stateless_call(
            d_vars, d_state, jax.lax.stop_gradient(fake), training=True
        )
        loss = bce(logits_real, 1.0) + bce(logits_fake, 0.0)
        return loss, d_state

    def g_loss(g_vars, g_state, d_vars, d_state, noise):
        fake, g_state = generator.stateless_call(g_vars, g_state, noise, training=True)
        logits, _ = discriminator.stateless_call(d_vars, d_state, fake, training=True)
        return bce(logits, 1.0), g_state

    d_grad = jax.value_and_grad(d_loss, has_aux=True)
    g_grad = jax.value_and_grad(g_loss, has_aux=True)

    def step(state, images, key):
        g_vars, g_state, d_vars, d_state, g_opt, d_opt = state
        k_index, k_d, k_g = jax.random.split(key, 3)
        index = jax.random.randint(k_index, (batch,), 0, images.shape[0])
        real = images[index]
        noise_d = jax.random.normal(k_d, (batch, latent_dim))
        noise_g = jax.random.normal(k_g, (batch, latent_dim))
        (_, d_state), grads = d_grad(d_vars, d_state, g_vars, g_state, real, noise_d)
        d_vars, d_opt = d_optimizer.stateless_apply(d_opt, grads, d_vars)
        (_, g_state), grads = g_grad(g_vars, g_state, d_vars, d_state, noise_g)
        g_vars, g_opt = g_optimizer.stateless_apply(g_opt, grads, g_vars)
        return g_vars, g_state, d_vars, d_state, g_opt, d_opt

    return step


def measure(n_classes, args):
    """Updates per second of each class when ``n_classes`` train in one step."""
    import jax
    import jax.numpy as jnp
    import keras
    import numpy as np

    from gansampler.training import GANSettings

    settings = GANSettings("conv", (args.size, args.size, 1))
    generator, discriminator = settings.build_networks(seed=0)
    g_optimizer = keras.optimizers.Adam(1e-4, beta_1=0.5)
    d_optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5)
    g_optimizer.build(generator.trainable_variables)
    d_optimizer.build(discriminator.trainable_variables)
    values = [
        [v.value for v in variables]
        for variables in (
            generator.trainable_variables,
            generator.non_trainable_variables,
            discriminator.trainable_variables,
            discriminator.non_trainable_variables,
            g_optimizer.variables,
            d_optimizer.variables,
        )
    ]
    step = make_step(
        generator, discriminator, g_optimizer, d_optimizer, settings.latent_dim,
        args.batch,
    )  # fmt: skip
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (args.n_images, args.size, args.size, 1))
    images = jnp.asarray(images, dtype="float32")
    if n_classes > 1:  # every class its own copy of the networks and images
        stack = lambda x: jnp.stack([x] * n_classes)  # noqa: E731
        values = jax.tree_util.tree_map(stack, values)
        images = stack(images)
        step = jax.vmap(step)

    def call(state, key):
        def body(i, state):
            keys = jax.random.split(jax.random.fold_in(key, i), n_classes)
            return step(state, images, keys if n_classes > 1 else keys[0])

        return jax.lax.fori_loop(0, args.steps, body, state)

    call = jax.jit(call, donate_argnums=0)
    state = tuple(values)
    start = time.perf_counter()
    state = jax.block_until_ready(call(state, jax.random.key(0)))
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(args.calls):
        state = call(state, jax.random.key(i + 1))
    jax.block_until_ready(state)
    seconds = time.perf_counter() - start
    per_class = args.calls * args.steps / seconds
    return {
        "classes": n_classes,
        "size": args.size,
        "batch": args.batch,
        "updates_per_s_per_class": round(per_class, 1),
        "updates_per_s_all_classes": round(per_class * n_classes, 1),
        "seconds": round(seconds, 2),
        "first_call_s": round(compile_s, 2),
        "device": str(jax.devices()[0]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classes", type=int, nargs="+", default=[1, 2, 3, 6])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--n-images", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100, help="updates per call")
    parser.add_argument("--calls", type=int, default=10, help="timed calls")
    args = parser.parse_args(argv)
    rows = []
    for n_classes in args.classes:
        row = measure(n_classes, args)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


if __name__ == "__main__":
    main()
