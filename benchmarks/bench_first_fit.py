"""The first fit of a process, profiled: where a cold fit's time goes.

A user of the over-sampler pays for it inside cross-validation, often one fold
per process, so the first fit of a process is what counts. ``fit`` times
``DCGANOverSampler.fit_resample`` on one class in a fresh process (then again
in the same process) and splits the first fit into phases: building the
networks, making the trainer, loading weights, the training calls (the first
one includes compiling the train step), the checkpoints (scoring and
generating) and the final generation. On JAX it also counts every compiled
program with its compile time (``jax_log_compiles``) and the time JAX spent
tracing, lowering and compiling (``jax.monitoring``).

    # one configuration, in this process
    KERAS_BACKEND=jax python benchmarks/bench_first_fit.py fit --size 64 \\
        --recipe article --updates 1000 --precision bfloat16
    # the configurations of docs/benchmarks.md, each in a fresh process
    KERAS_BACKEND=jax python benchmarks/bench_first_fit.py suite --out results/
    # PyTorch: milliseconds per update and the host syncs of one step by source
    KERAS_BACKEND=torch python benchmarks/bench_first_fit.py torch-steps --size 64

Prints one ``RESULT {json}`` line per measurement.
"""

import argparse
import collections
import json
import logging
import os
import re
import subprocess
import sys
import time

T0 = time.perf_counter()
os.environ.setdefault("KERAS_BACKEND", "jax")
# After PYTHONPATH: an older checkout put there is measured instead.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras  # noqa: E402
import numpy as np  # noqa: E402

IMPORT_KERAS_S = time.perf_counter() - T0


class Phases:
    """Wall time and (JAX) compiled programs per phase of a fit."""

    def __init__(self):
        self.seconds = collections.Counter()
        self.calls = collections.Counter()
        self.current = "other"
        self.programs = []  # (phase, name, seconds)
        self.jax_events = collections.Counter()

    def wrap(self, owner, name, phase):
        function = getattr(owner, name)

        def timed(*args, **kwargs):
            outer, self.current = self.current, phase
            start = time.perf_counter()
            try:
                result = function(*args, **kwargs)
                if phase == "train_calls":  # asynchronous: wait for the result
                    result = _ready(result)
                return result
            finally:
                elapsed = time.perf_counter() - start
                key = phase
                if phase == "train_calls" and self.calls[phase] == 0:
                    key = "first_train_call"
                self.seconds[key] += elapsed
                self.calls[phase] += 1
                self.current = outer

        setattr(owner, name, timed)

    def reset(self):
        self.seconds.clear()
        self.calls.clear()
        self.programs.clear()
        self.jax_events.clear()


def _ready(result):
    if keras.config.backend() == "torch":
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
    return result


def _instrument(phases):
    import importlib

    import gansampler.training as training
    from gansampler import DCGANOverSampler

    module = {"jax": "_jax", "torch": "_torch", "tensorflow": "_tensorflow"}
    trainer_class = importlib.import_module(
        f"gansampler.training.{module[keras.config.backend()]}"
    ).Trainer
    phases.wrap(training.GANSettings, "build_networks", "build_networks")
    phases.wrap(training, "make_trainer", "make_trainer")
    phases.wrap(trainer_class, "load", "load")
    phases.wrap(trainer_class, "to_device", "to_device")
    phases.wrap(trainer_class, "run_epoch", "train_calls")
    phases.wrap(trainer_class, "save", "save")
    phases.wrap(training.CheckpointMonitor, "__call__", "checkpoints")
    phases.wrap(DCGANOverSampler, "_generate", "final_generation")
    if keras.config.backend() == "jax":
        import jax

        def on_event(event, duration, **kwargs):
            phases.jax_events[event.rsplit("/", 1)[-1]] += duration

        jax.monitoring.register_event_duration_secs_listener(on_event)

        class Programs(logging.Handler):
            def emit(self, record):
                match = re.search(
                    r"Finished XLA compilation of (\S+) in ([0-9.e-]+) sec",
                    record.getMessage(),
                )
                if match:
                    phases.programs.append(
                        (phases.current, match.group(1), float(match.group(2)))
                    )

        jax.config.update("jax_log_compiles", True)
        logger = logging.getLogger("jax")
        logger.addHandler(Programs())
        logger.setLevel(logging.DEBUG)
        logger.propagate = False


def _class_data(size, n_images, channels, seed=0):
    rng = np.random.default_rng(seed)
    # Smooth random images (not noise): a GAN trained on white noise is
    # stopped early by the divergence checks.
    low = rng.integers(0, 256, size=(3 * n_images, 4, 4, channels)).astype(np.float32)
    images = np.repeat(np.repeat(low, size // 4, axis=1), size // 4, axis=2)
    images += rng.normal(0, 8, images.shape)
    X = np.clip(images, 0, 255).astype(np.uint8)
    # Class 1, of n_images, grows to the 2 * n_images of class 0.
    return X, np.array([0] * (2 * n_images) + [1] * n_images)


def _preset(recipe):
    """The sampler parameters of ``--recipe``: the article's preset or none."""
    from gansampler.recipes import ARTICLE

    return {"article": ARTICLE, "default": {}}[recipe]


def run_fit(args):
    from gansampler import DCGANOverSampler

    phases = Phases()
    _instrument(phases)
    X, y = _class_data(args.size, args.n_images, args.channels)
    params = dict(
        **_preset(args.recipe),
        sampling_strategy="auto",
        updates=args.updates,
        batch_size=args.batch,
        precision=args.precision,
        jit_compile=args.jit_compile,
        random_state=0,
    )
    fits = []
    for i in range(args.fits):
        phases.reset()
        phases.current = "other"
        start = time.perf_counter()
        sampler = DCGANOverSampler(**{**params, "random_state": i})
        sampler.fit_resample(X, y)
        wall = time.perf_counter() - start
        history = sampler.history_[1]
        fit = {
            "fit": i + 1,
            "wall_s": round(wall, 3),
            "epochs": len(history["g_loss"]),
            "phases_s": {k: round(v, 3) for k, v in phases.seconds.items()},
            "train_calls": phases.calls["train_calls"],
        }
        fit["phases_s"]["unaccounted"] = round(wall - sum(phases.seconds.values()), 3)
        if phases.programs:
            by_phase = collections.defaultdict(lambda: [0, 0.0])
            for phase, _, seconds in phases.programs:
                by_phase[phase][0] += 1
                by_phase[phase][1] += seconds
            fit["programs"] = len(phases.programs)
            fit["programs_by_phase"] = {
                k: [n, round(s, 3)] for k, (n, s) in by_phase.items()
            }
            fit["largest_programs"] = [
                [phase, name, round(s, 3)]
                for phase, name, s in sorted(phases.programs, key=lambda p: -p[2])[:6]
            ]
            fit["jax_seconds"] = {k: round(v, 3) for k, v in phases.jax_events.items()}
        fits.append(fit)
    result = {
        "backend": keras.config.backend(),
        "device": _device_name(),
        "config": {k: v for k, v in vars(args).items() if k not in ("func",)},
        "import_keras_s": round(IMPORT_KERAS_S, 3),
        "process_s": round(time.perf_counter() - T0, 3),
        "env": {
            k: os.environ[k]
            for k in ("XLA_FLAGS", "JAX_COMPILATION_CACHE_DIR")
            if k in os.environ
        },
        "fits": fits,
    }
    print("RESULT " + json.dumps(result), flush=True)


def run_plain(args):
    """First and second fit with the parameters every version of the sampler has.

    For a same-run comparison with an older checkout (put it first on
    ``PYTHONPATH``): ``epochs='auto'`` trained about 1,000 generator updates
    with the article's recipe before recipes existed.
    """
    import inspect

    from gansampler import DCGANOverSampler

    X, y = _class_data(args.size, args.n_images, args.channels)
    params = dict(
        batch_size=args.batch, precision=args.precision, jit_compile=args.jit_compile
    )
    signature = inspect.signature(DCGANOverSampler).parameters
    if "recipe" in signature:  # a checkout from before the ARTICLE preset
        params.update(recipe=args.recipe, updates=args.updates)
    elif "updates" in signature:
        params.update(**_preset(args.recipe), updates=args.updates)
    fits = []
    for i in range(args.fits):
        start = time.perf_counter()
        sampler = DCGANOverSampler(random_state=i, **params)
        sampler.fit_resample(X, y)
        fits.append(
            {
                "fit": i + 1,
                "wall_s": round(time.perf_counter() - start, 3),
                "epochs": len(sampler.history_[1]["g_loss"]),
            }
        )
    import gansampler

    print(
        "RESULT "
        + json.dumps(
            {
                "backend": keras.config.backend(),
                "device": _device_name(),
                "package": os.path.dirname(gansampler.__file__),
                "import_keras_s": round(IMPORT_KERAS_S, 3),
                "fits": fits,
            }
        ),
        flush=True,
    )


def run_torch_steps(args):
    """Per-update time of the PyTorch trainer, and its host syncs by source."""
    import warnings

    import torch

    from gansampler.training import GANSettings, make_trainer

    settings = GANSettings(
        "conv",
        (args.size, args.size, args.channels),
        precision=args.precision,
        jit_compile=args.jit_compile,
        **_preset(args.recipe),
    )
    trainer = make_trainer(settings)
    trainer.load(*settings.build_networks(seed=0))
    X, _ = _class_data(args.size, 256, args.channels)
    images = trainer.to_device(X[:256].astype(np.float32) / 127.5 - 1)
    rng = np.random.default_rng(0)

    def call(n_steps):
        indices = rng.integers(0, 256, (n_steps, args.batch))
        out = trainer.run_epoch(images, indices, int(rng.integers(2**31)))
        torch.cuda.synchronize() if torch.cuda.is_available() else None
        return out

    start = time.perf_counter()
    call(2)
    first_s = time.perf_counter() - start
    call(8)
    start = time.perf_counter()
    call(args.steps)
    ms = (time.perf_counter() - start) / args.steps * 1e3
    result = {"backend": "torch", "device": _device_name(), "first_2_steps_s": first_s}
    result["ms_per_update"] = round(ms, 2)
    if torch.cuda.is_available():
        sources = collections.Counter()
        torch.cuda.set_sync_debug_mode("warn")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(1)
        torch.cuda.set_sync_debug_mode(0)
        for warning in caught:
            if "synchroniz" not in str(warning.message):
                continue
            where = str(warning.filename).split("site-packages/")[-1]
            sources[f"{where}:{warning.lineno}"] += 1
        result["syncs_per_step"] = sum(sources.values())
        result["sync_sources"] = dict(sources.most_common(12))
        with torch.profiler.profile(
            activities=[
                torch.profiler.ProfilerActivity.CPU,
                torch.profiler.ProfilerActivity.CUDA,
            ]
        ) as profile:
            call(10)
        events = profile.key_averages()
        result["profile_10_steps"] = {
            "cpu_total_ms": round(sum(e.self_cpu_time_total for e in events) / 1e3, 1),
            "cuda_total_ms": round(
                sum(getattr(e, "self_device_time_total", 0) for e in events) / 1e3, 1
            ),
            "top_cpu": [
                [e.key, round(e.self_cpu_time_total / 1e3, 2), e.count]
                for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:10]
            ],
        }
    print("RESULT " + json.dumps(result), flush=True)


def _device_name():
    backend = keras.config.backend()
    if backend == "jax":
        import jax

        return jax.devices()[0].device_kind
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    return "cpu"


# The configurations of docs/benchmarks.md: (name, extra environment, args).
SUITE = {
    "jax": [
        ("conv64_article", {}, ["--size", "64"]),
        ("conv128_article", {}, ["--size", "128", "--fits", "1"]),
        ("conv64_article_autotune0", {"XLA_FLAGS": "--xla_gpu_autotune_level=0"},
         ["--size", "64"]),
        ("conv64_article_cache_fill", {"JAX_COMPILATION_CACHE_DIR": "CACHE"},
         ["--size", "64", "--fits", "1"]),
        ("conv64_article_cache_hit", {"JAX_COMPILATION_CACHE_DIR": "CACHE"},
         ["--size", "64", "--fits", "1"]),
    ],
    "torch": [
        ("conv64_article", {}, ["--size", "64"]),
        ("conv64_article_eager", {}, ["--size", "64", "--fits", "1",
                                      "--jit-compile", "false"]),
    ],
}  # fmt: skip


def run_suite(args):
    backend = keras.config.backend()
    os.makedirs(args.out, exist_ok=True)
    cache = os.path.join(args.out, "jax-cache")
    results = []
    names = args.only or [name for name, _, _ in SUITE[backend]]
    for name, env, extra in SUITE[backend]:
        if name not in names:
            continue
        environment = {**os.environ}
        for key, value in env.items():
            environment[key] = cache if value == "CACHE" else value
        if "JAX_COMPILATION_CACHE_DIR" in env:
            environment["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
            environment["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"
        command = [sys.executable, __file__, "fit", *args.fit_args, *extra]
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                command,
                env=environment,
                capture_output=True,
                text=True,
                timeout=args.timeout,
            )
            output, status = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as expired:
            output, status = str(expired.stdout or "") + " TIMEOUT", 124
        lines = [ln for ln in output.splitlines() if ln.startswith("RESULT ")]
        row = json.loads(lines[-1][7:]) if lines else {"error": output[-2000:]}
        row.update(name=name, status=status, wall_s=time.perf_counter() - start)
        results.append(row)
        print("SUITE " + json.dumps(row), flush=True)
        with open(os.path.join(args.out, f"first_fit_{backend}.json"), "w") as f:
            json.dump(results, f, indent=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("fit", "plain", "torch-steps"):
        p = sub.add_parser(mode)
        p.add_argument("--size", type=int, default=64)
        p.add_argument("--channels", type=int, default=1)
        p.add_argument("--n-images", type=int, default=150)
        p.add_argument(
            "--recipe",
            default="article",
            choices=["article", "default"],
            help="the ARTICLE preset, or the defaults",
        )
        p.add_argument("--updates", type=int, default=1000)
        p.add_argument("--batch", type=int, default=32)
        p.add_argument("--precision", default="bfloat16")
        p.add_argument("--fits", type=int, default=2)
        p.add_argument("--steps", type=int, default=50)
        p.add_argument(
            "--jit-compile",
            default="auto",
            type=lambda s: {"true": True, "false": False}.get(s.lower(), s),
        )
    suite = sub.add_parser("suite")
    suite.add_argument("--out", default="first-fit-results")
    suite.add_argument("--only", nargs="*", default=None)
    suite.add_argument("--timeout", type=int, default=240)
    suite.add_argument(
        "--fit-args", nargs=argparse.REMAINDER, default=[], help="passed to fit"
    )
    args = parser.parse_args(argv)
    modes = {
        "fit": run_fit,
        "plain": run_plain,
        "torch-steps": run_torch_steps,
        "suite": run_suite,
    }
    modes[args.mode](args)


if __name__ == "__main__":
    main()
