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

How the phases are measured: the fit runs under Python's profiler
(``cProfile``), and each phase is the cumulative time of the package's
functions named in ``PHASES`` (by qualified name, in any module of the
package), their outermost calls only; nothing in the package is replaced or
wrapped. A compiled program belongs to the innermost phase on the stack when
JAX logs it. What that means for the figures (the phases in
docs/benchmarks.md, of 2026-12-01, were taken with earlier timing wrappers
that replaced the package's methods):

- ``train_calls`` is the training loop's call of the trainer, including its
  wait for the call's metrics, where the wrappers timed the trainer's
  ``run_epoch`` and then waited for PyTorch's GPU. The same time on JAX
  (its ``run_epoch`` returns host arrays) and on PyTorch, plus the loop's
  conversion of the metrics; on TensorFlow, whose ``run_epoch`` returns
  before its device work is done, it now includes that work. The
  ``train_calls`` count is still that of ``run_epoch`` calls.
- ``first_train_call`` is gone: a profile has one total per function, not one
  per call, so the first training call is part of ``train_calls``. On JAX,
  ``programs_by_phase["train_calls"]`` gives the compile time that made the
  first call long; the second fit (``--fits 2``) gives the calls without it.
- The profiler adds its own overhead to Python-bound phases (tracing,
  building networks), and so to ``wall_s``; ``plain`` times unprofiled fits.
- Phases may nest, as they did with the wrappers: ``make_trainer`` includes
  building the trainer's working networks, which ``build_networks`` counts
  too, so ``unaccounted`` (the wall time less every phase) can be negative.
- ``phase_calls`` (new) counts each phase's calls.

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
import cProfile
import inspect
import json
import logging
import os
import pstats
import re
import subprocess
import sys
import time
import types

T0 = time.perf_counter()
os.environ.setdefault("KERAS_BACKEND", "jax")
# After PYTHONPATH: an older checkout put there is measured instead.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras  # noqa: E402
import numpy as np  # noqa: E402

IMPORT_KERAS_S = time.perf_counter() - T0


# The phases of a fit, each the time of the package's functions whose
# qualified name matches (in any module of the gansampler package): the
# outermost calls only, so a method calling its base class's counts once.
PHASES = {
    "build_networks": r"GANSettings\.build_networks",
    "make_trainer": r"make_trainer",
    "load": r"\w*Trainer\.load",
    "to_device": r"\w*Trainer\.to_device",
    # The training loop's call of the trainer, with its wait for the metrics.
    "train_calls": r"_run_call",
    "save": r"\w*Trainer\.save",
    "checkpoints": r"CheckpointMonitor\.__call__",
    "final_generation": r"DCGANOverSampler\._generate",
}
# The trainer's compiled calls (``train_calls`` counts these).
RUN_EPOCH = r"\w*Trainer\.run_epoch"


def _package_root():
    import gansampler

    return os.path.dirname(os.path.abspath(gansampler.__file__)) + os.sep


def _matches(pattern, filename, qualname, root):
    return filename.startswith(root) and re.fullmatch(pattern, qualname) is not None


def _phase_of(filename, qualname, root):
    for phase, pattern in PHASES.items():
        if _matches(pattern, filename, qualname, root):
            return phase
    return None


def _package_functions(root):
    """``{(file, first line): qualified name}`` of the loaded package's functions.

    cProfile names a function by its file, first line and bare name; this
    gives it its qualified name (the methods of the package's classes).
    """
    found = {}
    seen = set()

    def visit(namespace):
        for value in list(vars(namespace).values()):
            function = getattr(value, "__func__", value)  # class/static methods
            for candidate in (function, getattr(function, "__wrapped__", None)):
                code = getattr(candidate, "__code__", None)
                if isinstance(code, types.CodeType) and code.co_filename.startswith(
                    root
                ):
                    found[code.co_filename, code.co_firstlineno] = code.co_qualname
            if (
                isinstance(value, type)
                and value not in seen
                and str(getattr(value, "__module__", "")).startswith("gansampler")
            ):
                seen.add(value)
                visit(value)

    for name, module in list(sys.modules.items()):
        if name == "gansampler" or name.startswith("gansampler."):
            visit(module)
    return found


def _outermost(stats, keys):
    """Seconds and calls of ``keys``' calls made from outside ``keys``."""
    seconds, calls = 0.0, 0
    for key in keys:
        for caller, (_, primitive, _, cumulative) in stats[key][4].items():
            if caller not in keys:
                seconds += cumulative
                calls += primitive
    return seconds, calls


def phase_times(stats):
    """Seconds and calls per phase from ``pstats.Stats(profile).stats``.

    Raises if a phase names no function of the package: a renamed function
    must be renamed here too, not measured as zero.
    """
    root = _package_root()
    functions = _package_functions(root)
    patterns = {**PHASES, "run_epoch": RUN_EPOCH}
    for phase, pattern in patterns.items():
        if not any(_matches(pattern, f, q, root) for (f, _), q in functions.items()):
            raise LookupError(f"phase {phase!r}: no package function {pattern!r}")
    keys = collections.defaultdict(set)
    for key in stats:
        qualname = functions.get(key[:2])
        for phase, pattern in patterns.items():
            if qualname is not None and _matches(pattern, key[0], qualname, root):
                keys[phase].add(key)
    times = {phase: _outermost(stats, keys[phase]) for phase in patterns}
    run_epoch = times.pop("run_epoch")
    return {p: s for p, (s, _) in times.items()}, {
        **{p: n for p, (_, n) in times.items()},
        "run_epoch": run_epoch[1],
    }


class Compiles:
    """JAX's compiled programs, each with the phase it was compiled in."""

    def __init__(self):
        self.programs = []  # (phase, name, seconds)
        self.jax_events = collections.Counter()

    def reset(self):
        self.programs.clear()
        self.jax_events.clear()

    @staticmethod
    def current_phase(root):
        """The innermost phase on the calling thread's stack, else "other"."""
        frame = inspect.currentframe()
        while frame is not None:
            code = frame.f_code
            phase = _phase_of(code.co_filename, code.co_qualname, root)
            if phase is not None:
                return phase
            frame = frame.f_back
        return "other"

    def listen(self):
        """Record JAX's compile events and programs (no-op on other backends)."""
        if keras.config.backend() != "jax":
            return
        import jax

        root = _package_root()
        compiles = self

        def on_event(event, duration, **kwargs):
            compiles.jax_events[event.rsplit("/", 1)[-1]] += duration

        jax.monitoring.register_event_duration_secs_listener(on_event)

        class Programs(logging.Handler):
            def emit(self, record):
                match = re.search(
                    r"Finished XLA compilation of (\S+) in ([0-9.e-]+) sec",
                    record.getMessage(),
                )
                if match:
                    compiles.programs.append(
                        (
                            compiles.current_phase(root),
                            match.group(1),
                            float(match.group(2)),
                        )
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

    compiles = Compiles()
    compiles.listen()
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
        compiles.reset()
        sampler = DCGANOverSampler(**{**params, "random_state": i})
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.runcall(sampler.fit_resample, X, y)
        wall = time.perf_counter() - start
        seconds, calls = phase_times(pstats.Stats(profile).stats)
        history = sampler.history_[1]
        fit = {
            "fit": i + 1,
            "wall_s": round(wall, 3),
            "epochs": len(history["g_loss"]),
            "phases_s": {k: round(v, 3) for k, v in seconds.items()},
            "train_calls": calls["run_epoch"],
            "phase_calls": {k: n for k, n in calls.items() if k != "run_epoch"},
        }
        fit["phases_s"]["unaccounted"] = round(wall - sum(seconds.values()), 3)
        if compiles.programs:
            by_phase = collections.defaultdict(lambda: [0, 0.0])
            for phase, _, program_s in compiles.programs:
                by_phase[phase][0] += 1
                by_phase[phase][1] += program_s
            fit["programs"] = len(compiles.programs)
            fit["programs_by_phase"] = {
                k: [n, round(s, 3)] for k, (n, s) in by_phase.items()
            }
            fit["largest_programs"] = [
                [phase, name, round(s, 3)]
                for phase, name, s in sorted(compiles.programs, key=lambda p: -p[2])[:6]
            ]
            fit["jax_seconds"] = {
                k: round(v, 3) for k, v in compiles.jax_events.items()
            }
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
