"""Training speed of the article's 128x128x3 GAN: the article's loop vs. the Trainer.

Run under one Keras backend (``KERAS_BACKEND=jax|torch|tensorflow``)::

    # GPU: the table of docs/benchmarks.md
    KERAS_BACKEND=jax python benchmarks/bench_training.py gpu \\
        --precision float32 bfloat16 --batch 64 256 --article-run
    # CPU: balancing scikit-learn's digits with the sampler's defaults
    KERAS_BACKEND=tensorflow python benchmarks/bench_training.py digits

One *image slot* is one real image in a discriminator update on a real batch,
one generated image in a discriminator update on a fake batch and one generator
sample in the generator update: a step of batch ``b`` trains ``b`` slots.

``gpu`` times, on the ``architecture="seed"`` networks:

(a) the article's loop: per step, ``g.predict_on_batch`` makes the fakes,
    then three ``train_on_batch`` calls: D on the real batch, D on the fake
    batch, and the combined model (G, then D) with target 1. Keras 3 decides
    what a ``train_on_batch`` updates from the model's ``trainable_variables``
    at call time (the Keras-2 habit of setting ``d.trainable = False`` once
    before compiling the combined model does not freeze D in Keras 3), so the
    loop sets ``d.trainable = True`` before D's two calls and ``False`` before
    the combined model's call: D is frozen inside the combined model, as in
    the article. Real batches and noise are drawn on the host, as in the
    article.
(b) the project's ``Trainer`` (``gansampler.training.make_trainer``): whole
    epochs in one compiled call, data and noise on the device.

Both use the package's seed networks, whose generator computes its output
convolution in the hidden layers' dtype and only its ``tanh`` in float32 (the
change ``--low-precision-output`` tried out before the package made it; the
option is gone). Both use the same batch size and the same images; (b)'s
compile time is the first epoch's time minus a steady epoch's. FLOPs are
counted analytically from the networks' Dense / Conv2D / Conv2DTranspose
layers (multiply-adds x 2; backward = 2 x forward).
"""

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras  # noqa: E402
from keras import layers  # noqa: E402

from gansampler import DCGANOverSampler  # noqa: E402
from gansampler.architectures import (  # noqa: E402
    build_seed_discriminator,
    build_seed_generator,
)
from gansampler.recipes import ARTICLE  # noqa: E402
from gansampler.training import (  # noqa: E402
    DTYPE_POLICIES,
    GANSettings,
    make_trainer,
)

IMAGE_SHAPE = (128, 128, 3)
LATENT_DIM = 100


# -- FLOP count -------------------------------------------------------------
def forward_flops(model):
    """Forward FLOPs per sample of the Dense / Conv layers (2 per multiply-add)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Dense):
            total += 2 * math.prod(layer.kernel.shape)
        elif isinstance(layer, layers.Conv2DTranspose):
            # Every input pixel meets every kernel tap once.
            h, w, _ = layer.input.shape[1:]
            total += 2 * h * w * math.prod(layer.kernel.shape)
        elif isinstance(layer, layers.Conv2D):
            h, w, _ = layer.output.shape[1:]
            total += 2 * h * w * math.prod(layer.kernel.shape)
    return total


def slot_flops(generator, discriminator):
    """FLOPs of one image slot: G forward for the fake batch, G forward and
    backward in the generator update; D forward and backward three times."""
    g, d = forward_flops(generator), forward_flops(discriminator)
    return 4 * g + 9 * d, g, d


# -- helpers ----------------------------------------------------------------
def _sync(value):
    return keras.ops.convert_to_numpy(value)


def build(precision):
    dtype = "float32" if precision == "float32" else f"mixed_{precision}"
    generator = build_seed_generator(LATENT_DIM, 3, dtype=dtype)
    discriminator = build_seed_discriminator(IMAGE_SHAPE, dtype=dtype)
    return generator, discriminator


def adam(learning_rate, precision):
    optimizer = keras.optimizers.Adam(learning_rate, beta_1=0.5)
    if precision == "float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def random_images(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=(n, *IMAGE_SHAPE)).astype(np.float32)


# -- (a) the article's loop -------------------------------------------------
def article_loop(images, batch, precision, steps, warmup):
    generator, discriminator = build(precision)
    discriminator.compile(
        optimizer=adam(1e-3, precision),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    discriminator.trainable = False
    gan = keras.Sequential([generator, discriminator])
    gan.compile(optimizer=adam(1e-4, precision), loss="binary_crossentropy")
    rng = np.random.default_rng(1)
    ones = np.ones((batch, 1), np.float32)
    zeros = np.zeros((batch, 1), np.float32)

    def step():
        real = images[rng.integers(0, len(images), batch)]
        fake = generator.predict_on_batch(
            rng.standard_normal((batch, LATENT_DIM)).astype(np.float32)
        )
        discriminator.trainable = True
        d1 = discriminator.train_on_batch(real, ones)
        d2 = discriminator.train_on_batch(fake, zeros)
        discriminator.trainable = False
        g = gan.train_on_batch(
            rng.standard_normal((batch, LATENT_DIM)).astype(np.float32), ones
        )
        return d1, d2, g

    d_before = [np.array(_sync(v)) for v in discriminator.weights]
    start = time.perf_counter()
    for _ in range(warmup):
        last = step()
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(steps):
        last = step()
    _sync(generator.trainable_variables[0])
    elapsed = time.perf_counter() - start
    # Sanity: D did learn from its own calls.
    changed = any(
        not np.array_equal(a, _sync(v))
        for a, v in zip(d_before, discriminator.weights, strict=True)
    )
    return {
        "images_per_s": steps * batch / elapsed,
        "compile_s": compile_s,
        "losses": [float(np.ravel(x)[0]) for x in last],
        "d_trained": changed,
    }


# -- (b) the Trainer ---------------------------------------------------------
def trainer_loop(images, batch, precision, epochs, jit_compile, reuse_fakes=False):
    settings = GANSettings(
        "seed",
        IMAGE_SHAPE,
        latent_dim=LATENT_DIM,
        precision=precision,
        jit_compile=jit_compile,
        reuse_fakes=reuse_fakes,
    )
    trainer = make_trainer(settings)
    trainer.load(*settings.build_networks(seed=0))
    data = trainer.to_device(images)
    rng = np.random.default_rng(2)
    n_batches = len(images) // batch

    def epoch():
        indices = rng.permutation(len(images))[: n_batches * batch].reshape(
            n_batches, -1
        )
        return trainer.run_epoch(data, indices, int(rng.integers(2**31 - 1)))

    start = time.perf_counter()
    _sync(epoch())
    first = time.perf_counter() - start
    _sync(epoch())  # a second warm epoch (allocator, autotuning caches)
    start = time.perf_counter()
    outputs = [epoch() for _ in range(epochs)]
    metrics = _sync(outputs[-1])
    elapsed = time.perf_counter() - start
    steady = elapsed / epochs
    return {
        "images_per_s": epochs * n_batches * batch / elapsed,
        "compile_s": max(0.0, first - steady),
        "losses": metrics.mean(axis=0).round(3).tolist(),
        "finite": bool(np.all(np.isfinite(metrics))),
    }


# -- the article's run through the sampler ------------------------------------
def article_run(batch, precision, epochs=320, n_minority=600, data=None):
    """fit_resample end to end: one class of 600 images trained for 320 epochs.

    ``data``: an .npz with uint8 ``images`` of 128x128 (grey is repeated to three
    channels); its first 1,200 images are used. Random images let the
    discriminator win at once, which stops training early (divergence check),
    so real images give the honest time of a full run.
    """
    rng = np.random.default_rng(3)
    if data is None:
        X = rng.integers(0, 256, size=(2 * n_minority, *IMAGE_SHAPE), dtype=np.uint8)
    else:
        images = np.load(data)["images"][: 2 * n_minority]
        X = np.repeat(images, IMAGE_SHAPE[-1] // images.shape[-1], axis=-1)
    y = np.array([0] * n_minority + [1] * n_minority)
    # The updates of ``epochs`` epochs over the images the class trains on
    # (validation_fraction holds a fifth back to choose the generator).
    n_train = n_minority - round(0.2 * n_minority)
    n_steps = epochs * (n_train // batch)
    sampler = DCGANOverSampler(
        **ARTICLE,
        sampling_strategy={1: 2 * n_minority},
        architecture="seed",
        updates=n_steps,
        batch_size=batch,
        precision=precision,
        random_state=0,
    )
    start = time.perf_counter()
    X_res, _ = sampler.fit_resample(X, y)
    wall = time.perf_counter() - start
    history = sampler.history_[1]
    return {
        "wall_s": wall,
        "steps": n_steps,
        "images_trained": n_steps * batch,
        "generated": len(X_res) - len(X),
        "final_losses": [round(history[k][-1], 3) for k in history],
    }


# -- per-layer profile (JAX only) --------------------------------------------
def layer_profile(batch, precision, flops_of):
    """Forward+backward time of each generator layer on its own (JAX)."""
    import jax
    import jax.numpy as jnp

    generator, _ = build(precision)
    rows = []
    x = jnp.asarray(
        np.random.default_rng(0).standard_normal((batch, LATENT_DIM)), jnp.float32
    )
    for layer in generator.layers[1:]:
        tv = [v.value for v in layer.trainable_variables]

        def apply(tv, x, layer=layer):
            # __call__ (not stateless_call) so that the layer's dtype policy
            # casts its inputs and weights, as inside the model.
            mapping = list(zip(layer.trainable_variables, tv, strict=True))
            with keras.StatelessScope(state_mapping=mapping):
                return layer(x)

        def loss(tv, x, apply=apply):
            return jnp.sum(apply(tv, x).astype(jnp.float32))

        fn = jax.jit(jax.grad(loss, argnums=(0, 1)))
        jax.block_until_ready(fn(tv, x))
        reps = 20
        start = time.perf_counter()
        for _ in range(reps):
            out = fn(tv, x)
        jax.block_until_ready(out)
        ms = (time.perf_counter() - start) / reps * 1e3
        fl = 3 * flops_of(layer) * batch
        rows.append((layer.name, ms, fl / (ms * 1e-3) / 1e12 if fl else 0.0))
        x = apply(tv, x)
    return rows


def _layer_flops(layer):
    if isinstance(layer, layers.Dense):
        return 2 * math.prod(layer.kernel.shape)
    if isinstance(layer, layers.Conv2DTranspose):
        h, w, _ = layer.input.shape[1:]
        return 2 * h * w * math.prod(layer.kernel.shape)
    if isinstance(layer, layers.Conv2D):
        h, w, _ = layer.output.shape[1:]
        return 2 * h * w * math.prod(layer.kernel.shape)
    return 0


# -- main -------------------------------------------------------------------
def device_name():
    backend = keras.config.backend()
    if backend == "jax":
        import jax

        return jax.devices()[0].device_kind
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    return platform.processor() or "cpu"


def run_gpu(args):
    backend = keras.config.backend()
    g, d = build("float32")
    per_slot, g_fwd, d_fwd = slot_flops(g, d)
    print(
        f"backend={backend} device={device_name()} keras={keras.__version__}\n"
        f"FLOPs: generator forward {g_fwd / 1e9:.3f} GFLOP/image, discriminator "
        f"forward {d_fwd / 1e9:.4f} GFLOP/image; per image slot (4 G + 9 D) "
        f"{per_slot / 1e9:.2f} GFLOP",
        flush=True,
    )
    images = random_images(args.n_images)
    results = []
    for precision in args.precision:
        for batch in args.batch:
            if args.profile and backend == "jax":
                for name, ms, tflops in layer_profile(batch, precision, _layer_flops):
                    print(
                        f"  profile {precision} b{batch} {name:28s} {ms:7.2f} ms "
                        f"{tflops:6.1f} TFLOP/s",
                        flush=True,
                    )
            row = {
                "backend": backend,
                "precision": precision,
                "batch": batch,
                "reuse_fakes": args.reuse_fakes,
            }
            n_batches = max(1, min(args.epoch_batches, len(images) // batch))
            trainer = trainer_loop(
                images[: n_batches * batch],
                batch,
                precision,
                args.epochs,
                args.jit_compile,
                args.reuse_fakes,
            )
            row.update({f"trainer_{k}": v for k, v in trainer.items()})
            if not args.skip_article_loop:
                article = article_loop(images, batch, precision, args.loop_steps, 3)
                row.update({f"article_{k}": v for k, v in article.items()})
                row["ratio"] = trainer["images_per_s"] / article["images_per_s"]
            row["tflops"] = trainer["images_per_s"] * per_slot / 1e12
            results.append(row)
            print("RESULT " + json.dumps(row), flush=True)
    runs = []
    for spec in args.article_run:
        precision, batch = spec.split(":")
        run = article_run(
            int(batch), precision, epochs=args.article_epochs, data=args.article_data
        )
        run.update({"precision": precision, "batch": int(batch), "backend": backend})
        runs.append(run)
        print("ARTICLE_RUN " + json.dumps(run), flush=True)

    print(
        "\n| backend | precision | batch | images/s | TFLOP/s | compile s "
        "| article loop images/s | ratio | reuse fakes |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['backend']} | {r['precision']} | {r['batch']} | "
            f"{r['trainer_images_per_s']:,.0f} | {r['tflops']:.0f} | "
            f"{r['trainer_compile_s']:.1f} | "
            f"{r.get('article_images_per_s', float('nan')):,.0f} | "
            f"{r.get('ratio', float('nan')):.1f}x | {r['reuse_fakes']} |"
        )
    for run in runs:
        print(
            f"article run ({run['backend']}, {run['precision']}, "
            f"batch {run['batch']}, {args.article_epochs} epochs x 600 images): "
            f"{run['wall_s']:.1f} s end to end"
        )


def run_digits(args):
    from collections import Counter

    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X.reshape(-1, 8, 8, 1).astype(np.float32)
    # sampling_strategy='auto' grows the 9 classes smaller than the largest.
    preset = ARTICLE if args.article else {}
    sampler = DCGANOverSampler(**preset, updates=args.updates, random_state=0)
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    wall = time.perf_counter() - start
    print(f"backend={keras.config.backend()} digits {X.shape} -> {X_res.shape}")
    print(f"classes before {sorted(Counter(y).items())}")
    print(f"classes after  {sorted(Counter(y_res).items())}")
    print(
        f"DIGITS fit_resample: {wall:.1f} s (9 minority classes, "
        f"{'the article preset, ' if args.article else ''}updates={args.updates!r}, "
        "otherwise defaults)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    gpu = sub.add_parser("gpu", help="the article's loop vs the Trainer (any device)")
    gpu.add_argument(
        "--precision",
        nargs="+",
        default=["float32", "bfloat16"],
        choices=list(DTYPE_POLICIES),
    )
    gpu.add_argument("--batch", nargs="*", type=int, default=[64, 256])
    gpu.add_argument("--n-images", type=int, default=4096)
    gpu.add_argument(
        "--epoch-batches", type=int, default=16, help="batches per timed Trainer epoch"
    )
    gpu.add_argument("--epochs", type=int, default=5, help="timed Trainer epochs")
    gpu.add_argument(
        "--loop-steps", type=int, default=20, help="timed steps of the article's loop"
    )
    gpu.add_argument("--skip-article-loop", action="store_true")
    gpu.add_argument(
        "--reuse-fakes",
        action="store_true",
        help="one generated batch per step for D's fake update and G's update",
    )
    gpu.add_argument(
        "--jit-compile",
        default="auto",
        type=lambda s: {"true": True, "false": False}.get(s.lower(), s),
    )
    gpu.add_argument(
        "--article-run",
        nargs="*",
        default=[],
        metavar="PRECISION:BATCH",
        help="also time fit_resample of 320 epochs over 600 images",
    )
    gpu.add_argument("--article-epochs", type=int, default=320)
    gpu.add_argument(
        "--article-data", default=None, help=".npz of 128x128 uint8 images for the run"
    )
    gpu.add_argument(
        "--profile", action="store_true", help="time each generator layer alone (JAX)"
    )
    gpu.add_argument(
        "--matmul-precision",
        default=None,
        help="JAX: jax_default_matmul_precision for this run",
    )
    digits = sub.add_parser("digits", help="balance scikit-learn's digits here")
    digits.add_argument(
        "--article", action="store_true", help="the article's recipe (ARTICLE)"
    )
    digits.add_argument(
        "--updates",
        type=lambda text: text if text == "auto" else int(text),
        default="auto",
        help="GAN generator updates per class ('auto': the device's budget)",
    )
    args = parser.parse_args(argv)
    if args.mode == "gpu":
        if args.matmul_precision and keras.config.backend() == "jax":
            import jax

            jax.config.update("jax_default_matmul_precision", args.matmul_precision)
        run_gpu(args)
    else:
        run_digits(args)


if __name__ == "__main__":
    main()
