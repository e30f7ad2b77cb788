"""Progress bars on stderr, with the time left: GAN training and comparisons.

Bars are drawn by `rich <https://rich.readthedocs.io>`_ on standard error, as
rich draws them: on a terminal a bar is redrawn in place, and what is printed
meanwhile (progress lines, warnings: to stderr, or to stdout when that is the
terminal too) appears above it; elsewhere (a file, a pipe, a CI log, a
captured stream) nothing is animated, and rich writes each bar once, in its
final state, when it ends. A bar started while another one is shown (a GAN's
epochs inside a comparison's folds) is drawn below it while it runs. In a
worker process (joblib's, for ``n_jobs``), whose terminal other processes draw
on too, a bar is never animated: it is written once, when it ends.
"""

import contextlib
import multiprocessing
import sys
import threading

__all__ = ["progress_bar"]

_shown = []  # the rich Progress on screen, while there is one
_lock = threading.Lock()


class _Bar:
    """One task of a rich Progress: ``advance(steps, note=...)``."""

    def __init__(self, progress, task):
        self._progress = progress
        self._task = task

    def advance(self, steps=1, note=None):
        """Move the bar on by ``steps``; ``note`` replaces the text after it."""
        fields = {} if note is None else {"note": note}
        self._progress.update(self._task, advance=steps, **fields)


class _NoBar:
    """What ``progress_bar(..., show=False)`` yields: it draws nothing."""

    def advance(self, steps=1, note=None):
        """Do nothing."""


@contextlib.contextmanager
def progress_bar(description, total, *, unit, show=True):
    """A progress bar on stderr for the block: ``bar.advance(steps, note=...)``.

    Parameters
    ----------
    description : str
        Shown before the bar (``"class 3"``, ``"folds"``).
    total : int
        Steps of the whole task.
    unit : str
        What a step is (``"epochs"``), shown after the count.
    show : bool, default=True
        False draws nothing (``verbose=0``).

    Yields
    ------
    bar
        ``bar.advance(steps=1, note=None)`` moves the bar on and sets the text
        shown after it (the latest losses, the last fold's score).
    """
    if not show:
        yield _NoBar()
        return
    with _lock:
        shown = _shown[-1] if _shown else None
    if shown is not None:  # a bar below the one on screen, while it runs
        task = shown.add_task(description, total=total, unit=unit, note="")
        try:
            yield _Bar(shown, task)
        finally:
            shown.remove_task(task)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    sys.stdout.flush()  # what was printed before the bar stays above it
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
    )
    # Lines printed to stdout are drawn above the bar when stdout is the
    # terminal too; stdout sent to a file or a pipe stays there.
    stdout_on_terminal = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()
    # stderr=True: the console writes to sys.stderr as it is at each write,
    # so redirected or captured streams are followed. A worker process shares
    # its terminal with the other workers and the parent's bars: a bar
    # redrawn in place there would overwrite theirs.
    in_worker = multiprocessing.parent_process() is not None
    console = Console(stderr=True, force_terminal=False if in_worker else None)
    with Progress(
        *columns, console=console, redirect_stdout=stdout_on_terminal
    ) as progress:
        task = progress.add_task(description, total=total, unit=unit, note="")
        with _lock:
            _shown.append(progress)
        try:
            yield _Bar(progress, task)
        finally:
            with _lock:
                _shown.remove(progress)
