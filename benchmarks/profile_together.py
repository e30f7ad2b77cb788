"""Device time of one GAN step for K classes: one at a time, vmapped, unrolled.

Where does ``train_classes_together`` spend its time? This script times the
bare compiled train step of K classes' GANs (the sampler's ``'conv'``
networks, one-sided label smoothing 0.1, Adam), without any of the sampler's
bookkeeping, in three layouts of the same work:

* ``sequential``: each class in its own compiled ``lax.scan`` of steps, one
  class after another (what ``train_classes_together=False`` runs);
* ``vmap``: one ``lax.scan`` whose step is ``jax.vmap``-ed over the stacked
  states of the K classes (what ``train_classes_together=True`` ran first);
  vmapping a convolution over its weights makes it a grouped convolution;
* ``unrolled``: one ``lax.scan`` whose step runs the K classes' steps one
  after another inside the same program (plain convolutions, one program,
  the step traced K times);
* ``map``: one ``lax.scan`` whose step loops over the stacked classes with
  ``lax.map`` (plain convolutions, the step traced once; what
  ``train_classes_together=True`` runs now);
* ``map_cond``: as ``map``, each class's step inside a ``lax.cond`` (as a
  masked class would skip its work).

Reported per image size, precision and layout: the compile time of the first
call and the median over ``--repeats`` calls of the milliseconds per step of
all K classes, and the number of grouped convolutions in the compiled program.
Random images: the time of a step does not depend on them.

Usage (on the GPU machine)::

    KERAS_BACKEND=jax python benchmarks/profile_together.py --out $OUT/profile.json
"""

import argparse
import json
import os
import platform
import re
import sys
import time

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402

from gansampler.architectures import build_gan  # noqa: E402
from gansampler.training import _jax  # noqa: E402

POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
LAYOUTS = ("sequential", "vmap", "unrolled", "map", "map_cond")


def make_step(template):
    def lane(state, images, indices, key):
        return template._keyed_step(state, images, indices, key)

    return lane


def make_program(layout, lane, n_classes):
    """A jitted (state, images, indices) -> (state, metrics) over all steps."""

    if layout == "vmap":
        step = jax.vmap(lane)
    elif layout == "unrolled":

        def step(states, images, indices, keys):
            out = [
                lane(
                    jax.tree.map(lambda v, k=k: v[k], states),
                    images[k],
                    indices[k],
                    keys[k],
                )
                for k in range(n_classes)
            ]
            new = jax.tree.map(lambda *v: jnp.stack(v), *[o[0] for o in out])
            return new, jnp.stack([o[1] for o in out])

    elif layout == "map":

        def step(states, images, indices, keys):
            return jax.lax.map(lambda a: lane(*a), (states, images, indices, keys))

    elif layout == "map_cond":

        def conditional(state, images, indices, key):
            def idle(state, images, indices, key):
                return state, jnp.zeros(5, jnp.float32)

            active = jax.random.bits(key, dtype=jnp.uint32) < jnp.uint32(2**32 - 1)
            return jax.lax.cond(active, lane, idle, state, images, indices, key)

        def step(states, images, indices, keys):
            return jax.lax.map(
                lambda a: conditional(*a), (states, images, indices, keys)
            )

    else:  # one class: state and images unstacked
        step = lane

    def program(state, images, indices, seed):
        def body(state, xs):
            step_indices, i = xs
            if layout == "sequential":
                keys = jax.random.fold_in(jax.random.key(seed), i)
            else:
                keys = jax.vmap(
                    lambda k: jax.random.fold_in(jax.random.key(seed + k), i)
                )(jnp.arange(n_classes, dtype=jnp.uint32))
            return step(state, images, step_indices, keys)

        n_steps = indices.shape[-2]
        xs = (jnp.moveaxis(indices, -2, 0), jnp.arange(n_steps, dtype=jnp.int32))
        return jax.lax.scan(body, state, xs)

    return jax.jit(program, donate_argnums=(0,))


def grouped_convolutions(compiled_text):
    groups = re.findall(r"feature_group_count=(\d+)", compiled_text)
    return sum(int(g) > 1 for g in groups)


def measure(size, precision, args):
    policy = POLICIES[precision]
    pairs = [
        build_gan("conv", (size, size, 1), dtype=policy) for _ in range(args.classes)
    ]
    template = _jax.Trainer(
        *pairs[0],
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
        batch_size=args.batch,
        jit_compile=False,
        label_smoothing=0.1,
    )
    states = []
    for g, d in pairs:
        template.load(g, d)
        states.append(template._state)
    lane = make_step(template)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (args.classes, args.images, size, size, 1))
    images = jnp.asarray(images, jnp.float32)
    indices = rng.integers(
        0, args.images, (args.classes, args.steps, args.batch), dtype=np.int32
    )
    indices = jnp.asarray(indices)
    row = {"size": size, "precision": precision}
    for layout in args.layouts:
        program = make_program(layout, lane, args.classes)
        if layout == "sequential":
            state = [jax.tree.map(jnp.copy, s) for s in states]
        else:
            state = jax.tree.map(lambda *v: jnp.stack(v), *states)

        def call(state, layout=layout, program=program):
            if layout == "sequential":
                out = [
                    program(s, images[k], indices[k], jnp.uint32(k))
                    for k, s in enumerate(state)
                ]
                jax.block_until_ready(out)
                return [o[0] for o in out]
            out = program(state, images, indices, jnp.uint32(0))
            jax.block_until_ready(out)
            return out[0]

        start = time.perf_counter()
        if layout == "sequential":
            text = program.lower(state[0], images[0], indices[0], jnp.uint32(0))
        else:
            text = program.lower(state, images, indices, jnp.uint32(0))
        text = text.compile().as_text()
        state = call(state)
        compile_s = time.perf_counter() - start
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            state = call(state)
            times.append(time.perf_counter() - start)
        ms = 1000 * float(np.median(times)) / args.steps
        row[layout] = {
            "compile_s": compile_s,
            "ms_per_step_all_classes": ms,
            "grouped_convolutions": grouped_convolutions(text),
        }
        print(
            f"{size:>4} {precision:>9} {layout:>10}: {ms:8.2f} ms/step "
            f"(compile {compile_s:5.1f} s, "
            f"{row[layout]['grouped_convolutions']} grouped convs)",
            flush=True,
        )
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument(
        "--precisions", nargs="+", default=["bfloat16", "float32"], choices=POLICIES
    )
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=LAYOUTS)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--images", type=int, default=128, help="per class")
    parser.add_argument("--steps", type=int, default=64, help="steps per call")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="profile_together.json")
    args = parser.parse_args(argv)
    result = {
        "args": vars(args),
        "device": str(jax.devices()[0]),
        "versions": {
            "python": platform.python_version(),
            "jax": jax.__version__,
            "keras": keras.__version__,
        },
        "rows": [],
    }
    for size in args.sizes:
        for precision in args.precisions:
            result["rows"].append(measure(size, precision, args))
            with open(args.out, "w", encoding="utf-8") as file:
                json.dump(result, file, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
