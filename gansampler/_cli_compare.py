"""What ``gansampler compare`` prints and writes once its inputs are checked.

It runs :func:`~gansampler.evaluation.compare_resamplers`, writes each scored
fold to ``folds.partial.csv`` as it comes (so that an interrupted run keeps
them; a later run into the same folder moves them to
``folds.partial.previous.csv`` before it starts), prints the table with the
notes that explain its odd rows (failed folds, a classifier left at chance,
which differences are beyond the noise of the folds, the cheapest resampler
that no other beats) and the tests of dcgan against the others, and writes
the tables, the figure and the grids of generated images into ``--out``.
"""

import sys
import time
from pathlib import Path

from ._cli_inputs import _grid_names, _say
from ._files import write_atomically

#: The files ``compare --out`` writes, besides the grids of generated images.
OUTPUT_FILES = (
    "table.csv",
    "folds.csv",
    "tests.csv",
    "results.json",
    "comparison.png",
    "folds.partial.csv",
    "folds.partial.previous.csv",
)


def _run_comparison(args, X, y, what, chosen, classifier, resamplers, out):
    """Run the comparison, print its tables and write them into ``out``."""
    from .evaluation import compare_resamplers

    callback = None
    if out is not None:
        partial = out / "folds.partial.csv"
        if partial.exists():  # an interrupted run's folds: kept, not replaced
            previous = partial.with_name("folds.partial.previous.csv")
            partial.replace(previous)
            _say(
                f"gansampler: the folds of an earlier, interrupted run are now in "
                f"{previous}",
                file=sys.stderr,
            )
        callback = _partial_results_writer(partial)

    start = time.perf_counter()
    try:
        result = compare_resamplers(
            X,
            y,
            classifier=classifier,
            resamplers=resamplers,
            n_splits=chosen["folds"],
            n_repeats=args.repeats,
            random_state=args.random_state,
            memory=args.cache,
            n_jobs=args.n_jobs,
            verbose=args.verbose,
            callback=callback,
        )
    except KeyboardInterrupt:
        if out is not None and partial.exists():
            _say(
                f"gansampler: the folds scored before the interrupt are in {partial}",
                file=sys.stderr,
            )
        raise
    seconds = time.perf_counter() - start
    _say()
    _say(
        f"Mean ± std over {chosen['folds'] * args.repeats} test folds "
        f"({seconds:.0f} s in all):"
    )
    _say(result.format_table(precision=3))
    notes = result.format_notes(precision=3)
    if notes:
        _say()
        _say(notes)
    if len(result.tests):
        _say()
        _say(
            "dcgan minus each other resampler, mean over the folds (p: two-sided "
            "Nadeau-Bengio corrected resampled t-test; Wilcoxon in tests.csv):"
        )
        _say(result.format_tests(precision=3))
    if out is not None:
        _write_outputs(result, out, X.shape[1:], args.random_state, what)
        (out / "folds.partial.csv").unlink(missing_ok=True)
    return 0


def _partial_results_writer(path):
    """``callback(record)`` that adds each fold's record to a CSV file as it comes.

    The first record writes the header. Each addition rewrites the file
    atomically, so an interrupted run leaves the folds scored so far.
    """

    def callback(record):
        import csv
        import io

        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(record))
        if not path.exists():
            writer.writeheader()
        writer.writerow(record)
        row = text.getvalue()
        write_atomically(path, lambda file: file.write(row), mode="a")

    return callback


def _write_outputs(result, out, image_shape, random_state, what):
    import numpy as np

    written = [
        result.to_csv(out / "table.csv"),
        result.to_csv(out / "folds.csv", which="folds"),
        result.to_csv(out / "tests.csv", which="tests"),
    ]
    result.to_json(out / "results.json")
    result.plot(out / "comparison.png", title=what)
    written += [out / "results.json", out / "comparison.png"]
    sampler = result.fitted_resamplers.get("dcgan")
    if sampler is not None and getattr(sampler, "generators_", None):
        from .plotting import save_image_grid

        scale = max(1, 64 // int(image_shape[0]))
        grids = _grid_names(sampler.generators_)
        for label in sampler.generators_:
            images = sampler.generate(label, 49, random_state=random_state)
            images = np.clip(images.reshape((-1, *image_shape)), 0, 1)
            written.append(save_image_grid(images, out / grids[label], scale=scale))
    _say()
    _say(
        f"Wrote {len(written)} files into {out}/: "
        + ", ".join(Path(p).name for p in written)
    )
